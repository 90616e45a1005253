import {
  ContainerDefinition,
  CosmosClient,
  Database,
  IndexingPolicy,
  PartitionKeyDefinitionVersion,
  UniqueKeyPolicy,
} from '@azure/cosmos';
import { AppError } from '../../domain/app-error';
import { AUDIT_RETENTION_DAYS } from '../../domain/audit';
import { cosmosStatus } from './cosmos-documents';

/**
 * Every container the application uses, in one place. All but one are partitioned by company, so
 * every query an admin or a sync makes stays inside one logical partition. `graph-subscriptions`
 * is partitioned by its own id (the Graph subscription id): a webhook knows only that id, and
 * maps it to the company with a point read.
 */

export const INTEGRATIONS_CONTAINER = 'integrations';
export const CONSENT_NONCES_CONTAINER = 'consent-nonces';
export const SYNC_RUNS_CONTAINER = 'sync-runs';
export const DIRECTORY_USERS_CONTAINER = 'directory-users';
export const SYMBOL_USERS_CONTAINER = 'symbol-users';
export const SYNC_STATE_CONTAINER = 'sync-state';
export const NOTIFICATION_LOG_CONTAINER = 'notification-log';
export const SUBSCRIPTIONS_CONTAINER = 'graph-subscriptions';
/** Direct memberships of users in the groups a company's scope tracks (id = user object id). */
export const GROUP_MEMBERSHIPS_CONTAINER = 'group-memberships';
/** What dry-run previews found, in chunks per run, category and page (id = run.category.index). */
export const SYNC_PREVIEWS_CONTAINER = 'sync-previews';
/** A preview's lists are kept a week: long enough to read, not history. */
export const SYNC_PREVIEW_TTL_SECONDS = 7 * 24 * 60 * 60;
export const AUDIT_CONTAINER = 'audit';
/** How long a sent notification is remembered (longer than any redelivery of its message). */
export const NOTIFICATION_LOG_TTL_SECONDS = 14 * 24 * 60 * 60;

export const PARTITION_KEY_PATH = '/companyId';
/** Containers looked up by their own id only (see SUBSCRIPTIONS_CONTAINER). */
export const ID_PARTITION_KEY_PATH = '/id';

/** Sync runs are history for the admin UI; they expire by themselves after 90 days. */
export const SYNC_RUN_TTL_SECONDS = 90 * 24 * 60 * 60;
/** The audit trail keeps every entry this long after it was written (the container's default TTL). */
export const AUDIT_TTL_SECONDS = AUDIT_RETENTION_DAYS * 24 * 60 * 60;
/** A consent nonce outlives its `expiresAt` by this much before Cosmos removes it (the port's rule). */
export { CONSENT_NONCE_GRACE_SECONDS } from '../../ports/consent-nonce-store.port';

/**
 * `-1` switches TTL on for the container without expiring anything by default: only items that
 * carry their own `ttl` expire. Without a container default TTL, per-item `ttl` is ignored.
 */
const TTL_PER_ITEM = -1;

export interface CosmosContainerDefinition extends ContainerDefinition {
  id: string;
  partitionKey: { paths: [string]; version: PartitionKeyDefinitionVersion };
  defaultTtl?: number;
  indexingPolicy?: IndexingPolicy;
  uniqueKeyPolicy?: UniqueKeyPolicy;
}

function container(
  id: string,
  extra: Pick<CosmosContainerDefinition, 'defaultTtl' | 'indexingPolicy' | 'uniqueKeyPolicy'> = {},
  partitionKeyPath: string = PARTITION_KEY_PATH,
): CosmosContainerDefinition {
  return { id, partitionKey: { paths: [partitionKeyPath], version: PartitionKeyDefinitionVersion.V2 }, ...extra };
}

/**
 * The Symbol-user list orders by two properties (`ORDER BY c.createdAt ASC, c.id ASC`, with or
 * without a `status` filter), which Cosmos serves only from a composite index. Setting an indexing
 * policy replaces the default one, so the default's parts are spelled out: consistent, automatic,
 * every path range-indexed, `_etag` excluded.
 */
export const SYMBOL_USERS_INDEXING_POLICY: IndexingPolicy = {
  indexingMode: 'consistent',
  automatic: true,
  includedPaths: [{ path: '/*' }],
  excludedPaths: [{ path: '/"_etag"/?' }],
  compositeIndexes: [
    [
      { path: '/createdAt', order: 'ascending' },
      { path: '/id', order: 'ascending' },
    ],
  ],
};

/**
 * One e-mail address per company: unique keys are enforced per logical partition, i.e. per
 * company. A unique key can only be set when a container is created.
 */
export const SYMBOL_USERS_UNIQUE_KEYS: UniqueKeyPolicy = { uniqueKeys: [{ paths: ['/emailKey'] }] };

/**
 * Indexing stays on the defaults (every path range-indexed, consistent) except where noted. The
 * other queries order by a single property inside one partition (sync runs by `queuedAt`,
 * directory-user sweeps by `id`), which the default range index serves; composite indexes are
 * only needed for ORDER BY over two or more properties.
 */
