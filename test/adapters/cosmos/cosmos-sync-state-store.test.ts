import { SYNC_STATE_CONTAINER } from '../../../src/adapters/cosmos/cosmos-schema';
import { CosmosSyncStateStore } from '../../../src/adapters/cosmos/cosmos-sync-state-store';
import { isAppError } from '../../../src/domain/app-error';
import { ZERO_COUNTS } from '../../../src/domain/sync-run';
import { SyncState } from '../../../src/domain/sync-state';
import { rejection } from '../../support/errors';
import { COMPANY, CosmosTestEnv, OTHER_COMPANY, startCosmosTestEnv } from './cosmos-test-env';

let env: CosmosTestEnv;
let store: CosmosSyncStateStore;

beforeAll(async () => {
  env = await startCosmosTestEnv('test-sync-state-store');
  store = new CosmosSyncStateStore(env.database);
});
afterAll(async () => {
  await env.close();
});

function state(companyId: string, overrides: Partial<SyncState> = {}): SyncState {
  return { companyId, connectionId: 'conn-1', deltaLink: null, lastFullRoundAt: null, removalsOutstanding: false, replacedConnection: false, round: null, updatedAt: '2024-05-01T10:00:00.000Z', ...overrides };
}

const ROUND: NonNullable<SyncState['round']> = {
  runId: 'run-1',
  roundId: 'round-1',
  mode: 'full',
  nextLink: 'https://graph.microsoft.com/v1.0/users/delta?$skiptoken=abc',
  pagesDone: false,
  deltaLink: null,
  pages: 3,
  counts: { ...ZERO_COUNTS, scanned: 600, newPending: 4 },
  newPendingSample: ['Ada Lovelace'],
  firstImport: false,
  removalsFlagged: 0,
  startedAt: '2024-05-01T10:00:00.000Z',
  checkpointedAt: '2024-05-01T10:01:00.000Z',
};

describe('CosmosSyncStateStore', () => {
  it('answers null for a company without state, and for ids Cosmos could not store', async () => {
    await expect(store.get('nobody-here')).resolves.toBeNull();
    await expect(store.get('a/b')).resolves.toBeNull();
  });

  it('creates with expectedEtag null (one document per company, id = companyId) and reads back the same version', async () => {
    const saved = await store.save(state(COMPANY), null);
    expect(saved.value).toEqual(state(COMPANY));
    expect(saved.etag).toEqual(expect.any(String));
    await expect(store.get(COMPANY)).resolves.toEqual(saved);
    const { resource } = await env.database.container(SYNC_STATE_CONTAINER).item(COMPANY, COMPANY).read<{ id: string }>();
    expect(resource?.id).toBe(COMPANY);
    await expect(store.get(OTHER_COMPANY)).resolves.toBeNull();
  });

  it('refuses a second create with AppError conflict', async () => {
    const error = await rejection(store.save(state(COMPANY, { connectionId: 'conn-2' }), null));
    expect(error.code).toBe('conflict');
    expect((await store.get(COMPANY))?.value.connectionId).toBe('conn-1');
  });

  it('replaces when the etag matches (a checkpoint with a round in progress) and gives a new etag', async () => {
    const current = await store.get(COMPANY);
    const next = state(COMPANY, { round: ROUND, updatedAt: '2024-05-01T10:01:00.000Z' });
    const saved = await store.save(next, current!.etag);
    expect(saved.value).toEqual(next);
    expect(saved.etag).not.toBe(current!.etag);
    await expect(store.get(COMPANY)).resolves.toEqual(saved);
  });

  it('refuses a replace with a stale etag with precondition_failed, leaving the stored value alone', async () => {
    const first = await store.get(COMPANY);
    const done = state(COMPANY, { deltaLink: 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=xyz', lastFullRoundAt: '2024-05-01T10:05:00.000Z', updatedAt: '2024-05-01T10:05:00.000Z' });
    await store.save(done, first!.etag);
    const error = await rejection(store.save({ ...first!.value, updatedAt: '2024-05-01T10:06:00.000Z' }, first!.etag));
    expect(error.code).toBe('precondition_failed');
    expect((await store.get(COMPANY))?.value).toEqual(done);
  });

  it('of two writers holding the same etag exactly one wins', async () => {
    const current = await store.get(COMPANY);
    const results = await Promise.allSettled([
      store.save({ ...current!.value, updatedAt: '2024-05-01T11:00:00.000Z' }, current!.etag),
      store.save({ ...current!.value, updatedAt: '2024-05-01T11:00:01.000Z' }, current!.etag),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(isAppError(results.find((r) => r.status === 'rejected')?.reason, 'precondition_failed')).toBe(true);
  });

  it('treats a replace of a document that is gone as precondition_failed', async () => {
    expect((await rejection(store.save(state(OTHER_COMPANY), '"some-etag"'))).code).toBe('precondition_failed');
  });

  it('refuses to write a value that breaks the schema', async () => {
    const bad = { ...state('bad-write'), round: { ...ROUND, pages: -1 } };
    expect((await rejection(store.save(bad, null))).code).toBe('internal_error');
    await expect(store.get('bad-write')).resolves.toBeNull();
  });

  it('reads a round checkpointed before `firstImport` existed (with `sweep`) as the same round', async () => {
    const container = env.database.container(SYNC_STATE_CONTAINER);
    const { firstImport: _, ...legacyRound } = ROUND;
    const legacyState = state('legacy-co');
    await container.items.create({ ...legacyState, id: 'legacy-co', round: { ...legacyRound, sweep: false } });
    expect((await store.get('legacy-co'))?.value).toEqual(state('legacy-co', { round: { ...ROUND, firstImport: true } }));
    await container.items.create({ ...legacyState, companyId: 'legacy-co-2', id: 'legacy-co-2', round: { ...legacyRound, sweep: true } });
    expect((await store.get('legacy-co-2'))?.value.round?.firstImport).toBe(false);
  });

  it('raises internal_error for a stored document of the wrong shape, without its content in the message', async () => {
    const container = env.database.container(SYNC_STATE_CONTAINER);
    await container.items.create({ ...state('corrupt-1'), id: 'corrupt-1', deltaLink: 42 });
    await container.items.create({ ...state('corrupt-2'), id: 'corrupt-2', secretExtra: 'secret-extra-value' });
    for (const companyId of ['corrupt-1', 'corrupt-2']) {
      const error = await rejection(store.get(companyId));
      expect(error.code).toBe('internal_error');
      expect(error.message).toContain(SYNC_STATE_CONTAINER);
      expect(error.message).not.toMatch(/secret/);
    }
  });
});
