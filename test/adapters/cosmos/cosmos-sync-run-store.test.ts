import { CosmosSyncRunStore, decodeCursor, encodeCursor } from '../../../src/adapters/cosmos/cosmos-sync-run-store';
import { SYNC_RUN_TTL_SECONDS, SYNC_RUNS_CONTAINER } from '../../../src/adapters/cosmos/cosmos-schema';
import { queuedRun, SyncRun } from '../../../src/domain/sync-run';
import { rejection } from '../../support/app-errors';
import { COMPANY, CosmosTestEnv, startCosmosTestEnv } from './cosmos-test-env';

let env: CosmosTestEnv;
let store: CosmosSyncRunStore;

beforeAll(async () => {
  env = await startCosmosTestEnv('test-sync-run-store');
  store = new CosmosSyncRunStore(env.database);
});
afterAll(async () => {
  await env.close();
});

function run(companyId: string, runId: string, queuedAt: string, overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    ...queuedRun({ runId, companyId, connectionId: 'conn-1', trigger: 'manual', mode: 'delta', nowIso: queuedAt }),
    ...overrides,
  };
}

async function listAll(companyId: string, limit: number): Promise<{ pages: SyncRun[][]; cursors: (string | null)[] }> {
  const pages: SyncRun[][] = [];
  const cursors: (string | null)[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.list(companyId, { limit, cursor });
    pages.push(page.items);
    cursors.push(page.nextCursor);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 50);
  return { pages, cursors };
}