export const COSMOS_CONTAINERS: readonly CosmosContainerDefinition[] = [
  /** One document per company; id = companyId. Point reads only. */
  container(INTEGRATIONS_CONTAINER),
  /** id = nonce; each item carries `ttl` (seconds until `expiresAt` + grace). */
  container(CONSENT_NONCES_CONTAINER, { defaultTtl: TTL_PER_ITEM }),
  /** id = runId; each item carries `ttl` = SYNC_RUN_TTL_SECONDS. */
  container(SYNC_RUNS_CONTAINER, { defaultTtl: TTL_PER_ITEM }),
  /** id = Entra object id; `status`: pending | denied | approved | excluded. */
  container(DIRECTORY_USERS_CONTAINER),
  /** Symbol's users of the company, id = Symbol user id; `status`: active | inactive; `emailKey` unique. */
  container(SYMBOL_USERS_CONTAINER, {
    uniqueKeyPolicy: SYMBOL_USERS_UNIQUE_KEYS,
    indexingPolicy: SYMBOL_USERS_INDEXING_POLICY,
  }),
  /** One document per company (the delta cursor and the round in progress); id = companyId. */
  container(SYNC_STATE_CONTAINER),
  /** id = notification message id; each item carries `ttl` = NOTIFICATION_LOG_TTL_SECONDS. */
  container(NOTIFICATION_LOG_CONTAINER, { defaultTtl: TTL_PER_ITEM }),
  /** id = Graph subscription id, partitioned by it: the webhook's point read (subscription → company). */
  container(SUBSCRIPTIONS_CONTAINER, {}, ID_PARTITION_KEY_PATH),
  /** id = the user's object id; the tracked groups the user is a direct member of. */
  container(GROUP_MEMBERSHIPS_CONTAINER),
  /** id = runId.category.index; each item carries `ttl` = SYNC_PREVIEW_TTL_SECONDS. */
  container(SYNC_PREVIEWS_CONTAINER, { defaultTtl: TTL_PER_ITEM }),
  /** id = `{at}.{digest}` (sorts by time); every item expires AUDIT_TTL_SECONDS after it was written. */
  container(AUDIT_CONTAINER, { defaultTtl: AUDIT_TTL_SECONDS }),
];

/**
 * Creates the database and every container if they do not exist yet; running it again (or from
 * two instances at once) is harmless. Existing containers are not altered, but one whose
 * partition key or unique keys differ from ours is a configuration error the application cannot
 * work with (neither can be changed on an existing container). Indexing policies are not
 * compared: a missing composite index shows up as a 400 on the query that needs it.
 *
 * With Entra ID (managed identity) auth, Cosmos's data-plane RBAC can read but not create
 * databases and containers: in Azure they are provisioned by the infrastructure templates, and
 * this only verifies them.
 */
export async function ensureCosmosSchema(client: CosmosClient, databaseId: string): Promise<Database> {
  const database = await createOrRead(
    `database '${databaseId}'`,
    async () => (await client.databases.createIfNotExists({ id: databaseId })).database,
    () =>
      client
        .database(databaseId)
        .read()
        .then((r) => r.database),
  );
  for (const definition of COSMOS_CONTAINERS) {
    const resource = await createOrRead(
      `container '${definition.id}'`,
      async () => (await database.containers.createIfNotExists(definition)).resource,
      async () => (await database.container(definition.id).read()).resource,
    );
    const paths = resource?.partitionKey?.paths ?? [];
    const expectedPath = definition.partitionKey.paths[0];
    if (paths.length !== 1 || paths[0] !== expectedPath) {
      throw new AppError(
        'configuration_invalid',
        `Cosmos container '${definition.id}' in database '${databaseId}' is partitioned by ${JSON.stringify(paths)}, expected ["${expectedPath}"]`,
      );
    }
    const uniqueKeys = uniqueKeySignature(resource?.uniqueKeyPolicy);
    const expectedUniqueKeys = uniqueKeySignature(definition.uniqueKeyPolicy);
    if (uniqueKeys !== expectedUniqueKeys) {
      throw new AppError(
        'configuration_invalid',
        `Cosmos container '${definition.id}' in database '${databaseId}' has the unique keys ${uniqueKeys}, expected ${expectedUniqueKeys}. Unique keys cannot be changed on an existing container: recreate it (and move its data)`,
      );
    }
  }
  return database;
}

/** A comparable rendering of a unique key policy: each key's paths, keys in any order. */
function uniqueKeySignature(policy: UniqueKeyPolicy | undefined): string {
  const keys = (policy?.uniqueKeys ?? []).map((key) => JSON.stringify(key.paths));
  return `[${keys.sort().join(',')}]`;
}

async function createOrRead<T>(what: string, createIfNotExists: () => Promise<T>, read: () => Promise<T>): Promise<T> {
  try {
    return await createIfNotExists();
  } catch (error) {
    const status = cosmosStatus(error);
    // Another instance created it between our read and our create.
    if (status === 409) return read();
    if (status === 403) {
      throw new AppError(
        'configuration_invalid',
        `Cosmos refused to create ${what} (403). Data-plane RBAC cannot create databases or containers: provision them with the infrastructure templates and check the identity's role assignment`,
        { cause: error },
      );
    }
    throw error;
  }
}
