import { CosmosConsentNonceStore } from '../../../src/adapters/cosmos/cosmos-consent-nonce-store';
import { CONSENT_NONCE_GRACE_SECONDS, CONSENT_NONCES_CONTAINER } from '../../../src/adapters/cosmos/cosmos-schema';
import { ConsentNonce } from '../../../src/domain/consent';
import { rejection } from '../../support/errors';
import { COMPANY, CosmosTestEnv, OTHER_COMPANY, startCosmosTestEnv } from './cosmos-test-env';

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
    requestedBy: { subject: 'admin-1', email: 'admin@acme.example' },
    issuedAt: NOW.toISOString(),
    expiresAt: new Date(NOW.getTime() + 900_000).toISOString(),
    ...overrides,
  };
}

describe('CosmosConsentNonceStore', () => {
  it('stores the nonce with a ttl of the time left until expiresAt plus the grace period', async () => {
    const issued = nonce();
    await store.put(issued);
    const { resource } = await env.database.container(CONSENT_NONCES_CONTAINER).item(issued.nonce, COMPANY).read<{ ttl: number }>();
    expect(resource?.ttl).toBe(900 + CONSENT_NONCE_GRACE_SECONDS);
  });

  it('keeps a positive ttl for a nonce that is already past its expiry', async () => {
    const issued = nonce({ expiresAt: new Date(NOW.getTime() - 3_600_000).toISOString() });
    await store.put(issued);
    const { resource } = await env.database.container(CONSENT_NONCES_CONTAINER).item(issued.nonce, COMPANY).read<{ ttl: number }>();
    expect(resource?.ttl).toBe(1);
  });

  it('gives the nonce back once, then null', async () => {
    const issued = nonce();
    await store.put(issued);
    await expect(store.consume(COMPANY, issued.nonce)).resolves.toEqual(issued);
    await expect(store.consume(COMPANY, issued.nonce)).resolves.toBeNull();
  });

  it('returns an expired nonce too: the use case judges expiry', async () => {
    const issued = nonce({ expiresAt: new Date(NOW.getTime() - 1000).toISOString() });
    await store.put(issued);
    await expect(store.consume(COMPANY, issued.nonce)).resolves.toEqual(issued);
  });

  it('answers null for an unknown nonce, a nonce of another company, and ids Cosmos could not store', async () => {
    const issued = nonce();
    await store.put(issued);
    await expect(store.consume(COMPANY, 'never-issued-nonce-000')).resolves.toBeNull();
    await expect(store.consume(OTHER_COMPANY, issued.nonce)).resolves.toBeNull();
    await expect(store.consume(COMPANY, 'with/slash-0000000000')).resolves.toBeNull();
    // Still there for its own company.
    await expect(store.consume(COMPANY, issued.nonce)).resolves.toEqual(issued);
  });

  it('of many concurrent consumers exactly one gets the nonce', async () => {
    for (let round = 0; round < 5; round += 1) {
      const issued = nonce();
      await store.put(issued);
      const results = await Promise.all(Array.from({ length: 8 }, () => store.consume(COMPANY, issued.nonce)));
      expect(results.filter((r) => r !== null)).toEqual([issued]);
    }
  });

  it('refuses to issue the same nonce twice', async () => {
    const issued = nonce();
    await store.put(issued);
    expect((await rejection(store.put({ ...issued, requestedBy: { subject: 'attacker', email: null } }))).code).toBe('conflict');
    await expect(store.consume(COMPANY, issued.nonce)).resolves.toEqual(issued);
  });

  it('raises internal_error for a stored nonce of the wrong shape', async () => {
    const issued = nonce();
    await env.database.container(CONSENT_NONCES_CONTAINER).items.create({ ...issued, id: issued.nonce, requestedBy: 'not-an-object' });
    const error = await rejection(store.consume(COMPANY, issued.nonce));
    expect(error.code).toBe('internal_error');
    expect(error.message).not.toContain(issued.nonce);
  });
});
