import { CosmosIntegrationStore } from '../../../src/adapters/cosmos/cosmos-integration-store';
import { INTEGRATIONS_CONTAINER } from '../../../src/adapters/cosmos/cosmos-schema';
import { isAppError } from '../../../src/domain/app-error';
import { rejection } from '../../support/errors';
import { Integration, newIntegration } from '../../../src/domain/integration';
import { COMPANY, CosmosTestEnv, OTHER_COMPANY, startCosmosTestEnv } from './cosmos-test-env';

let env: CosmosTestEnv;
let store: CosmosIntegrationStore;

beforeAll(async () => {
  env = await startCosmosTestEnv('test-integration-store');
  store = new CosmosIntegrationStore(env.database);
});
afterAll(async () => {
  await env.close();
});

function integration(companyId: string, overrides: Partial<Integration> = {}): Integration {
  return { ...newIntegration(companyId, '2024-05-01T10:00:00.000Z'), ...overrides };
}

describe('CosmosIntegrationStore', () => {
  it('answers null for a company that has nothing stored, and for ids Cosmos could not store', async () => {
    await expect(store.get('nobody-here')).resolves.toBeNull();
    await expect(store.get('a/b')).resolves.toBeNull();
  });

  it('creates with expectedEtag null and reads back the same value and version', async () => {
    const saved = await store.save(integration(COMPANY), null);
    expect(saved.value).toEqual(integration(COMPANY));
    expect(saved.etag).toEqual(expect.any(String));
    await expect(store.get(COMPANY)).resolves.toEqual(saved);
  });

  it('refuses a second create with AppError conflict', async () => {
    const error = await rejection(store.save(integration(COMPANY, { status: 'error' }), null));
    expect(error.code).toBe('conflict');
    expect((await store.get(COMPANY))?.value.status).toBe('not_connected');
  });

  it('replaces when the etag matches and gives a new etag', async () => {
    const current = await store.get(COMPANY);
    expect(current).not.toBeNull();
    const next = integration(COMPANY, { status: 'connected', tenantId: '11111111-2222-3333-4444-555555555555', connectionId: 'conn-1', updatedAt: '2024-05-01T11:00:00.000Z' });
    const saved = await store.save(next, current!.etag);
    expect(saved.value).toEqual(next);
    expect(saved.etag).not.toBe(current!.etag);
    await expect(store.get(COMPANY)).resolves.toEqual(saved);
  });

  it('refuses a replace with a stale etag with AppError precondition_failed, leaving the stored value alone', async () => {
    const first = await store.get(COMPANY);
    await store.save({ ...first!.value, updatedAt: '2024-05-01T12:00:00.000Z' }, first!.etag);
    const error = await rejection(store.save({ ...first!.value, status: 'disconnected' }, first!.etag));
    expect(error.code).toBe('precondition_failed');
    expect((await store.get(COMPANY))?.value.updatedAt).toBe('2024-05-01T12:00:00.000Z');
  });

  it('of two writers holding the same etag exactly one wins', async () => {
    const current = await store.get(COMPANY);
    const results = await Promise.allSettled([
      store.save({ ...current!.value, status: 'error' }, current!.etag),
      store.save({ ...current!.value, status: 'consent_revoked' }, current!.etag),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(isAppError(rejected?.reason, 'precondition_failed')).toBe(true);
  });

  it('treats a replace of a document that is gone as precondition_failed', async () => {
    const error = await rejection(store.save(integration(OTHER_COMPANY), '"some-etag"'));
    expect(error.code).toBe('precondition_failed');
  });

  it('refuses to write a value that breaks the schema', async () => {
    const bad = { ...integration('bad-write'), status: 'sleeping' } as unknown as Integration;
    const error = await rejection(store.save(bad, null));
    expect(error.code).toBe('internal_error');
    await expect(store.get('bad-write')).resolves.toBeNull();
  });

  it('raises internal_error for a stored document of the wrong shape, without its content in the message', async () => {
    const container = env.database.container(INTEGRATIONS_CONTAINER);
    await container.items.create({ ...integration('corrupt-1'), id: 'corrupt-1', status: 'secret-status-value' });
    await container.items.create({ ...integration('corrupt-2'), id: 'corrupt-2', leakedField: 'secret-extra-value' });
    for (const companyId of ['corrupt-1', 'corrupt-2']) {
      const error = await rejection(store.get(companyId));
      expect(error.code).toBe('internal_error');
      expect(error.message).toContain(INTEGRATIONS_CONTAINER);
      expect(error.message).not.toMatch(/secret-|leakedField/);
    }
  });
});
