import { MemoryGroupDirectory } from './in-memory-groups';
import { MemoryGroupMembershipStore } from './in-memory-group-memberships';
import { MemoryPreviewStore } from './in-memory-previews';
import { randomBytes, randomUUID } from 'node:crypto';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { exportJWK, generateKeyPair, SignJWT, createLocalJWKSet, JWK } from 'jose';
import { JoseTokenVerifier } from '../../src/adapters/auth/jose-token-verifier';
import { Services } from '../../src/app/services';
import { Principal } from '../../src/ports/token-verifier.port';
import { AppConfig, loadConfig } from '../../src/config/config';
import { MemoryCompanyCatalog } from './in-memory-company-catalog';
import { MemoryIntegrationLister, MemorySubscriptionClient, MemorySubscriptionStore } from './in-memory-subscriptions';
import {
  MemoryNotificationLog,
  MemoryConsentNonceStore,
  MemoryDirectoryUserStore,
  MemorySymbolUserStore,
  MemorySyncStateStore,
  MemoryIntegrationStore,
  MemoryMailer,
  MemoryQueue,
  MemoryRoundSeenStore,
  MemorySyncRunStore,
  MemoryUserCounts,
  memoryUserStores,
  StaticSecrets,
} from './in-memory-ports';
import { TestClock } from './test-time';
import { MemoryAuditStore } from './in-memory-audit-store';

/** An admin of every company, as a verified token names it (for use cases called without HTTP). */
export const ADMIN_PRINCIPAL: Principal = { subject: 'admin-1', email: 'admin@acme.example', companies: '*' };

export const TEST_ISSUER = 'https://identity.test.example';
export const TEST_AUDIENCE = 'symbol-entra-sync-test';

export const TEST_ENV = {
  ENTRA_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
  LOGIN_BASE_URL: 'https://login.test.example',
  AUTHORITY_HOST: 'https://login.test.example',
  GRAPH_BASE_URL: 'https://graph.test.example/v1.0',
  PUBLIC_BASE_URL: 'https://sync.test.example',
  ADMIN_UI_URL: 'https://admin.test.example',
  AUTH_ISSUER: TEST_ISSUER,
  AUTH_AUDIENCE: TEST_AUDIENCE,
  AUTH_JWKS_URL: 'https://identity.test.example/.well-known/jwks.json',
  COSMOS_ENDPOINT: 'http://127.0.0.1:1',
  COSMOS_KEY: 'dGVzdA==',
  QUEUE_BACKEND: 'in-process',
  SECRETS_BACKEND: 'file',
  SECRETS_FILE: '/nonexistent/secrets.json',
  MAIL_BACKEND: 'outbox',
  MAIL_FROM: 'sync@test.example',
  OUTBOX_DIR: '/nonexistent/outbox',
};

export interface TestSigner {
  sign(claims: {
    sub?: string;
    email?: string;
    companies?: string[] | '*' | number;
    iss?: string;
    aud?: string;
    exp?: number | string;
  }): Promise<string>;
  /** A token signed by a different key (a forgery). */
  forge(claims: { companies: string[] }): Promise<string>;
}

export interface TestHarness {
  services: Services;
  config: AppConfig;
  clock: TestClock;
  integrations: MemoryIntegrationStore;
  nonces: MemoryConsentNonceStore;
  runs: MemorySyncRunStore;
  queue: MemoryQueue;
  mailer: MemoryMailer;
  signer: TestSigner;
  directoryUsers: MemoryDirectoryUserStore;
  symbolUsers: MemorySymbolUserStore;
  userCounts: MemoryUserCounts;
  subscriptions: MemorySubscriptionClient;
  subscriptionStore: MemorySubscriptionStore;
  integrationLister: MemoryIntegrationLister;
  groupDirectory: MemoryGroupDirectory;
  audit: MemoryAuditStore;
}

