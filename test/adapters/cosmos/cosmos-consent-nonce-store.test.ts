import { CosmosConsentNonceStore } from '../../../src/adapters/cosmos/cosmos-consent-nonce-store';
import { CONSENT_NONCE_GRACE_SECONDS, CONSENT_NONCES_CONTAINER } from '../../../src/adapters/cosmos/cosmos-schema';
import { ConsentNonce } from '../../../src/domain/consent';
import { rejection } from '../../support/app-errors';
import { COMPANY, CosmosTestEnv, startCosmosTestEnv } from './cosmos-test-env';

const NOW = new Date('2024-05-01T10:00:00.000Z');

let env: CosmosTestEnv;
let store: CosmosConsentNonceStore;

beforeAll(async () => {
  env = await startCosmosTestEnv('test-consent-nonce-store');
  store = new CosmosConsentNonceStore(env.database, { now: () => NOW });
});
afterAll(async () => {
  await env.close();
});

let counter = 0;
function nonce(overrides: Partial<ConsentNonce> = {}): ConsentNonce {
  counter += 1;
  return {
    nonce: `nonce-${String(counter).padStart(4, '0')}-abcdefghijkl`,
    companyId: COMPANY,
    step: 'signin',
    requestedBy: { subject: 'admin-1', email: 'admin@acme.example' },
    issuedAt: NOW.toISOString(),
    expiresAt: new Date(NOW.getTime() + 900_000).toISOString(),
    browserHash: 'AbCdEfGhIjKlMnOpQrStUv',
    oidcNonce: 'oidc-nonce-abcdefghijklmnop',
    pkceVerifier: 'v'.repeat(64),
    proven: null,
    ...overrides,
  };
}

/** What only Cosmos shows; the store's behaviour is the ConsentNonceStore contract (test/contracts). */
describe('CosmosConsentNonceStore', () => {
  it('stores the nonce with a ttl of the time left until expiresAt plus the grace period', async () => {
    const issued = nonce();
    await store.put(issued);
    const { resource } = await env.database
      .container(CONSENT_NONCES_CONTAINER)
      .item(issued.nonce, COMPANY)
      .read<{ ttl: number }>();
    expect(resource?.ttl).toBe(900 + CONSENT_NONCE_GRACE_SECONDS);
  });

  it('keeps a positive ttl for a nonce that is already past its expiry', async () => {
    const issued = nonce({ expiresAt: new Date(NOW.getTime() - 3_600_000).toISOString() });
    await store.put(issued);
    const { resource } = await env.database
      .container(CONSENT_NONCES_CONTAINER)
      .item(issued.nonce, COMPANY)
      .read<{ ttl: number }>();
    expect(resource?.ttl).toBe(1);
  });

  it('raises internal_error for a stored nonce of the wrong shape', async () => {
    const issued = nonce();
    await env.database
      .container(CONSENT_NONCES_CONTAINER)
      .items.create({ ...issued, id: issued.nonce, requestedBy: 'not-an-object' });
    const error = await rejection(store.consume(COMPANY, issued.nonce));
    expect(error.code).toBe('internal_error');
    expect(error.message).not.toContain(issued.nonce);
  });
});
