/** The tests drive Microsoft's stand-in pages with the local stack's own driver. */
export {
  answerConsent,
  connectThroughMicrosoft,
  cookieHeader,
  cookieString,
  parseForm,
  signInAs,
} from '../../src/local/login-driver';
export type { PersonaRole } from '../../src/local/login-driver';
