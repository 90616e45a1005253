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
/** One document per company: its maintained user counts (id = companyId). */
export const USER_COUNTS_CONTAINER = 'company-counts';
/** The ids each full round saw, in chunks (id = `{roundId}.{chunk}`); they expire by themselves. */
export const ROUND_SEEN_CONTAINER = 'round-seen';
/** A round's seen-id chunks outlive any round that could still need them (a round resumes within hours). */
export const ROUND_SEEN_TTL_SECONDS = 14 * 24 * 60 * 60;
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
 * An indexing policy replaces the default one, so the default's parts are spelled out around the
 * composite indexes: consistent, automatic, every path range-indexed, `_etag` excluded.
 */
function withCompositeIndexes(compositeIndexes: NonNullable<IndexingPolicy['compositeIndexes']>): IndexingPolicy {
  return {
    indexingMode: 'consistent',
    automatic: true,
    includedPaths: [{ path: '/*' }],
    excludedPaths: [{ path: '/"_etag"/?' }],
    compositeIndexes,
  };
}

/**
 * The review list (pending or denied, in display-name order): `WHERE c.status = @status ORDER BY
 * c.status ASC, c.search.sortKey ASC`. Filtering on one property and sorting on another is served
 * by one composite index when the ORDER BY names the filter property first (Cosmos DB's guidance
 * for "queries with a filter and ORDER BY"); with the status alone it would be a range-index
 * filter followed by a sort of every match.
 */
export const DIRECTORY_USERS_INDEXING_POLICY: IndexingPolicy = withCompositeIndexes([
  [
    { path: '/status', order: 'ascending' },
    { path: '/search/sortKey', order: 'ascending' },
  ],
]);

/**
 * The Symbol-user list, oldest first: all users (`ORDER BY c.createdAt ASC, c.id ASC`) or one
 * status (`WHERE c.status = @status ORDER BY c.status ASC, c.createdAt ASC, c.id ASC`). An ORDER
 * BY over two or more properties is served only by a composite index that matches it.
 */
export const SYMBOL_USERS_INDEXING_POLICY: IndexingPolicy = withCompositeIndexes([
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

/** The run history, newest first, ties by run id: `ORDER BY c.queuedAt DESC, c.runId ASC`. */
export const SYNC_RUNS_INDEXING_POLICY: IndexingPolicy = withCompositeIndexes([
  [
    { path: '/queuedAt', order: 'descending' },
    { path: '/runId', order: 'ascending' },
  ],
]);

/**
 * One e-mail address per company: unique keys are enforced per logical partition, i.e. per
 * company. A unique key can only be set when a container is created.
 */
export const SYMBOL_USERS_UNIQUE_KEYS: UniqueKeyPolicy = { uniqueKeys: [{ paths: ['/emailKey'] }] };

/**
 * Indexing stays on the defaults (every path range-indexed, consistent) except where a list
 * needs a composite index. Every query the application issues, its index and its expected cost
 * are listed in docs/QUERIES.md.
 */
export const COSMOS_CONTAINERS: readonly CosmosContainerDefinition[] = [
  /** One document per company; id = companyId. Point reads only. */
  container(INTEGRATIONS_CONTAINER),
  /** id = nonce; each item carries `ttl` (seconds until `expiresAt` + grace). */
  container(CONSENT_NONCES_CONTAINER, { defaultTtl: TTL_PER_ITEM }),
  /** id = runId; each item carries `ttl` = SYNC_RUN_TTL_SECONDS. */
  container(SYNC_RUNS_CONTAINER, { defaultTtl: TTL_PER_ITEM, indexingPolicy: SYNC_RUNS_INDEXING_POLICY }),
  /** id = Entra object id; `status`: pending | denied | approved | excluded. */
  container(DIRECTORY_USERS_CONTAINER, { indexingPolicy: DIRECTORY_USERS_INDEXING_POLICY }),
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
  /** One document per company, id = companyId: the counts the status and the overview read. Point reads and patches only. */
  container(USER_COUNTS_CONTAINER),
  /** id = `{roundId}.{chunk}`; each item carries `ttl` = ROUND_SEEN_TTL_SECONDS. Point reads and writes only. */
  container(ROUND_SEEN_CONTAINER, { defaultTtl: TTL_PER_ITEM }),
];

/**
 * Creates the database and every container if they do not exist yet; running it again (or from
 * two instances at once) is harmless. A container whose partition key or unique keys differ from
 * ours is a configuration error the application cannot work with (neither can be changed on an
 * existing container). One whose composite indexes differ gets ours (an indexing policy can be
 * changed in place; Cosmos re-indexes online) — a store made by an older version keeps working.
 *
 * With Entra ID (managed identity) auth, Cosmos's data-plane RBAC can read but not create or
 * change databases and containers: in Azure they are provisioned by the infrastructure templates
 * (which declare the same indexes), and this only verifies them.
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
    const compositeIndexes = compositeIndexSignature(resource?.indexingPolicy);
    if (resource !== undefined && compositeIndexes !== compositeIndexSignature(definition.indexingPolicy)) {
      await updateIndexingPolicy(database, definition, resource, databaseId);
    }
  }
  return database;
}

async function updateIndexingPolicy(
  database: Database,
  definition: CosmosContainerDefinition,
  current: ContainerDefinition,
  databaseId: string,
): Promise<void> {
  try {
    await database.container(definition.id).replace({
      ...current,
      id: definition.id,
      indexingPolicy: definition.indexingPolicy ?? { indexingMode: 'consistent', automatic: true },
    });
  } catch (error) {
    if (cosmosStatus(error) !== 403) throw error;
    throw new AppError(
      'configuration_invalid',
      `Cosmos container '${definition.id}' in database '${databaseId}' lacks the composite indexes the application's queries need, and this identity may not change it (data-plane RBAC): deploy infra/ (azd provision), which declares them`,
      { cause: error },
    );
  }
}

/** A comparable rendering of a policy's composite indexes (order matters: it is the ORDER BY's). */
function compositeIndexSignature(policy: IndexingPolicy | undefined): string {
  return JSON.stringify((policy?.compositeIndexes ?? []).map((index) => index.map((p) => [p.path, p.order])));
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
