import { CosmosClient } from '@azure/cosmos';
import { createServer, request, Server } from 'node:http';
import { CosmosDirectoryUserStore, writeVerdict } from '../../../src/adapters/cosmos/cosmos-directory-user-store';
import { DIRECTORY_USERS_CONTAINER } from '../../../src/adapters/cosmos/cosmos-schema';
import { DirectoryUserRecord, EMPTY_ATTRIBUTES } from '../../../src/domain/directory/directory-user';
import { DirectoryUserWrite } from '../../../src/ports/directory-user-store.port';
import { Versioned } from '../../../src/ports/integration-store.port';
import { rejection } from '../../support/errors';
import { TestScheduler } from '../../support/test-time';
import { CosmosTestEnv, OTHER_COMPANY, startCosmosTestEnv } from './cosmos-test-env';

const DATABASE = 'test-directory-user-store';
const NOW = '2024-05-01T10:00:00.000Z';

let env: CosmosTestEnv;
let store: CosmosDirectoryUserStore;

beforeAll(async () => {
  env = await startCosmosTestEnv(DATABASE);
  store = new CosmosDirectoryUserStore(env.database);
});
afterAll(async () => {
  await env.close();
});

function oid(n: number): string {
  return `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
}

function record(companyId: string, id: string, overrides: Partial<DirectoryUserRecord> = {}): DirectoryUserRecord {
  return {
    companyId,
    id,
    connectionId: 'conn-1',
    attributes: { ...EMPTY_ATTRIBUTES, displayName: `User ${id.slice(-4)}`, mail: `u${id.slice(-4)}@acme.example` },
    hash: 'hash-1',
    status: 'pending',
    flags: [],
    symbolUserId: null,
    deactivated: null,
    pendingRemoval: null,
    firstSeenAt: NOW,
    lastChangedAt: NOW,
    seenRound: null,
    decidedAt: null,
    decidedBy: null,
    ...overrides,
  };
}

function creates(records: DirectoryUserRecord[]): DirectoryUserWrite[] {
  return records.map((r) => ({ op: 'put', record: r, expectedEtag: null }));
}

async function pageAll(
  list: (cursor: string | null) => Promise<{ items: Versioned<DirectoryUserRecord>[]; nextCursor: string | null }>,
  onPage: (items: Versioned<DirectoryUserRecord>[]) => Promise<void> = () => Promise.resolve(),
): Promise<{ pages: string[][]; cursors: (string | null)[] }> {
  const pages: string[][] = [];
  const cursors: (string | null)[] = [];
  let cursor: string | null = null;
  do {
    const page = await list(cursor);
    pages.push(page.items.map((i) => i.value.id));
    cursors.push(page.nextCursor);
    await onPage(page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 100);
  return { pages, cursors };
}

describe('CosmosDirectoryUserStore', () => {
  describe('getMany', () => {
    const company = 'getmany-co';
    const stored = [1, 2, 3].map((n) => record(company, oid(n)));

    beforeAll(async () => {
      await store.write(company, creates(stored));
      // The same object id in another company is another user, never returned for this one.
      await env.database.container(DIRECTORY_USERS_CONTAINER).items.create(record(OTHER_COMPANY, oid(4)));
      await env.database.container(DIRECTORY_USERS_CONTAINER).items.create(record(OTHER_COMPANY, oid(1), { hash: 'other-company' }));
    });

    it('returns the stored records of the ids asked for, with their etags; missing, foreign and unstorable ids are absent', async () => {
      const found = await store.getMany(company, [oid(1), oid(3), oid(9), oid(4), oid(1), 'a/b', '']);
      expect([...found.keys()].sort()).toEqual([oid(1), oid(3)]);
      expect(found.get(oid(1))?.value).toEqual(stored[0]);
      const { resource } = await env.database.container(DIRECTORY_USERS_CONTAINER).item(oid(3), company).read<{ _etag: string }>();
      expect(found.get(oid(3))?.etag).toBe(resource?._etag);
      await expect(store.getMany(company, [])).resolves.toEqual(new Map());
      await expect(store.getMany('no-such-co', [oid(1)])).resolves.toEqual(new Map());
    });
  });

  describe('write', () => {
    const company = 'write-co';

    it('applies creates, replaces, deletes and mark_seen, reporting each stale or vanished precondition as a conflict', async () => {
      const company = 'write-point-co';
      const subject = store;
      const container = env.database.container(DIRECTORY_USERS_CONTAINER);
      const seed = [10, 11, 12, 13, 14, 15, 16, 17].map((n) => record(company, oid(n)));
      expect(await subject.write(company, creates(seed))).toEqual(seed.map((r) => ({ id: r.id, ok: true })));
      const before = await subject.getMany(company, seed.map((r) => r.id));
      // Somebody else changes 11 and 15 (their etags go stale), and removes 16 and 17.
      for (const n of [11, 15]) await container.item(oid(n), company).replace({ ...record(company, oid(n)), hash: 'changed-elsewhere' });
      for (const n of [16, 17]) await container.item(oid(n), company).delete();

      const etag = (n: number) => before.get(oid(n))!.etag;
      const writes: DirectoryUserWrite[] = [
        { op: 'put', record: record(company, oid(20), { status: 'approved' }), expectedEtag: null },
        { op: 'put', record: record(company, oid(10), { hash: 'hash-2' }), expectedEtag: etag(10) },
        { op: 'put', record: record(company, oid(11), { hash: 'hash-2' }), expectedEtag: etag(11) },
        { op: 'put', record: record(company, oid(12), { hash: 'recreated' }), expectedEtag: null },
        { op: 'delete', id: oid(13), expectedEtag: etag(13) },
        { op: 'delete', id: oid(15), expectedEtag: etag(15) },
        { op: 'mark_seen', id: oid(14), roundId: 'round-1' },
        { op: 'mark_seen', id: oid(16), roundId: 'round-1' },
        { op: 'put', record: record(company, oid(17), { hash: 'hash-2' }), expectedEtag: etag(17) },
        { op: 'delete', id: oid(21), expectedEtag: '"never-existed"' },
      ];
      const outcomes = await subject.write(company, writes);
      expect(outcomes).toEqual([
        { id: oid(20), ok: true },
        { id: oid(10), ok: true },
        { id: oid(11), ok: false, reason: 'conflict' },
        { id: oid(12), ok: false, reason: 'conflict' },
        { id: oid(13), ok: true },
        { id: oid(15), ok: false, reason: 'conflict' },
        { id: oid(14), ok: true },
        { id: oid(16), ok: false, reason: 'conflict' },
        { id: oid(17), ok: false, reason: 'conflict' },
        { id: oid(21), ok: false, reason: 'conflict' },
      ]);

      const after = await subject.getMany(company, [10, 11, 12, 13, 14, 15, 16, 17, 20, 21].map(oid));
      expect([...after.keys()].sort()).toEqual([10, 11, 12, 14, 15, 20].map(oid));
      expect(after.get(oid(20))?.value).toEqual(record(company, oid(20), { status: 'approved' }));
      expect(after.get(oid(10))?.value.hash).toBe('hash-2');
      expect(after.get(oid(10))?.etag).not.toBe(etag(10));
      expect(after.get(oid(11))?.value.hash).toBe('changed-elsewhere');
      expect(after.get(oid(12))?.value.hash).toBe('hash-1');
      expect(after.get(oid(14))?.value).toEqual({ ...seed[4], seenRound: 'round-1' });
      expect(after.get(oid(15))?.value.hash).toBe('changed-elsewhere');

      // The user marked seen in round-1 is the only one a sweep of round-1 leaves out.
      const { pages } = await pageAll((cursor) => subject.listNotSeenIn(company, 'round-1', { limit: 2, cursor }));
      expect(pages.flat()).toEqual([10, 11, 12, 15, 20].map(oid));
      const otherRound = await subject.listNotSeenIn(company, 'round-2', { limit: 100, cursor: null });
      expect(otherRound.items.map((i) => i.value.id)).toEqual([10, 11, 12, 14, 15, 20].map(oid));
    });

    it('applies 260 operations (more than a Graph page) in one call, then marks them all seen', async () => {
      const chunked = store;
      const bulkCompany = 'many-co';
      const many = Array.from({ length: 260 }, (_, i) => record(bulkCompany, oid(1000 + i)));
      const outcomes = await chunked.write(bulkCompany, creates(many));
      expect(outcomes).toEqual(many.map((r) => ({ id: r.id, ok: true })));
      await expect(store.countSynced(bulkCompany)).resolves.toBe(many.length);

      const found = await store.getMany(bulkCompany, many.map((r) => r.id));
      expect(found.size).toBe(many.length);
      const mixed: DirectoryUserWrite[] = many.map((r, i) =>
        i % 2 === 0 ? { op: 'mark_seen', id: r.id, roundId: 'round-big' } : { op: 'put', record: { ...r, seenRound: 'round-big', hash: 'hash-2' }, expectedEtag: found.get(r.id)!.etag },
      );
      expect((await chunked.write(bulkCompany, mixed)).every((o) => o.ok)).toBe(true);
      await expect(store.listNotSeenIn(bulkCompany, 'round-big', { limit: 10, cursor: null })).resolves.toEqual({ items: [], nextCursor: null });
    });

    it('validates every write before sending any: a bad record, a foreign company, a repeated id or an unstorable id writes nothing', async () => {
      const good = record(company, oid(30));
      const bad = { ...record(company, oid(31)), status: 'sleeping' } as unknown as DirectoryUserRecord;
      const cases: DirectoryUserWrite[][] = [
        [{ op: 'put', record: good, expectedEtag: null }, { op: 'put', record: bad, expectedEtag: null }],
        [{ op: 'put', record: good, expectedEtag: null }, { op: 'put', record: record(OTHER_COMPANY, oid(32)), expectedEtag: null }],
        [{ op: 'put', record: good, expectedEtag: null }, { op: 'mark_seen', id: oid(30), roundId: 'r' }],
        [{ op: 'put', record: good, expectedEtag: null }, { op: 'delete', id: 'a?b', expectedEtag: '"e"' }],
      ];
      for (const writes of cases) expect((await rejection(store.write(company, writes))).code).toBe('internal_error');
      await expect(store.getMany(company, [oid(30), oid(31)])).resolves.toEqual(new Map());
      await expect(store.write(company, [])).resolves.toEqual([]);
    });
  });

  describe('listPendingRemovals', () => {
    const company = 'removals-co';
    const removal = (runId: string) => ({ reason: 'deleted' as const, runId, detectedAt: NOW });
    // Inserted out of id order; 7 from run-a, 3 from run-b, 2 without a pending removal.
    const numbers = [57, 51, 59, 53, 55, 52, 58, 54, 56, 50, 61, 60];
    const runOf = (n: number) => (n < 57 ? 'run-a' : n < 60 ? 'run-b' : null);
    const records = numbers.map((n) => record(company, oid(n), { pendingRemoval: runOf(n) === null ? null : removal(runOf(n)!) }));
    const idsOf = (runId: string | null) => numbers.filter((n) => (runId === null ? runOf(n) !== null : runOf(n) === runId)).sort((a, b) => a - b).map(oid);

    beforeAll(async () => {
      await store.write(company, creates(records));
      await env.database.container(DIRECTORY_USERS_CONTAINER).items.create(record(OTHER_COMPANY, oid(70), { pendingRemoval: removal('run-a') }));
    });

    it('pages through the records of one run in id order, each once', async () => {
      for (const limit of [1, 2, 3, 7, 1000]) {
        const { pages, cursors } = await pageAll((cursor) => store.listPendingRemovals(company, 'run-a', { limit, cursor }));
        expect(pages.flat()).toEqual(idsOf('run-a'));
        for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
        expect(cursors.at(-1)).toBeNull();
      }
      expect((await pageAll((cursor) => store.listPendingRemovals(company, 'run-b', { limit: 2, cursor }))).pages.flat()).toEqual(idsOf('run-b'));
      expect((await pageAll((cursor) => store.listPendingRemovals(company, null, { limit: 4, cursor }))).pages.flat()).toEqual(idsOf(null));
      await expect(store.listPendingRemovals(company, 'run-z', { limit: 5, cursor: null })).resolves.toEqual({ items: [], nextCursor: null });
    });

    it('keeps paging right while the caller applies (replaces or deletes) the records it was given', async () => {
      const container = env.database.container(DIRECTORY_USERS_CONTAINER);
      const { pages } = await pageAll(
        (cursor) => store.listPendingRemovals(company, 'run-a', { limit: 2, cursor }),
        async (items) => {
          for (const [i, item] of items.entries()) {
            if (i === 0) await container.item(item.value.id, company).replace({ ...item.value, status: 'approved', deactivated: { reason: 'deleted', at: NOW } });
            else await container.item(item.value.id, company).delete();
          }
        },
      );
      expect(pages.flat()).toEqual(idsOf('run-a'));
    });

    it('rejects a limit outside 1..1000 and a malformed cursor with validation_failed', async () => {
      for (const limit of [0, 1001, 0.5]) expect((await rejection(store.listPendingRemovals(company, 'run-a', { limit, cursor: null }))).code).toBe('validation_failed');
      expect((await rejection(store.listNotSeenIn(company, 'r', { limit: 2, cursor: '***' }))).code).toBe('validation_failed');
    });
  });

  it('counts synced (all but approved-and-deactivated) and active approved records of one company', async () => {
    const company = 'count-co';
    const deactivated = { reason: 'disabled' as const, at: NOW };
    const specs: Partial<DirectoryUserRecord>[] = [
      { status: 'pending' },
      { status: 'pending' },
      { status: 'denied' },
      { status: 'excluded' },
      { status: 'approved' },
      { status: 'approved' },
      { status: 'approved' },
      { status: 'approved', deactivated },
      { status: 'approved', deactivated },
    ];
    await store.write(company, creates(specs.map((s, i) => record(company, oid(80 + i), s))));
    await env.database.container(DIRECTORY_USERS_CONTAINER).items.create(record(OTHER_COMPANY, oid(99), { status: 'approved' }));
    await expect(store.countSynced(company)).resolves.toBe(7);
    await expect(store.countActiveApproved(company)).resolves.toBe(3);
    await expect(store.countSynced('empty-co')).resolves.toBe(0);
    await expect(store.countActiveApproved('empty-co')).resolves.toBe(0);
  });

  it('raises internal_error for stored records of the wrong shape, in reads and lists, without their content', async () => {
    const container = env.database.container(DIRECTORY_USERS_CONTAINER);
    await container.items.create({ ...record('corrupt-co', oid(1)), status: 'secret-status' });
    await container.items.create({ ...record('corrupt-co', oid(2)), attributes: { ...EMPTY_ATTRIBUTES, secretExtra: 'secret-value' } });
    await container.items.create({ ...record('corrupt-co', 'x'.repeat(70)) });
    for (const id of [oid(1), oid(2), 'x'.repeat(70)]) {
      const error = await rejection(store.getMany('corrupt-co', [id]));
      expect(error.code).toBe('internal_error');
      expect(error.message).toContain(DIRECTORY_USERS_CONTAINER);
      expect(error.message).not.toMatch(/secret/);
    }
    expect((await rejection(store.listNotSeenIn('corrupt-co', 'r', { limit: 10, cursor: null }))).code).toBe('internal_error');
  });

  describe('when Cosmos throttles', () => {
    let proxy: ThrottlingProxy;
    let client: CosmosClient;
    let throttled: CosmosDirectoryUserStore;
    let scheduler: TestScheduler;

    beforeAll(async () => {
      proxy = await startThrottlingProxy(env.server.endpoint);
      // The SDK's own 429 retries are off, so the store's retries are what is tested.
      client = new CosmosClient({
        endpoint: proxy.endpoint,
        key: env.server.key,
        connectionPolicy: { enableEndpointDiscovery: false, retryOptions: { maxRetryAttemptCount: 0, fixedRetryIntervalInMilliseconds: 0, maxWaitTimeInSeconds: 0 } },
      });
      scheduler = new TestScheduler();
      throttled = new CosmosDirectoryUserStore(client.database(DATABASE), { retry: { attempts: 1, baseDelayMs: 200, maxDelayMs: 5000 }, scheduler });
    });
    beforeEach(() => {
      scheduler.waits.length = 0;
    });
    afterAll(async () => {
      client.dispose();
      await proxy.close();
    });

    it('retries throttled operations after a backoff (asked of the scheduler) instead of reporting them as conflicts', async () => {
      const company = 'throttled-point-co';
      const records = [1, 2, 3].map((n) => record(company, oid(n)));
      proxy.throttleNextWrites(3);
      await expect(throttled.write(company, creates(records))).resolves.toEqual(records.map((r) => ({ id: r.id, ok: true })));
      expect(proxy.throttledCount()).toBe(3);
      // One wait for the round of retries: jittered backoff of the first attempt (100–200 ms), at least the 5 ms Cosmos asked for.
      expect(scheduler.waits).toHaveLength(1);
      expect(scheduler.waits[0]).toBeGreaterThanOrEqual(100);
      expect(scheduler.waits[0]).toBeLessThanOrEqual(200);
      expect((await store.getMany(company, records.map((r) => r.id))).size).toBe(3);
    });

    it('gives up after the configured extra attempts with dependency_unavailable', async () => {
      const company = 'gives-up-point-co';
      proxy.throttleNextWrites(100);
      const error = await rejection(throttled.write(company, creates([record(company, oid(1))])));
      const requests = proxy.throttledCount();
      proxy.throttleNextWrites(0);
      expect(error.code).toBe('dependency_unavailable');
      // The first try and one retry (attempts: 1), with one backoff between them.
      expect(requests).toBe(2);
      expect(scheduler.waits).toHaveLength(1);
      await expect(store.getMany(company, [oid(1)])).resolves.toEqual(new Map());
    });
  });
});

describe('writeVerdict', () => {
  it.each([
    ['create', 201, undefined, 'ok'],
    ['replace', 200, undefined, 'ok'],
    ['delete', 204, undefined, 'ok'],
    ['patch', 200, undefined, 'ok'],
    ['create', 409, undefined, 'conflict'],
    ['replace', 412, undefined, 'conflict'],
    ['delete', 412, undefined, 'conflict'],
    ['replace', 404, undefined, 'conflict'],
    ['delete', 404, undefined, 'conflict'],
    ['patch', 404, undefined, 'conflict'],
    ['create', 404, undefined, 'fail'],
    ['replace', 404, 1003, 'fail'],
    ['create', 429, 3200, 'retry'],
    ['replace', 503, undefined, 'retry'],
    ['replace', 408, undefined, 'retry'],
    ['create', 400, undefined, 'fail'],
    ['create', 413, undefined, 'fail'],
    ['delete', 500, undefined, 'fail'],
  ] as const)('%s answered %i (substatus %s) is %s', (kind, status, substatus, verdict) => {
    expect(writeVerdict(kind, status, substatus)).toBe(verdict);
  });
});

interface ThrottlingProxy {
  endpoint: string;
  /** Answer the next `count` document writes with 429, without forwarding them. */
  throttleNextWrites(count: number): void;
  throttledCount(): number;
  close(): Promise<void>;
}

/** A pass-through HTTP proxy in front of the local Cosmos server that can throttle document writes. */
async function startThrottlingProxy(target: string): Promise<ThrottlingProxy> {
  const upstream = new URL(target);
  let toThrottle = 0;
  let throttledCount = 0;
  const server: Server = createServer((req, res) => {
    const isWrite = req.method !== 'GET' && /\/docs(\/|$)/.test(req.url ?? '') && req.headers['x-ms-documentdb-isquery'] === undefined;
    if (isWrite && toThrottle > 0) {
      toThrottle -= 1;
      throttledCount += 1;
      req.resume();
      res.writeHead(429, { 'content-type': 'application/json', 'x-ms-retry-after-ms': '5', 'x-ms-substatus': '3200' });
      res.end(JSON.stringify({ code: 'TooManyRequests', message: 'Request rate is large (test proxy)' }));
      return;
    }
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy is not listening on a TCP port');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    throttleNextWrites: (count) => {
      toThrottle = count;
      throttledCount = 0;
    },
    throttledCount: () => throttledCount,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}
