import { Services } from '../app/services';
import { signInUrl } from '../domain/consent';
import { Principal } from '../ports/token-verifier.port';
import { pkceChallenge, shortDigest, signState, stateKeys } from './consent-state';

/** The browser-binding cookie of a connect flow (one per flow, so parallel flows in tabs coexist). */
export const BINDING_COOKIE_PREFIX = 'entra_connect_';

export interface BrowserBinding {
  name: string;
  value: string;
  maxAgeSeconds: number;
}

export interface StartConsentResult {
  /** Starts the flow in the browser (the name is kept for compatibility): Microsoft's sign-in. */
  consentUrl: string;
  expiresAt: string;
  /** Set as an HttpOnly, SameSite=Lax cookie on the answer: only this browser can finish the flow. */
  binding: BrowserBinding;
}

export function consentRedirectUri(publicBaseUrl: string): string {
  return `${publicBaseUrl}/api/entra/consent/callback`;
}

/**
 * Starts connecting a company: records the flow (who asked, the PKCE verifier, the OpenID nonce,
 * the browser binding) under a single-use nonce, and answers the URL of Microsoft's sign-in with
 * a signed `state` bound to the company, the requesting Symbol user and the browser.
 */
export async function startConsent(
  services: Pick<Services, 'config' | 'clock' | 'ids' | 'secrets' | 'consentNonces'>,
  input: { companyId: string; principal: Principal },
): Promise<StartConsentResult> {
  const { config, clock, ids, secrets, consentNonces } = services;
  const now = clock.now();
  const expires = new Date(now.getTime() + config.consentStateTtlSeconds * 1000);
  const binding: BrowserBinding = { name: `${BINDING_COOKIE_PREFIX}${ids.token(6)}`, value: ids.token(32), maxAgeSeconds: config.consentStateTtlSeconds };
  const nonce = ids.token(24);
  const oidcNonce = ids.token(24);
  const pkceVerifier = ids.token(48);
  const browserHash = shortDigest(binding.value);
  await consentNonces.put({
    nonce,
    companyId: input.companyId,
    step: 'signin',
    requestedBy: { subject: input.principal.subject, email: input.principal.email },
    issuedAt: now.toISOString(),
    expiresAt: expires.toISOString(),
    browserHash,
    oidcNonce,
    pkceVerifier,
    proven: null,
  });
  const keys = await stateKeys(secrets);
  const state = signState({ v: 2, c: input.companyId, n: nonce, s: 'signin', b: browserHash, u: shortDigest(input.principal.subject), x: Math.floor(expires.getTime() / 1000) }, keys.current);
  return {
    consentUrl: signInUrl({
      loginBaseUrl: config.entra.loginBaseUrl,
      clientId: config.entra.clientId,
      redirectUri: consentRedirectUri(config.publicBaseUrl),
      state,
      oidcNonce,
      codeChallenge: pkceChallenge(pkceVerifier),
    }),
    expiresAt: expires.toISOString(),
    binding,
  };
}
