import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CosmosClient } from '@azure/cosmos';
import { CosmosIntegrationStore } from '../../../src/adapters/cosmos/cosmos-integration-store';
import { CosmosSyncRunStore } from '../../../src/adapters/cosmos/cosmos-sync-run-store';
import { COSMOS_CONTAINERS, ensureCosmosSchema, SYNC_RUNS_CONTAINER } from '../../../src/adapters/cosmos/cosmos-schema';
import { newIntegration } from '../../../src/domain/integration';
import { queuedRun } from '../../../src/domain/sync-run';
import { LocalCosmos, startLocalCosmos, withRemainingTtl } from '../../../src/local/cosmos/local-cosmos-server';

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

async function start(snapshotFile?: string, events: string[] = []): Promise<{ server: LocalCosmos; client: CosmosClient }> {
  const server = await startLocalCosmos({ ...(snapshotFile === undefined ? {} : { snapshotFile }), log: (event) => events.push(event) });
  const client = new CosmosClient({ endpoint: server.endpoint, key: server.key, connectionPolicy: { enableEndpointDiscovery: false } });
  const handle = { server, client };
  opened.push(handle);
  return handle;
}

describe('startLocalCosmos', () => {
  it('serves the Cosmos protocol on a loopback HTTP endpoint', async () => {
    const { server, client } = await start();
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { database } = await client.databases.createIfNotExists({ id: DATABASE });
    expect(database.id).toBe(DATABASE);
  });

  it('keeps databases, containers and documents across a restart through the snapshot file', async () => {
    const file = join(dir, 'nested', 'cosmos.json');
    const events: string[] = [];
    const first = await start(file, events);
    const database = await ensureCosmosSchema(first.client, DATABASE);
    const integrations = new CosmosIntegrationStore(database);
    const runs = new CosmosSyncRunStore(database);
    const saved = await integrations.save(newIntegration('acme', '2024-05-01T10:00:00.000Z'), null);
    const run = queuedRun({ runId: 'run-1', companyId: 'acme', connectionId: 'conn-1', trigger: 'manual', mode: 'full', nowIso: new Date().toISOString() });
    await runs.create(run);
    // A container with its own indexing policy, to see that definitions survive too.
    const { container: custom } = await database.containers.createIfNotExists({
      id: 'custom',
      partitionKey: { paths: ['/tenant/id'] },
      defaultTtl: 3600,
      indexingPolicy: { compositeIndexes: [[{ path: '/a', order: 'ascending' }, { path: '/b', order: 'descending' }]] },
    });
    await custom.items.create({ id: 'doc-1', tenant: { id: 't1' }, a: 1, b: 2 });

    await first.server.close();
    await first.server.close(); // idempotent
    await first.server.saveSnapshot(); // a late periodic save is harmless
    expect(events).toEqual(expect.arrayContaining(['cosmos.started', 'cosmos.snapshot.saved', 'cosmos.stopped']));
    expect((await readdir(join(dir, 'nested'))).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    const second = await start(file, events);
    expect(events).toContain('cosmos.snapshot.restored');
    const restored = second.client.database(DATABASE);
    const again = await new CosmosIntegrationStore(restored).get('acme');
    expect(again?.value).toEqual(saved.value);
    await expect(new CosmosSyncRunStore(restored).get('acme', 'run-1')).resolves.toEqual(run);
    const { resources: containers } = await restored.containers.readAll().fetchAll();
    expect(containers.map((c) => c.id).sort()).toEqual([...COSMOS_CONTAINERS.map((c) => c.id), 'custom'].sort());
    const customDefinition = containers.find((c) => c.id === 'custom');
    expect(customDefinition?.partitionKey?.paths).toEqual(['/tenant/id']);
    expect(customDefinition?.defaultTtl).toBe(3600);
    expect(customDefinition?.indexingPolicy?.compositeIndexes).toEqual([
      [
        { path: '/a', order: 'ascending' },
        { path: '/b', order: 'descending' },
      ],
    ]);
    const { resource } = await restored.container('custom').item('doc-1', 't1').read<{ a: number; ttl?: number }>();
    expect(resource?.a).toBe(1);
    // The composite index still serves a two-property ORDER BY.
    const { resources } = await restored.container('custom').items.query('SELECT * FROM c ORDER BY c.a ASC, c.b DESC').fetchAll();
    expect(resources).toHaveLength(1);
    // Sync runs keep their (remaining) lifetime.
    const { resource: runDocument } = await restored.container(SYNC_RUNS_CONTAINER).item('run-1', 'acme').read<{ ttl: number }>();
    expect(runDocument?.ttl).toBeGreaterThan(7_776_000 - 60);
    expect(runDocument?.ttl).toBeLessThanOrEqual(7_776_000);
  });

  it('restores large containers (the bulk path) and small ones alike', async () => {
    const file = join(dir, 'cosmos.json');
    const first = await start(file);
    const { database } = await first.client.databases.createIfNotExists({ id: DATABASE });
    const { container: large } = await database.containers.createIfNotExists({ id: 'large', partitionKey: { paths: ['/companyId'] } });
    const { container: nested } = await database.containers.createIfNotExists({ id: 'nested', partitionKey: { paths: ['/owner/companyId'] } });
    const documents = Array.from({ length: 600 }, (_, i) => ({ id: `user-${i}`, companyId: `co-${i % 5}`, status: i % 3 === 0 ? 'pending' : 'approved' }));
    for (let i = 0; i < documents.length; i += 50) await Promise.all(documents.slice(i, i + 50).map((d) => large.items.create(d)));
    const nestedDocuments = Array.from({ length: 520 }, (_, i) => ({ id: `n-${i}`, owner: { companyId: `co-${i % 2}` } }));
    for (let i = 0; i < nestedDocuments.length; i += 50) await Promise.all(nestedDocuments.slice(i, i + 50).map((d) => nested.items.create(d)));
    await first.server.close();

    const second = await start(file);
    const restored = second.client.database(DATABASE);
    const { resources } = await restored.container('large').items.readAll<{ id: string; companyId: string; status: string }>().fetchAll();
    expect(resources.map(({ id, companyId, status }) => ({ id, companyId, status })).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [...documents].sort((a, b) => a.id.localeCompare(b.id)),
    );
    const { resources: count } = await restored
      .container('large')
      .items.query<number>({ query: 'SELECT VALUE COUNT(1) FROM c WHERE c.companyId = @c AND c.status = @s', parameters: [{ name: '@c', value: 'co-0' }, { name: '@s', value: 'pending' }] }, { partitionKey: 'co-0' })
      .fetchAll();
    expect(count).toEqual([documents.filter((d) => d.companyId === 'co-0' && d.status === 'pending').length]);
    const { resource } = await restored.container('nested').item('n-7', 'co-1').read<{ owner: { companyId: string } }>();
    expect(resource?.owner.companyId).toBe('co-1');
  });

  it('saves on request, keeping the newest state', async () => {
    const file = join(dir, 'cosmos.json');
    const { server, client } = await start(file);
    const { database } = await client.databases.createIfNotExists({ id: DATABASE });
    const { container } = await database.containers.createIfNotExists({ id: 'things', partitionKey: { paths: ['/companyId'] } });
    await container.items.create({ id: 'one', companyId: 'acme' });
    await Promise.all([server.saveSnapshot(), server.saveSnapshot()]);
    await container.items.create({ id: 'two', companyId: 'acme' });
    await server.saveSnapshot();
    const snapshot = JSON.parse(await readFile(file, 'utf8')) as { databases: { containers: { documents: { id: string }[] }[] }[] };
    expect(snapshot.databases[0]?.containers[0]?.documents.map((d) => d.id).sort()).toEqual(['one', 'two']);
  });

  it('drops documents whose TTL ran out while the server was down', async () => {
    const file = join(dir, 'cosmos.json');
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
    await writeFile(file, JSON.stringify(snapshot));
    const { client } = await start(file);
    const { resources } = await client.database(DATABASE).container('nonces').items.readAll<{ id: string; ttl?: number }>().fetchAll();
    const byId = new Map(resources.map((d) => [d.id, d]));
    expect([...byId.keys()].sort()).toEqual(['alive', 'forever']);
    expect(byId.get('alive')?.ttl).toBeGreaterThan(3400);
    expect(byId.get('alive')?.ttl).toBeLessThanOrEqual(3540);
    expect(byId.get('forever')?.ttl).toBeUndefined();
  });

  it('refuses to start over an unreadable snapshot instead of starting empty', async () => {
    const file = join(dir, 'cosmos.json');
    await writeFile(file, '{"format":');
    await expect(startLocalCosmos({ snapshotFile: file })).rejects.toThrow(/not valid JSON/);
    await writeFile(file, JSON.stringify({ format: 'something-else' }));
    await expect(startLocalCosmos({ snapshotFile: file })).rejects.toThrow(/unexpected shape/);
    expect(await readFile(file, 'utf8')).toBe(JSON.stringify({ format: 'something-else' }));
  });

  it('without a snapshot file starts empty and saving is a no-op', async () => {
    const { server, client } = await start();
    await server.saveSnapshot();
    const { resources } = await client.databases.readAll().fetchAll();
    expect(resources).toEqual([]);
  });

  it('reports a port that is already taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      await expect(startLocalCosmos({ port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await new Promise<void>((resolve) => {
        blocker.close(() => {
          resolve();
        });
      });
    }
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