/** What only Cosmos shows (TTL, cursor encoding, stored shapes); the store's behaviour is the SyncRunStore contract (test/contracts). */
describe('CosmosSyncRunStore', () => {
  it('creates a run that expires after 90 days and reads it back', async () => {
    const created = run(COMPANY, 'run-created', '2024-05-01T10:00:00.000Z');
    await expect(store.create(created)).resolves.toEqual(created);
    await expect(store.get(COMPANY, 'run-created')).resolves.toEqual(created);
    const { resource } = await env.database
      .container(SYNC_RUNS_CONTAINER)
      .item('run-created', COMPANY)
      .read<{ ttl: number }>();
    expect(resource?.ttl).toBe(SYNC_RUN_TTL_SECONDS);
    expect(SYNC_RUN_TTL_SECONDS).toBe(7_776_000);
  });

  it('two concurrent creates of one run id agree on the first', async () => {
    const [a, b] = await Promise.all([
      store.create(run(COMPANY, 'run-race', '2024-05-01T10:00:00.000Z')),
      store.create(run(COMPANY, 'run-race', '2024-05-01T10:00:00.000Z')),
    ]);
    expect(a).toEqual(b);
  });

  describe('update', () => {
    it('replaces the run, keeps its 90-day ttl and returns what was stored', async () => {
      const created = await store.create(run(COMPANY, 'run-updated', '2024-05-01T10:00:00.000Z'));
      const finished: SyncRun = {
        ...created,
        status: 'succeeded',
        startedAt: '2024-05-01T10:00:01.000Z',
        finishedAt: '2024-05-01T10:02:00.000Z',
        counts: { ...created.counts, scanned: 120, newPending: 3, unchanged: 117, removed: 1, invalid: 2, held: 4 },
        pages: 2,
        invocations: 3,
        durationMs: 119_000,
      };
      await expect(store.update(finished)).resolves.toEqual(finished);
      await expect(store.get(COMPANY, 'run-updated')).resolves.toEqual(finished);
      const { resource } = await env.database
        .container(SYNC_RUNS_CONTAINER)
        .item('run-updated', COMPANY)
        .read<{ ttl: number }>();
      expect(resource?.ttl).toBe(SYNC_RUN_TTL_SECONDS);
    });

    it('fills the defaults of runs stored before pages, invocations and durationMs existed', async () => {
      const legacy: Record<string, unknown> = { ...run(COMPANY, 'run-legacy', '2024-05-01T10:00:00.000Z') };
      delete legacy.pages;
      delete legacy.invocations;
      delete legacy.durationMs;
      await env.database
        .container(SYNC_RUNS_CONTAINER)
        .items.create({ ...legacy, id: 'run-legacy', ttl: SYNC_RUN_TTL_SECONDS });
      const read = await store.get(COMPANY, 'run-legacy');
      expect(read).toMatchObject({ pages: 0, invocations: 0, durationMs: null });
      await expect(store.update({ ...read!, status: 'running', invocations: 1 })).resolves.toMatchObject({
        status: 'running',
        invocations: 1,
        pages: 0,
      });
    });

    it('refuses to write a run that breaks the schema, leaving the stored one alone', async () => {
      const created = await store.create(run(COMPANY, 'run-bad-update', '2024-05-01T10:00:00.000Z'));
      const bad = { ...created, counts: { ...created.counts, scanned: -5 } };
      expect((await rejection(store.update(bad))).code).toBe('internal_error');
      await expect(store.get(COMPANY, 'run-bad-update')).resolves.toEqual(created);
    });
  });

  describe('list', () => {
    const company = 'paging-co';
    // Inserted out of order; two share a queuedAt to exercise ties across page boundaries.
    const queuedAts = [
      '2024-03-05',
      '2024-03-01',
      '2024-03-09',
      '2024-03-03',
      '2024-03-07',
      '2024-03-02',
      '2024-03-08',
      '2024-03-07',
      '2024-03-04',
    ];
    const runs = queuedAts.map((day, i) => run(company, `run-${i}`, `${day}T12:00:00.000Z`));

    beforeAll(async () => {
      for (const r of runs) await store.create(r);
      await store.create(run('paging-other', 'run-elsewhere', '2024-03-10T00:00:00.000Z'));
    });

    it("returns one company's runs newest first across pages, each exactly once", async () => {
      for (const limit of [1, 2, 4, 9, 50]) {
        const { pages, cursors } = await listAll(company, limit);
        const items = pages.flat();
        expect(items).toHaveLength(runs.length);
        expect(new Set(items.map((r) => r.runId)).size).toBe(runs.length);
        expect(items.map((r) => r.queuedAt)).toEqual(
          [...queuedAts]
            .sort()
            .reverse()
            .map((day) => `${day}T12:00:00.000Z`),
        );
        for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
        expect(cursors.at(-1)).toBeNull();
        for (const cursor of cursors.slice(0, -1)) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      }
    });

    it('gives an empty page with no cursor for a company without runs', async () => {
      await expect(store.list('no-runs-co', { limit: 10, cursor: null })).resolves.toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it('rejects a malformed cursor or limit with validation_failed', async () => {
      const { nextCursor } = await store.list(company, { limit: 2, cursor: null });
      expect(nextCursor).not.toBeNull();
      const bad = [
        'not base64url!',
        '',
        'x'.repeat(10_000),
        `${nextCursor!}=`,
        // Non-canonical: the last character carries bits that encodeCursor never sets.
        'YWJjZB',
        encodeCursor('line\nbreak'),
        // Well-formed base64url, but nothing Cosmos accepts as a continuation token.
        encodeCursor('{}'),
        encodeCursor('[]'),
      ];
      for (const cursor of bad) {
        const error = await rejection(store.list(company, { limit: 2, cursor }));
        expect([cursor, error.code]).toEqual([cursor, 'validation_failed']);
      }
      for (const limit of [0, -1, 1.5, 1001, Number.NaN]) {
        expect((await rejection(store.list(company, { limit, cursor: null }))).code).toBe('validation_failed');
      }
    });

    it('round-trips continuation tokens through the cursor encoding', () => {
      const token = '{"token":"+RID:abc==#RT:1#TRC:3","range":{"min":"","max":"FF"}}';
      expect(decodeCursor(encodeCursor(token))).toBe(token);
    });
  });

  it('raises internal_error for stored runs of the wrong shape, in reads and in lists', async () => {
    const container = env.database.container(SYNC_RUNS_CONTAINER);
    const good = run('corrupt-co', 'run-good', '2024-01-01T00:00:00.000Z');
    await store.create(good);
    await container.items.create({
      ...run('corrupt-co', 'run-bad', '2024-01-02T00:00:00.000Z'),
      id: 'run-bad',
      counts: { scanned: -1 },
    });
    await container.items.create({
      ...run('corrupt-co', 'run-x', '2024-01-03T00:00:00.000Z'),
      id: 'run-mismatched-id',
    });
    expect((await rejection(store.get('corrupt-co', 'run-bad'))).code).toBe('internal_error');
    expect((await rejection(store.get('corrupt-co', 'run-mismatched-id'))).code).toBe('internal_error');
    expect((await rejection(store.list('corrupt-co', { limit: 10, cursor: null }))).code).toBe('internal_error');
    await expect(store.get('corrupt-co', 'run-good')).resolves.toEqual(good);
  });
});
