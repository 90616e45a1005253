import { CosmosClient } from '@azure/cosmos';
import { createServer, request, Server } from 'node:http';
import { CosmosDirectoryUserStore, writeVerdict } from '../../../src/adapters/cosmos/cosmos-directory-user-store';
import { DIRECTORY_USERS_CONTAINER } from '../../../src/adapters/cosmos/cosmos-schema';
import { DirectoryUserRecord, EMPTY_ATTRIBUTES } from '../../../src/domain/directory/directory-user';
import { DirectoryUserWrite } from '../../../src/ports/directory-user-store.port';
import { rejection } from '../../support/app-errors';
import { TestScheduler } from '../../support/test-time';
import { directoryUser, oid } from '../../support/store-fixtures';
import { CosmosTestEnv, startCosmosTestEnv } from './cosmos-test-env';

const DATABASE = 'test-directory-user-store';

let env: CosmosTestEnv;
let store: CosmosDirectoryUserStore;

beforeAll(async () => {
  env = await startCosmosTestEnv(DATABASE);
  store = new CosmosDirectoryUserStore(env.database);
});
afterAll(async () => {
  await env.close();
});

const record = directoryUser;

function creates(records: DirectoryUserRecord[]): DirectoryUserWrite[] {
  return records.map((r) => ({ op: 'put', record: r, expected: null }));
}

/**
 * What only Cosmos shows (large writes, throttling, stored shapes, how a status maps to an
 * outcome); the store's behaviour is the DirectoryUserStore contract (test/contracts).
 */
describe('CosmosDirectoryUserStore', () => {
  it('applies 260 operations (more than a Graph page) in one call, then replaces half and deletes the rest', async () => {
    const bulkCompany = 'many-co';
    const many = Array.from({ length: 260 }, (_, i) => record(bulkCompany, oid(1000 + i)));
    const outcomes = await store.write(bulkCompany, creates(many));
    expect(outcomes).toEqual(many.map((r) => ({ id: r.id, ok: true })));
    expect(
      (
        await store.getMany(
          bulkCompany,
          many.map((r) => r.id),
        )
      ).size,
    ).toBe(many.length);

    const found = await store.getMany(
      bulkCompany,
      many.map((r) => r.id),
    );
    expect(found.size).toBe(many.length);
    const mixed: DirectoryUserWrite[] = many.map((r, i) =>
      i % 2 === 0
        ? { op: 'delete', expected: found.get(r.id)! }
        : { op: 'put', record: { ...r, hash: 'hash-2' }, expected: found.get(r.id)! },
    );
    expect((await store.write(bulkCompany, mixed)).every((o) => o.ok)).toBe(true);
    const ids = await store.listIds(bulkCompany, { after: null, limit: 1000, cursor: null });
    expect(ids).toEqual({ items: many.filter((_, i) => i % 2 === 1).map((r) => r.id), nextCursor: null });
  });

  it('raises internal_error for stored records of the wrong shape, in reads and lists, without their content', async () => {
    const container = env.database.container(DIRECTORY_USERS_CONTAINER);
    await container.items.create({ ...record('corrupt-co', oid(1)), status: 'secret-status' });
    await container.items.create({
      ...record('corrupt-co', oid(2)),
      attributes: { ...EMPTY_ATTRIBUTES, secretExtra: 'secret-value' },
    });
    await container.items.create({ ...record('corrupt-co', 'x'.repeat(70)) });
    for (const id of [oid(1), oid(2), 'x'.repeat(70)]) {
      const error = await rejection(store.getMany('corrupt-co', [id]));
      expect(error.code).toBe('internal_error');
      expect(error.message).toContain(DIRECTORY_USERS_CONTAINER);
      expect(error.message).not.toMatch(/secret/);
    }
    const review = { status: 'pending' as const, search: null, flag: null, limit: 10, cursor: null };
    expect((await rejection(store.listForReview('corrupt-co', review))).code).toBe('internal_error');
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
        connectionPolicy: {
          enableEndpointDiscovery: false,
          retryOptions: { maxRetryAttemptCount: 0, fixedRetryIntervalInMilliseconds: 0, maxWaitTimeInSeconds: 0 },
        },
      });
      scheduler = new TestScheduler();
      throttled = new CosmosDirectoryUserStore(client.database(DATABASE), {
        retry: { attempts: 1, baseDelayMs: 200, maxDelayMs: 5000 },
        scheduler,
      });
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
      await expect(throttled.write(company, creates(records))).resolves.toEqual(
        records.map((r) => ({ id: r.id, ok: true })),
      );
      expect(proxy.throttledCount()).toBe(3);
      // One wait for the round of retries: jittered backoff of the first attempt (100–200 ms), at least the 5 ms Cosmos asked for.
      expect(scheduler.waits).toHaveLength(1);
      expect(scheduler.waits[0]).toBeGreaterThanOrEqual(100);
      expect(scheduler.waits[0]).toBeLessThanOrEqual(200);
      expect(
        (
          await store.getMany(
            company,
            records.map((r) => r.id),
          )
        ).size,
      ).toBe(3);
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
    ['create', 409, undefined, 'conflict'],
    ['replace', 412, undefined, 'conflict'],
    ['delete', 412, undefined, 'conflict'],
    ['replace', 404, undefined, 'conflict'],
    ['delete', 404, undefined, 'conflict'],
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
    const isWrite =
      req.method !== 'GET' &&
      /\/docs(\/|$)/.test(req.url ?? '') &&
      req.headers['x-ms-documentdb-isquery'] === undefined;
    if (isWrite && toThrottle > 0) {
      toThrottle -= 1;
      throttledCount += 1;
      req.resume();
      res.writeHead(429, { 'content-type': 'application/json', 'x-ms-retry-after-ms': '5', 'x-ms-substatus': '3200' });
      res.end(JSON.stringify({ code: 'TooManyRequests', message: 'Request rate is large (test proxy)' }));
      return;
    }
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
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
