import { loadConfig } from '../../src/config/config';
import { TEST_ENV } from '../support/test-services';
import { configProblems } from '../support/config-problems';

const PROD_ENV = {
  ENTRA_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
  PUBLIC_BASE_URL: 'https://func-abc.azurewebsites.net',
  ADMIN_UI_URL: 'https://app.symbolsecurity.com',
  AUTH_ISSUER: 'https://identity.symbolsecurity.com',
  AUTH_AUDIENCE: 'symbol-entra-sync',
  AUTH_JWKS_URL: 'https://identity.symbolsecurity.com/.well-known/jwks.json',
  COSMOS_ENDPOINT: 'https://cosmos-abc.documents.azure.com:443/',
  ServiceBusConnection__fullyQualifiedNamespace: 'sb-abc.servicebus.windows.net',
  KEY_VAULT_URL: 'https://kv-abc.vault.azure.net/',
  MAIL_FROM: 'no-reply@symbolsecurity.com',
  AZURE_CLIENT_ID: '99999999-2222-3333-4444-555555555555',
};

const problemsOf = configProblems;

describe('configuration', () => {
  it('reads a production environment with managed identity everywhere and Microsoft defaults', () => {
    const config = loadConfig(PROD_ENV);
    expect(config.cosmos).toEqual({ auth: 'managed-identity', endpoint: 'https://cosmos-abc.documents.azure.com:443', database: 'entra-sync', managedIdentityClientId: PROD_ENV.AZURE_CLIENT_ID });
    expect(config.queue).toEqual({ backend: 'servicebus', fullyQualifiedNamespace: 'sb-abc.servicebus.windows.net', managedIdentityClientId: PROD_ENV.AZURE_CLIENT_ID });
    expect(config.secrets.backend).toBe('keyvault');
    expect(config.mail.backend).toBe('sendgrid');
    expect(config.entra.loginBaseUrl).toBe('https://login.microsoftonline.com');
    expect(config.entra.graphBaseUrl).toBe('https://graph.microsoft.com/v1.0');
    expect(config.notificationUrlBase).toBe(PROD_ENV.PUBLIC_BASE_URL);
    expect(config.consentStateTtlSeconds).toBe(900);
  });

  it('names every missing variable at once', () => {
    expect(problemsOf({}).sort()).toEqual(
      ['ADMIN_UI_URL', 'AUTH_AUDIENCE', 'AUTH_ISSUER', 'AUTH_JWKS_URL', 'COSMOS_ENDPOINT', 'ENTRA_CLIENT_ID', 'KEY_VAULT_URL', 'MAIL_FROM', 'NOTIFICATION_URL_BASE', 'PUBLIC_BASE_URL', 'ServiceBusConnection__fullyQualifiedNamespace'].sort(),
    );
  });

  it.each([
    ['PUBLIC_BASE_URL', 'not a url'],
    ['MAIL_FROM', 'nobody'],
    ['CONSENT_STATE_TTL_SECONDS', '-5'],
    ['CONSENT_STATE_TTL_SECONDS', '99999'],
    ['KEY_VAULT_URL', 'http://kv.example'],
    ['QUEUE_BACKEND', 'carrier-pigeon'],
  ])('names %s when it is %s', (name, value) => {
    expect(problemsOf({ ...PROD_ENV, [name]: value })).toContain(name);
  });

  it.each(['client-secret', 'client-certificate', 'managed-identity-federation'] as const)('accepts ENTRA_CREDENTIAL=%s', (credential) => {
    expect(loadConfig({ ...PROD_ENV, ENTRA_CREDENTIAL: credential }).entra.credential).toBe(credential);
  });

  it('names ENTRA_CREDENTIAL when it is not one of the three', () => {
    expect(problemsOf({ ...PROD_ENV, ENTRA_CREDENTIAL: 'certificate' })).toEqual(['ENTRA_CREDENTIAL']);
  });

  it('treats blank values as missing', () => {
    expect(problemsOf({ ...PROD_ENV, ENTRA_CLIENT_ID: '  ' })).toEqual(['ENTRA_CLIENT_ID']);
  });

  it('accepts the local shapes (key auth, in-process queue, file secrets, outbox)', () => {
    const config = loadConfig(TEST_ENV);
    expect(config.cosmos.auth).toBe('key');
    expect(config.queue.backend).toBe('in-process');
    expect(config.mail).toMatchObject({ backend: 'outbox', dir: '/nonexistent/outbox' });
  });
});
