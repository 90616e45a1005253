import { ContainerDefinition, CosmosClient, Database, IndexingPolicy, PartitionKeyDefinitionVersion } from '@azure/cosmos';
import { AppError } from '../../domain/app-error';
import { cosmosStatus } from './cosmos-documents';

/**
 * Every container the application uses, in one place. All are partitioned by company, so every
 * query an admin or a sync makes stays inside one logical partition.
 */

export const INTEGRATIONS_CONTAINER = 'integrations';
export const CONSENT_NONCES_CONTAINER = 'consent-nonces';
export const SYNC_RUNS_CONTAINER = 'sync-runs';
export const DIRECTORY_USERS_CONTAINER = 'directory-users';
export const SYMBOL_USERS_CONTAINER = 'symbol-users';

export const PARTITION_KEY_PATH = '/companyId';

/** Sync runs are history for the admin UI; they expire by themselves after 90 days. */
export const SYNC_RUN_TTL_SECONDS = 90 * 24 * 60 * 60;
/** A consent nonce outlives its `expiresAt` by this much before Cosmos removes it. */
export const CONSENT_NONCE_GRACE_SECONDS = 300;

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
}

function container(id: string, extra: Pick<CosmosContainerDefinition, 'defaultTtl' | 'indexingPolicy'> = {}): CosmosContainerDefinition {
  return { id, partitionKey: { paths: [PARTITION_KEY_PATH], version: PartitionKeyDefinitionVersion.V2 }, ...extra };
}

/**
 * Indexing stays on the defaults (every path range-indexed, consistent). The sync-run history
 * query (`WHERE c.companyId = @companyId ORDER BY c.queuedAt DESC`) orders by a single property
 * inside one partition, which the default range index serves; composite indexes are only needed
 * for ORDER BY over two or more properties.
 */
export const COSMOS_CONTAINERS: readonly CosmosContainerDefinition[] = [
  /** One document per company; id = companyId. Point reads only. */
  container(INTEGRATIONS_CONTAINER),
  /** id = nonce; each item carries `ttl` (seconds until `expiresAt` + grace). */
  container(CONSENT_NONCES_CONTAINER, { defaultTtl: TTL_PER_ITEM }),
  /** id = runId; each item carries `ttl` = SYNC_RUN_TTL_SECONDS. */
  container(SYNC_RUNS_CONTAINER, { defaultTtl: TTL_PER_ITEM }),
  /** id = Entra object id; `status`: pending | denied | approved | excluded | removed. */
  container(DIRECTORY_USERS_CONTAINER),
  /** Symbol's users of the company; `status`: active | inactive. */
  container(SYMBOL_USERS_CONTAINER),
];

/**
 * Creates the database and every container if they do not exist yet; running it again (or from
 * two instances at once) is harmless. Existing containers are not altered, but one whose
 * partition key differs from ours is a configuration error the application cannot work with.
 *
 * With Entra ID (managed identity) auth, Cosmos's data-plane RBAC can read but not create
 * databases and containers: in Azure they are provisioned by the infrastructure templates, and
 * this only verifies them.
 */
export async function ensureCosmosSchema(client: CosmosClient, databaseId: string): Promise<Database> {
  const database = await createOrRead(`database '${databaseId}'`, async () => (await client.databases.createIfNotExists({ id: databaseId })).database, () =>
    client.database(databaseId).read().then((r) => r.database),
  );
  for (const definition of COSMOS_CONTAINERS) {
    const resource = await createOrRead(`container '${definition.id}'`, async () => (await database.containers.createIfNotExists(definition)).resource, async () =>
      (await database.container(definition.id).read()).resource,
    );
    const paths = resource?.partitionKey?.paths ?? [];
    if (paths.length !== 1 || paths[0] !== PARTITION_KEY_PATH) {
      throw new AppError(
        'configuration_invalid',
        `Cosmos container '${definition.id}' in database '${databaseId}' is partitioned by ${JSON.stringify(paths)}, expected ["${PARTITION_KEY_PATH}"]`,
      );
    }
  }
  return database;
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
