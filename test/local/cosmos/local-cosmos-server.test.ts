import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Container, CosmosClient } from '@azure/cosmos';
import { CosmosIntegrationStore } from '../../../src/adapters/cosmos/cosmos-integration-store';
import { CosmosSyncRunStore } from '../../../src/adapters/cosmos/cosmos-sync-run-store';
import { COSMOS_CONTAINERS, ensureCosmosSchema, SYNC_RUNS_CONTAINER } from '../../../src/adapters/cosmos/cosmos-schema';
import { newIntegration } from '../../../src/domain/integration';
import { queuedRun } from '../../../src/domain/sync-run';
import { LocalCosmos, LocalCosmosOptions, startLocalCosmos, withRemainingTtl } from '../../../src/local/cosmos/local-cosmos-server';

const DATABASE = 'test-local-cosmos';

let dir: string;
const opened: { server: LocalCosmos; client: CosmosClient }[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'local-cosmos-'));
});
afterEach(async () => {
  for (const { server, client } of opened.splice(0)) {
    client.dispose();
    await server.close();
  }
  await rm(dir, { recursive: true, force: true });
});

function clientFor(endpoint: string, key = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=='): CosmosClient {
  return new CosmosClient({ endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } });
}

async function start(options: LocalCosmosOptions = {}, events: string[] = []): Promise<{ server: LocalCosmos; client: CosmosClient }> {
  const server = await startLocalCosmos({ ...options, log: (event) => events.push(event) });
  const handle = { server, client: clientFor(server.endpoint, server.key) };
  opened.push(handle);
  return handle;
}

async function things(client: CosmosClient, id = 'things'): Promise<Container> {
  const { database } = await client.databases.createIfNotExists({ id: DATABASE });
  const { container } = await database.containers.createIfNotExists({ id, partitionKey: { paths: ['/companyId'] } });
  return container;
}

async function ids(container: Container): Promise<string[]> {
  const { resources } = await container.items.readAll<{ id: string }>().fetchAll();
  return resources.map((d) => d.id).sort();
}