async function makeSigner(): Promise<{ signer: TestSigner; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const other = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256' };
  const build = (claims: Parameters<TestSigner['sign']>[0]) =>
    new SignJWT({
      ...(claims.email === undefined ? { email: 'admin@acme.example' } : claims.email ? { email: claims.email } : {}),
      companies: claims.companies ?? ['acme'],
    })
      .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
      .setIssuer(claims.iss ?? TEST_ISSUER)
      .setAudience(claims.aud ?? TEST_AUDIENCE)
      .setSubject(claims.sub ?? 'admin-1')
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? '1h');
  return {
    jwk,
    signer: {
      sign: (claims) => build(claims).sign(privateKey),
      forge: (claims) => build(claims).sign(other.privateKey),
    },
  };
}

export async function createTestHarness(
  overrides: Partial<Record<keyof typeof TEST_ENV, string>> = {},
): Promise<TestHarness> {
  const config = loadConfig({ ...TEST_ENV, ...overrides });
  const { signer, jwk } = await makeSigner();
  const clock = new TestClock(new Date());
  const integrations = new MemoryIntegrationStore();
  const nonces = new MemoryConsentNonceStore(clock);
  const runs = new MemorySyncRunStore();
  const queue = new MemoryQueue(clock);
  const mailer = new MemoryMailer();
  const { userCounts, directoryUsers, symbolUsers } = memoryUserStores();
  const subscriptions = new MemorySubscriptionClient(() => clock.now());
  const subscriptionStore = new MemorySubscriptionStore();
  const integrationLister = new MemoryIntegrationLister(integrations);
  const groupDirectory = new MemoryGroupDirectory();
  const audit = new MemoryAuditStore();
  const services: Services = {
    config,
    clock,
    ids: { uuid: () => randomUUID(), token: (bytes) => randomBytes(bytes).toString('base64url') },
    secrets: new StaticSecrets(),
    tokens: new JoseTokenVerifier(createLocalJWKSet({ keys: [jwk] }), TEST_ISSUER, TEST_AUDIENCE),
    integrations,
    consentNonces: nonces,
    // Handler tests of the connect flow install the real OIDC client against the simulator.
    signIn: { redeem: () => Promise.reject(new Error('no sign-in in these handler tests')) },
    syncRuns: runs,
    userCounts,
    queue,
    mailer,
    directory: { deltaPage: () => Promise.reject(new Error('no directory in handler tests')) },
    groupDirectory,
    groupMemberships: new MemoryGroupMembershipStore(),
    previews: new MemoryPreviewStore(),
    directoryUsers,
    syncState: new MemorySyncStateStore(),
    roundSeen: new MemoryRoundSeenStore(),
    symbolUsers,
    notificationLog: new MemoryNotificationLog(),
    subscriptions,
    subscriptionStore,
    integrationLister,
    companies: new MemoryCompanyCatalog(integrations),
    audit,
  };
  return {
    services,
    config,
    clock,
    integrations,
    nonces,
    runs,
    queue,
    mailer,
    signer,
    directoryUsers,
    symbolUsers,
    userCounts,
    subscriptions,
    subscriptionStore,
    integrationLister,
    groupDirectory,
    audit,
  };
}

export function context(functionName = 'test', lines?: string[]): InvocationContext {
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName,
    logHandler: (_level, ...args) => {
      lines?.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    },
  });
}

export function request(init: {
  method: string;
  path: string;
  token?: string;
  body?: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
}): HttpRequest {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  return new HttpRequest({
    method: init.method,
    url: `https://sync.test.example/api/${init.path}`,
    headers,
    params: init.params ?? {},
    ...(init.body !== undefined ? { body: { string: init.body } } : {}),
  });
}

export async function json(response: { jsonBody?: unknown; body?: unknown }): Promise<Record<string, unknown>> {
  return Promise.resolve((response.jsonBody ?? {}) as Record<string, unknown>);
}
