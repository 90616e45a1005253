import { CosmosClient } from '@azure/cosmos';
import { createCosmosClient } from '../../../src/adapters/cosmos/cosmos-client';
import {
  COSMOS_CONTAINERS,
  CONSENT_NONCES_CONTAINER,
  DIRECTORY_USERS_CONTAINER,
  ensureCosmosSchema,
  INTEGRATIONS_CONTAINER,
  PARTITION_KEY_PATH,
  SYMBOL_USERS_CONTAINER,
  SYNC_RUNS_CONTAINER,
  SYNC_STATE_CONTAINER,
  NOTIFICATION_LOG_CONTAINER,
  SUBSCRIPTIONS_CONTAINER,
  GROUP_MEMBERSHIPS_CONTAINER,
  SYNC_PREVIEWS_CONTAINER,
  ID_PARTITION_KEY_PATH,
  AUDIT_CONTAINER,
  ROUND_SEEN_CONTAINER,
  USER_COUNTS_CONTAINER,
  DIRECTORY_USERS_INDEXING_POLICY,
} from '../../../src/adapters/cosmos/cosmos-schema';
import { CosmosDirectoryUserStore } from '../../../src/adapters/cosmos/cosmos-directory-user-store';
import { directoryUser, oid } from '../../support/store-fixtures';
import { LocalCosmos, startLocalCosmos } from '../../../src/local/cosmos/local-cosmos-server';
import { rejection } from '../../support/app-errors';

let server: LocalCosmos;
let client: CosmosClient;

beforeAll(async () => {
  server = await startLocalCosmos();
  client = createCosmosClient({
    auth: 'key',
    endpoint: server.endpoint,
    key: server.key,
    database: 'unused',
    disableEndpointDiscovery: true,
  });
});
afterAll(async () => {
  client.dispose();
  await server.close();
});