describe('startLocalCosmos', () => {
  it('serves the Cosmos protocol on a loopback HTTP endpoint', async () => {
    const { server, client } = await start();
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { database } = await client.databases.createIfNotExists({ id: DATABASE });
    expect(database.id).toBe(DATABASE);
  });

  it('keeps databases, containers (with their definitions) and documents across a restart', async () => {
    const events: string[] = [];
    const first = await start({ dataDir: dir }, events);
    const database = await ensureCosmosSchema(first.client, DATABASE);
    const integrations = new CosmosIntegrationStore(database);
    const runs = new CosmosSyncRunStore(database);
    const saved = await integrations.save(newIntegration('acme', '2024-05-01T10:00:00.000Z'), null);
    const run = queuedRun({ runId: 'run-1', companyId: 'acme', connectionId: 'conn-1', trigger: 'manual', mode: 'full', nowIso: new Date().toISOString() });
    await runs.create(run);
    const { container: custom } = await database.containers.createIfNotExists({
      id: 'custom',
      partitionKey: { paths: ['/tenant/id'] },
      defaultTtl: 3600,
      indexingPolicy: { compositeIndexes: [[{ path: '/a', order: 'ascending' }, { path: '/b', order: 'descending' }]] },
    });
    const { resource: created } = await custom.items.create({ id: 'doc-1', tenant: { id: 't1' }, a: 1, b: 2 });
    await first.server.close();
    await first.server.close(); // idempotent
    expect(events).toEqual(expect.arrayContaining(['cosmos.started', 'cosmos.stopped']));

    const second = await start({ dataDir: dir }, events);
    expect(events).toContain('cosmos.loaded');
    const restored = second.client.database(DATABASE);
    expect((await new CosmosIntegrationStore(restored).get('acme'))?.value).toEqual(saved.value);
    await expect(new CosmosSyncRunStore(restored).get('acme', 'run-1')).resolves.toEqual(run);
    const { resources: containers } = await restored.containers.readAll().fetchAll();
    expect(containers.map((c) => c.id).sort()).toEqual([...COSMOS_CONTAINERS.map((c) => c.id), 'custom'].sort());
    const customDefinition = containers.find((c) => c.id === 'custom');
    expect(customDefinition?.partitionKey?.paths).toEqual(['/tenant/id']);
    expect(customDefinition?.defaultTtl).toBe(3600);
    // System properties survive as they were: etags stay valid for conditional writes.
    const { resource } = await restored.container('custom').item('doc-1', 't1').read<{ a: number; _etag: string; _ts: number }>();
    expect(resource?._etag).toBe(created?._etag);
    await restored.container('custom').item('doc-1', 't1').replace({ id: 'doc-1', tenant: { id: 't1' }, a: 5, b: 2 }, { accessCondition: { type: 'IfMatch', condition: created?._etag ?? '' } });
    // The composite index still serves a two-property ORDER BY.
    const { resources } = await restored.container('custom').items.query('SELECT * FROM c ORDER BY c.a ASC, c.b DESC').fetchAll();
    expect(resources).toHaveLength(1);
    // New documents get fresh resource ids after a restart.
    const { resource: another } = await restored.container('custom').items.create({ id: 'doc-2', tenant: { id: 't1' }, a: 2, b: 1 });
    expect(another?._rid).not.toBe(resource === undefined ? undefined : (resource as { _rid?: string })._rid);
    const { resource: runDocument } = await restored.container(SYNC_RUNS_CONTAINER).item('run-1', 'acme').read<{ ttl: number }>();
    expect(runDocument?.ttl).toBe(7_776_000);
  });

  it('keeps every acknowledged write when its process is killed with SIGKILL', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, 'support/cosmos-server.child.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolveExit) => {
      child.once('exit', () => {
        resolveExit();
      });
    });
    try {
      const lines = createInterface({ input: child.stdout });
      const first = await new Promise<string>((resolveLine, reject) => {
        lines.once('line', resolveLine);
        child.once('exit', (code) => {
          reject(new Error(`child exited with ${String(code)}`));
        });
      });
      const { endpoint } = JSON.parse(first) as { endpoint: string };
      const client = clientFor(endpoint);
      const container = await things(client);
      const acknowledged = new Map<string, number>();
      // Creates, replaces and deletes in flight together, as a sync does.
      for (let batch = 0; batch < 10; batch += 1) {
        await Promise.all(
          Array.from({ length: 30 }, async (_, i) => {
            const id = `d-${batch}-${i}`;
            await container.items.create({ id, companyId: `co-${i % 3}`, n: 1 });
            acknowledged.set(id, 1);
          }),
        );
        await Promise.all(
          Array.from({ length: 10 }, async (_, i) => {
            const id = `d-${batch}-${i}`;
            await container.item(id, `co-${i % 3}`).replace({ id, companyId: `co-${i % 3}`, n: 2 });
            acknowledged.set(id, 2);
          }),
        );
        await container.item(`d-${batch}-29`, 'co-2').delete();
        acknowledged.delete(`d-${batch}-29`);
      }
      client.dispose();
      child.kill('SIGKILL');
      await exited;

      const { client: again } = await start({ dataDir: dir });
      const { resources } = await again.database(DATABASE).container('things').items.readAll<{ id: string; n: number }>().fetchAll();
      expect(new Map(resources.map((d) => [d.id, d.n]))).toEqual(acknowledged);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('compacts in the background into a snapshot without losing writes made meanwhile', async () => {
    const events: string[] = [];
    const { server, client } = await start({ dataDir: dir, compactBytes: 20_000 }, events);
    const container = await things(client);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 400; i += 1) {
      writes.push(container.items.create({ id: `d-${i}`, companyId: `co-${i % 4}`, text: 'x'.repeat(100) }));
      // A compaction runs while these are still arriving.
      if (i === 200) writes.push(server.compact());
    }
    await Promise.all(writes);
    await server.compact();
    const stats = server.stats().journal;
    expect(stats?.compactions).toBeGreaterThanOrEqual(2);
    // Nothing changed since: no snapshot is written.
    await server.compact();
    expect(server.stats().journal?.compactions).toBe(stats?.compactions);
    const files = await readdir(dir);
    expect(files).toContain('snapshot.jsonl');
    expect(files.filter((f) => f.startsWith('journal-'))).toHaveLength(1);
    await container.item('d-7', 'co-3').delete();
    await server.close();

    const { client: again } = await start({ dataDir: dir });
    const restored = await ids(again.database(DATABASE).container('things'));
    expect(restored).toHaveLength(399);
    expect(restored).not.toContain('d-7');
    expect(events).toContain('cosmos.compacted');
  });

  it('drops a torn last line (a write that was never acknowledged) and refuses damage elsewhere', async () => {
    const first = await start({ dataDir: dir });
    const container = await things(first.client);
    await container.items.create({ id: 'kept', companyId: 'acme' });
    await first.server.close();
    const [segment] = (await readdir(dir)).filter((f) => f.startsWith('journal-'));
    const file = join(dir, segment ?? '');
    const intact = await readFile(file, 'utf8');
    await appendFile(file, '{"kind":"document","database":"test-local-cos');
    const events: string[] = [];
    const second = await start({ dataDir: dir }, events);
    expect(await ids(await things(second.client))).toEqual(['kept']);
    expect(events).toContain('cosmos.journal.torn_tail');
    await second.server.close();

    await writeFile(file, `not json\n${intact}`);
    await expect(startLocalCosmos({ dataDir: dir })).rejects.toThrow(/damaged/);
  });

  it('imports the previous version’s cosmos.json once, dropping documents whose TTL ran out', async () => {
    const legacy = join(dir, 'cosmos.json');
    const now = Math.floor(Date.now() / 1000);
    const snapshot = {
      format: 'local-cosmos-snapshot',
      version: 1,
      savedAt: new Date().toISOString(),
      databases: [
        {
          id: DATABASE,
          containers: [
            {
              id: 'nonces',
              partitionKey: { paths: ['/companyId'] },
              defaultTtl: -1,
              documents: [
                { id: 'expired', companyId: 'acme', ttl: 60, _ts: now - 3600 },
                { id: 'alive', companyId: 'acme', ttl: 3600, _ts: now - 60 },
                { id: 'forever', companyId: 'acme', _ts: now - 999_999 },
              ],
            },
          ],
        },
      ],
    };
    await writeFile(legacy, JSON.stringify(snapshot));
    const events: string[] = [];
    const { server, client } = await start({ dataDir: join(dir, 'cosmos'), legacySnapshotFile: legacy }, events);
    const { resources } = await client.database(DATABASE).container('nonces').items.readAll<{ id: string; ttl?: number }>().fetchAll();
    const byId = new Map(resources.map((d) => [d.id, d]));
    expect([...byId.keys()].sort()).toEqual(['alive', 'forever']);
    expect(byId.get('alive')?.ttl).toBeGreaterThan(3400);
    expect(byId.get('alive')?.ttl).toBeLessThanOrEqual(3540);
    expect(byId.get('forever')?.ttl).toBeUndefined();
    expect(events).toContain('cosmos.legacy_snapshot_migrated');
    expect(await readdir(dir)).toEqual(expect.arrayContaining(['cosmos.json.migrated']));
    await server.close();
    const again = await start({ dataDir: join(dir, 'cosmos'), legacySnapshotFile: legacy });
    expect(await ids(again.client.database(DATABASE).container('nonces'))).toEqual(['alive', 'forever']);
  });

  it('refuses a damaged previous-version snapshot instead of starting empty', async () => {
    const legacy = join(dir, 'cosmos.json');
    await writeFile(legacy, '{"format":');
    await expect(startLocalCosmos({ dataDir: join(dir, 'cosmos'), legacySnapshotFile: legacy })).rejects.toThrow(/not valid JSON/);
    await writeFile(legacy, JSON.stringify({ format: 'something-else' }));
    await expect(startLocalCosmos({ dataDir: join(dir, 'cosmos2'), legacySnapshotFile: legacy })).rejects.toThrow(/unexpected shape/);
    expect(await readFile(legacy, 'utf8')).toBe(JSON.stringify({ format: 'something-else' }));
  });

  it('drops documents whose TTL ran out while the server was down', async () => {
    const first = await start({ dataDir: dir });
    const { database } = await first.client.databases.createIfNotExists({ id: DATABASE });
    const { container } = await database.containers.createIfNotExists({ id: 'nonces', partitionKey: { paths: ['/companyId'] }, defaultTtl: -1 });
    await container.items.create({ id: 'short', companyId: 'acme', ttl: 1 });
    await container.items.create({ id: 'long', companyId: 'acme', ttl: 3600 });
    await first.server.close();
    // Age the journal by two seconds instead of waiting for them.
    const [segment] = (await readdir(dir)).filter((f) => f.startsWith('journal-'));
    const file = join(dir, segment ?? '');
    const aged = (await readFile(file, 'utf8')).replace(/"_ts":(\d+)/g, (_, ts: string) => `"_ts":${Number(ts) - 2}`);
    await writeFile(file, aged);
    const second = await start({ dataDir: dir });
    expect(await ids(second.client.database(DATABASE).container('nonces'))).toEqual(['long']);
  });

  it('without a data directory starts empty and keeps nothing', async () => {
    const { server, client } = await start();
    await server.compact();
    const { resources } = await client.databases.readAll().fetchAll();
    expect(resources).toEqual([]);
    expect(server.stats().journal).toBeNull();
  });

  it('reports a port that is already taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolveListen) => blocker.listen(0, '127.0.0.1', resolveListen));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await expect(startLocalCosmos({ port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise<void>((resolveClose) => {
        blocker.close(() => {
          resolveClose();
        });
      });
    }
  });
});

describe('local Cosmos queries', () => {
  it('refuses query-plan requests with 400 and runs each query once', async () => {
    const { server, client } = await start();
    const container = await things(client);
    await container.items.create({ id: 'a', companyId: 'acme' });
    const response = await fetch(`${server.endpoint}/dbs/${DATABASE}/colls/things/docs`, {
      method: 'POST',
      headers: { 'x-ms-documentdb-isquery': 'True', 'x-ms-cosmos-is-query-plan-request': 'True', 'content-type': 'application/query+json' },
      body: JSON.stringify({ query: 'SELECT * FROM c' }),
    });
    expect(response.status).toBe(400);
    const before = server.stats().queries.executions;
    const { resources } = await container.items.query('SELECT * FROM c WHERE c.companyId = "acme"').fetchAll();
    expect(resources.map((d: { id: string }) => d.id)).toEqual(['a']);
    expect(server.stats().queries.executions - before).toBe(1);
  });

  it('pages a partition from one execution, and resumes correctly after a write between pages', async () => {
    const { server, client } = await start();
    const container = await things(client);
    for (let i = 0; i < 300; i += 30) {
      await Promise.all(Array.from({ length: 30 }, (_, j) => container.items.create({ id: `u-${String(i + j).padStart(3, '0')}`, companyId: (i + j) % 2 === 0 ? 'acme' : 'globex', name: `n-${String((i + j) * 7 % 300).padStart(3, '0')}` })));
    }
    const before = server.stats().queries;
    const iterator = container.items.query<{ id: string; name: string }>('SELECT c.id, c.name FROM c ORDER BY c.name', { partitionKey: 'acme', maxItemCount: 20 });
    const seen: string[] = [];
    let pages = 0;
    while (iterator.hasMoreResults()) {
      const { resources } = await iterator.fetchNext();
      seen.push(...resources.map((d) => d.name));
      pages += 1;
      if (pages === 3) {
        // A write in another partition keeps this listing's cache; one in this partition renews it.
        await container.items.create({ id: 'other', companyId: 'globex', name: 'a' });
        await container.items.upsert({ id: 'u-298', companyId: 'acme', name: 'zzz' });
      }
    }
    const after = server.stats().queries;
    expect(pages).toBeGreaterThanOrEqual(8);
    // One execution, plus one after the write to this partition; every other page from the cache.
    expect(after.executions - before.executions).toBe(2);
    expect(after.cacheHits - before.cacheHits).toBeGreaterThanOrEqual(pages - 2);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(150);
    expect(seen.at(-1)).toBe('zzz');
    const { resources: everyone } = await container.items.query('SELECT VALUE COUNT(1) FROM c').fetchAll();
    expect(everyone).toEqual([301]);
    expect(server.stats().documentWrites[`${DATABASE}/things`]).toBe(302);
  });

  it('drops cached results a write made stale (they would keep the replaced documents alive)', async () => {
    const { server, client } = await start();
    const container = await things(client);
    for (const companyId of ['acme', 'globex'])
      await Promise.all(Array.from({ length: 40 }, (_, i) => container.items.create({ id: `${companyId}-${i}`, companyId })));
    const list = (companyId: string) => container.items.query('SELECT * FROM c ORDER BY c.id', { partitionKey: companyId, maxItemCount: 10 }).fetchNext();
    await list('acme');
    expect(server.stats().queries.cachedRows).toBe(40);
    await container.items.upsert({ id: 'acme-1', companyId: 'acme', changed: true });
    await list('globex');
    // acme's listing went stale with the write: only globex's is kept.
    expect(server.stats().queries.cachedRows).toBe(40);
    await list('globex');
    expect(server.stats().queries.cachedRows).toBe(40);
    await list('acme');
    expect(server.stats().queries.cachedRows).toBe(80);
  });

  it('keeps a container’s documents when its definition is replaced', async () => {
    const { client } = await start({ dataDir: dir });
    const container = await things(client);
    await container.items.create({ id: 'a', companyId: 'acme', x: 1, y: 2 });
    const { resource } = await container.read();
    await container.replace({ ...resource!, indexingPolicy: { compositeIndexes: [[{ path: '/x', order: 'ascending' }, { path: '/y', order: 'ascending' }]] } });
    const { resources } = await container.items.query('SELECT * FROM c ORDER BY c.x, c.y').fetchAll();
    expect(resources.map((d: { id: string }) => d.id)).toEqual(['a']);
  });
});

describe('withRemainingTtl', () => {
  const now = 1_700_000_000;
  const doc = { id: 'd', _ts: now - 100, _rid: 'r', _self: 's', _etag: 'e', _attachments: 'a' };

  it('follows the Cosmos TTL rules', () => {
    expect(withRemainingTtl({ ...doc, ttl: 50 }, undefined, now)).toEqual({ id: 'd', ttl: 50 });
    expect(withRemainingTtl({ ...doc, ttl: 50 }, -1, now)).toBeNull();
    expect(withRemainingTtl({ ...doc, ttl: 150 }, -1, now)).toEqual({ id: 'd', ttl: 50 });
    expect(withRemainingTtl({ ...doc, ttl: -1 }, 10, now)).toEqual({ id: 'd', ttl: -1 });
    expect(withRemainingTtl(doc, -1, now)).toEqual({ id: 'd' });
    expect(withRemainingTtl(doc, 10, now)).toBeNull();
    expect(withRemainingTtl(doc, 1000, now)).toEqual({ id: 'd', ttl: 900 });
  });
});