describe('ensureCosmosSchema', () => {
  it('creates every container partitioned by company (subscriptions by their own id), with TTL on where items expire', async () => {
    const database = await ensureCosmosSchema(client, 'test-schema-create');
    const { resources } = await database.containers.readAll().fetchAll();
    const byId = new Map(resources.map((c) => [c.id, c]));
    expect([...byId.keys()].sort()).toEqual(
      [
        INTEGRATIONS_CONTAINER,
        CONSENT_NONCES_CONTAINER,
        SYNC_RUNS_CONTAINER,
        DIRECTORY_USERS_CONTAINER,
        SYMBOL_USERS_CONTAINER,
        SYNC_STATE_CONTAINER,
        NOTIFICATION_LOG_CONTAINER,
        SUBSCRIPTIONS_CONTAINER,
        GROUP_MEMBERSHIPS_CONTAINER,
        SYNC_PREVIEWS_CONTAINER,
        AUDIT_CONTAINER,
        USER_COUNTS_CONTAINER,
        ROUND_SEEN_CONTAINER,
      ].sort(),
    );
    for (const definition of COSMOS_CONTAINERS) {
      expect(byId.get(definition.id)?.partitionKey?.paths).toEqual([
        definition.id === SUBSCRIPTIONS_CONTAINER ? ID_PARTITION_KEY_PATH : PARTITION_KEY_PATH,
      ]);
    }
    expect(byId.get(CONSENT_NONCES_CONTAINER)?.defaultTtl).toBe(-1);
    expect(byId.get(SYNC_RUNS_CONTAINER)?.defaultTtl).toBe(-1);
    expect(byId.get(SYNC_PREVIEWS_CONTAINER)?.defaultTtl).toBe(-1);
    expect(byId.get(ROUND_SEEN_CONTAINER)?.defaultTtl).toBe(-1);
    expect(byId.get(INTEGRATIONS_CONTAINER)?.defaultTtl).toBeUndefined();
    expect(byId.get(AUDIT_CONTAINER)?.defaultTtl).toBe(400 * 24 * 60 * 60);
    expect(byId.get(SYMBOL_USERS_CONTAINER)?.uniqueKeyPolicy).toEqual({ uniqueKeys: [{ paths: ['/emailKey'] }] });
    expect(byId.get(SYMBOL_USERS_CONTAINER)?.indexingPolicy?.compositeIndexes).toEqual([
      [
        { path: '/createdAt', order: 'ascending' },
        { path: '/id', order: 'ascending' },
      ],
      [
        { path: '/status', order: 'ascending' },
        { path: '/createdAt', order: 'ascending' },
        { path: '/id', order: 'ascending' },
      ],
    ]);
    expect(byId.get(DIRECTORY_USERS_CONTAINER)?.indexingPolicy?.compositeIndexes).toEqual([
      [
        { path: '/status', order: 'ascending' },
        { path: '/search/sortKey', order: 'ascending' },
      ],
    ]);
    expect(byId.get(SYNC_RUNS_CONTAINER)?.indexingPolicy?.compositeIndexes).toEqual([
      [
        { path: '/queuedAt', order: 'descending' },
        { path: '/runId', order: 'ascending' },
      ],
    ]);
    expect(byId.get(DIRECTORY_USERS_CONTAINER)?.uniqueKeyPolicy?.uniqueKeys ?? []).toEqual([]);
  });

  it('is harmless to run again, also concurrently: nothing is lost or duplicated', async () => {
    const database = await ensureCosmosSchema(client, 'test-schema-twice');
    await database.container(INTEGRATIONS_CONTAINER).items.create({ id: 'acme', companyId: 'acme' });
    await ensureCosmosSchema(client, 'test-schema-twice');
    await Promise.all([
      ensureCosmosSchema(client, 'test-schema-twice'),
      ensureCosmosSchema(client, 'test-schema-twice'),
    ]);
    const { resources } = await database.containers.readAll().fetchAll();
    expect(resources).toHaveLength(COSMOS_CONTAINERS.length);
    const { resource } = await database
      .container(INTEGRATIONS_CONTAINER)
      .item('acme', 'acme')
      .read<{ id: string; companyId: string }>();
    expect(resource).toMatchObject({ id: 'acme', companyId: 'acme' });
  });

  it('gives a container made by an older version the composite indexes its lists need, keeping its documents', async () => {
    const { database } = await client.databases.createIfNotExists({ id: 'test-schema-indexes' });
    await database.containers.createIfNotExists({
      id: DIRECTORY_USERS_CONTAINER,
      partitionKey: { paths: [PARTITION_KEY_PATH] },
    });
    const store = new CosmosDirectoryUserStore(database);
    await store.write('acme', [{ op: 'put', record: directoryUser('acme', oid(1)), expected: null }]);
    const review = { status: 'pending' as const, search: null, flag: null, limit: 10, cursor: null };
    // The review list's two-property ORDER BY needs the composite index.
    await expect(store.listForReview('acme', review)).rejects.toThrow(/composite index/);

    await ensureCosmosSchema(client, 'test-schema-indexes');
    const { resource } = await database.container(DIRECTORY_USERS_CONTAINER).read();
    expect(resource?.indexingPolicy?.compositeIndexes).toEqual(DIRECTORY_USERS_INDEXING_POLICY.compositeIndexes);
    expect((await store.listForReview('acme', review)).items.map((i) => i.value.id)).toEqual([oid(1)]);
  });

  it('survives instances racing to create the same fresh database', async () => {
    await Promise.all([1, 2, 3].map(() => ensureCosmosSchema(client, 'test-schema-race')));
    const { resources } = await client.database('test-schema-race').containers.readAll().fetchAll();
    expect(resources).toHaveLength(COSMOS_CONTAINERS.length);
  });

  it('refuses a database whose container is partitioned differently', async () => {
    const { database } = await client.databases.createIfNotExists({ id: 'test-schema-mismatch' });
    await database.containers.createIfNotExists({ id: SYNC_RUNS_CONTAINER, partitionKey: { paths: ['/runId'] } });
    const error = await rejection(ensureCosmosSchema(client, 'test-schema-mismatch'));
    expect(error.code).toBe('configuration_invalid');
    expect(error.message).toContain(SYNC_RUNS_CONTAINER);
  });

  it('refuses a graph-subscriptions container partitioned by company (the webhook needs point reads by subscription id)', async () => {
    const { database } = await client.databases.createIfNotExists({ id: 'test-schema-subscriptions' });
    await database.containers.createIfNotExists({
      id: SUBSCRIPTIONS_CONTAINER,
      partitionKey: { paths: [PARTITION_KEY_PATH] },
    });
    const error = await rejection(ensureCosmosSchema(client, 'test-schema-subscriptions'));
    expect(error.code).toBe('configuration_invalid');
    expect(error.message).toContain(`'${SUBSCRIPTIONS_CONTAINER}'`);
    expect(error.message).toContain(`["${ID_PARTITION_KEY_PATH}"]`);
  });

  it('refuses a database whose symbol-users container lacks the unique e-mail key (it cannot be added later)', async () => {
    const { database } = await client.databases.createIfNotExists({ id: 'test-schema-unique-keys' });
    await database.containers.createIfNotExists({
      id: SYMBOL_USERS_CONTAINER,
      partitionKey: { paths: [PARTITION_KEY_PATH] },
    });
    const error = await rejection(ensureCosmosSchema(client, 'test-schema-unique-keys'));
    expect(error.code).toBe('configuration_invalid');
    expect(error.message).toContain(SYMBOL_USERS_CONTAINER);
    expect(error.message).toContain('/emailKey');
  });
});

describe('createCosmosClient', () => {
  it('builds a managed-identity client without contacting anything', () => {
    const miClient = createCosmosClient({
      auth: 'managed-identity',
      endpoint: 'https://example.documents.azure.com',
      database: 'd',
      managedIdentityClientId: '00000000-0000-0000-0000-000000000001',
    });
    expect(miClient).toBeInstanceOf(CosmosClient);
    miClient.dispose();
    const defaultClient = createCosmosClient({
      auth: 'managed-identity',
      endpoint: 'https://example.documents.azure.com',
      database: 'd',
    });
    expect(defaultClient).toBeInstanceOf(CosmosClient);
    defaultClient.dispose();
  });
});
