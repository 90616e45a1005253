import { Container, Database, SqlParameter } from '@azure/cosmos';
import { AppError } from '../../domain/app-error';
import { symbolUserWriteDelta } from '../../domain/company-counts';
import { SymbolUser, SymbolUserSchema } from '../../domain/symbol-user';
import { Versioned } from '../../ports/integration-store.port';
import { Page } from '../../ports/sync-run-store.port';
import { MAX_SYMBOL_USER_PAGE_SIZE, SymbolUserStore } from '../../ports/symbol-user-store.port';
import { UserCountsStore } from '../../ports/user-counts.port';
import { systemClock } from '../time/system-time';
import { assertWritable, isCosmosStatus, isStorableId, mapCosmosError, parseStoredVersioned } from './cosmos-documents';
import { chunk, mapWithConcurrency } from '../../shared/bounded-concurrency';
import { assertPageLimit, queryPage } from './cosmos-paging';
import { SYMBOL_USERS_CONTAINER } from './cosmos-schema';
import { CosmosUserCounts } from './cosmos-user-counts';

/** E-mail keys per lookup query; longer lists are split into several queries. */
export const EMAIL_KEYS_PER_QUERY = 1000;
const LOOKUP_CONCURRENCY = 4;

const FIND_BY_EMAIL_KEYS_QUERY =
  'SELECT * FROM c WHERE c.companyId = @companyId AND ARRAY_CONTAINS(@emailKeys, c.emailKey)';
// Multi-property ORDER BYs: served by the composite indexes (createdAt, id) and (status,
// createdAt, id) declared in cosmos-schema.ts and infra/app/cosmos.bicep; the status filter is
// named first in its ORDER BY so that one index serves the filter and the order. createdAt + id is
// unique, so the order is total and paging is stable.
const LIST_ALL_QUERY = 'SELECT * FROM c WHERE c.companyId = @companyId ORDER BY c.createdAt ASC, c.id ASC';
const LIST_BY_STATUS_QUERY =
  'SELECT * FROM c WHERE c.companyId = @companyId AND c.status = @status ORDER BY c.status ASC, c.createdAt ASC, c.id ASC';

/** `parseStoredVersioned` drops `id` with the storage properties; it comes back from the document. */
const StoredSymbolUserSchema = SymbolUserSchema.omit({ id: true });

/**
 * Symbol users in `symbol-users`, id = the Symbol user id. The container's unique key on
 * `/emailKey` (enforced per partition, i.e. per company) keeps one user per e-mail address in a
 * company; the same address in another company is a different user. Every successful save moves
 * the company's active-user count by what it changed.
 */
export class CosmosSymbolUserStore implements SymbolUserStore {
  private readonly container: Container;
  private readonly counts: UserCountsStore;

  constructor(database: Database, options: { counts?: UserCountsStore } = {}) {
    this.container = database.container(SYMBOL_USERS_CONTAINER);
    this.counts = options.counts ?? new CosmosUserCounts(database, systemClock);
  }

  async get(companyId: string, id: string): Promise<Versioned<SymbolUser> | null> {
    if (!isStorableId(id) || !isStorableId(companyId)) return null;
    try {
      const response = await this.container.item(id, companyId).read();
      if (response.statusCode === 404 || response.resource === undefined) return null;
      return parseSymbolUser(response.resource, id);
    } catch (error) {
      if (isCosmosStatus(error, 404)) return null;
      return mapCosmosError(error, 'read symbol user');
    }
  }

  /** One query per EMAIL_KEYS_PER_QUERY distinct keys, inside the company's partition. Keys are matched exactly. */
  async findByEmailKeys(companyId: string, emailKeys: readonly string[]): Promise<Array<Versioned<SymbolUser>>> {
    const distinct = [...new Set(emailKeys)];
    if (distinct.length === 0) return [];
    const pages = await mapWithConcurrency(chunk(distinct, EMAIL_KEYS_PER_QUERY), LOOKUP_CONCURRENCY, async (keys) => {
      let resources: unknown[];
      try {
        ({ resources } = await this.container.items
          .query<unknown>(
            {
              query: FIND_BY_EMAIL_KEYS_QUERY,
              parameters: [
                { name: '@companyId', value: companyId },
                { name: '@emailKeys', value: keys },
              ],
            },
            { partitionKey: companyId },
          )
          .fetchAll());
      } catch (error) {
        return mapCosmosError(error, 'find symbol users by e-mail');
      }
      return resources.map((resource) => parseSymbolUser(resource));
    });
    return pages.flat();
  }

  /**
   * null = create: AppError 'conflict' when the id or the e-mail (`emailKey`) is taken in the
   * company. Otherwise an IfMatch replace: AppError 'precondition_failed' when the stored version
   * changed or is gone, 'conflict' when the new `emailKey` belongs to another user of the company.
   */
  async save(user: SymbolUser, expected: Versioned<SymbolUser> | null): Promise<Versioned<SymbolUser>> {
    const value = assertWritable(SymbolUserSchema, SYMBOL_USERS_CONTAINER, user);
    if (!isStorableId(value.id))
      throw new AppError(
        'internal_error',
        `Refusing to write a document with an id Cosmos cannot store to container '${SYMBOL_USERS_CONTAINER}'`,
      );
    if (expected !== null && (expected.value.id !== value.id || expected.value.companyId !== value.companyId))
      throw new AppError('internal_error', 'Refusing to replace a Symbol user with another user’s version');
    const saved = await this.write(value, expected?.etag ?? null);
    await this.counts.add(value.companyId, symbolUserWriteDelta(expected?.value ?? null, saved.value));
    return saved;
  }

  private async write(value: SymbolUser, expectedEtag: string | null): Promise<Versioned<SymbolUser>> {
    if (expectedEtag === null) {
      try {
        const response = await this.container.items.create(value);
        return parseSymbolUser(response.resource, value.id);
      } catch (error) {
        // Cosmos answers 409 for both a taken id and a taken unique key, without saying which.
        if (isCosmosStatus(error, 409))
          throw new AppError('conflict', 'A Symbol user with this id or e-mail address already exists in the company', {
            cause: error,
          });
        return mapCosmosError(error, 'create symbol user');
      }
    }
    try {
      const response = await this.container
        .item(value.id, value.companyId)
        .replace(value, { accessCondition: { type: 'IfMatch', condition: expectedEtag } });
      return parseSymbolUser(response.resource, value.id);
    } catch (error) {
      if (isCosmosStatus(error, 412) || isCosmosStatus(error, 404)) {
        throw new AppError('precondition_failed', 'The Symbol user was changed meanwhile', { cause: error });
      }
      if (isCosmosStatus(error, 409))
        throw new AppError('conflict', 'Another Symbol user of the company has this e-mail address', { cause: error });
      return mapCosmosError(error, 'replace symbol user');
    }
  }

  /**
   * Oldest first (`createdAt`, then `id`), all users or those of one status. A cursor belongs to
   * the query it came from: pass it back with the same status filter.
   */
  async list(
    companyId: string,
    options: { status: SymbolUser['status'] | null; limit: number; cursor: string | null },
  ): Promise<Page<SymbolUser>> {
    assertPageLimit(options.limit, MAX_SYMBOL_USER_PAGE_SIZE);
    const parameters: SqlParameter[] = [{ name: '@companyId', value: companyId }];
    if (options.status !== null) parameters.push({ name: '@status', value: options.status });
    return queryPage(
      this.container,
      { query: options.status === null ? LIST_ALL_QUERY : LIST_BY_STATUS_QUERY, parameters },
      companyId,
      { limit: options.limit, cursor: options.cursor },
      (resource) => parseSymbolUser(resource).value,
      'list symbol users',
    );
  }
}

function parseSymbolUser(resource: unknown, id?: string): Versioned<SymbolUser> {
  const { value, etag } = parseStoredVersioned(
    StoredSymbolUserSchema,
    SYMBOL_USERS_CONTAINER,
    resource,
    id === undefined ? { field: 'id' } : { field: 'id', value: id },
  );
  const storedId = documentId(resource);
  if (storedId === undefined || !SymbolUserSchema.shape.id.safeParse(storedId).success) {
    throw new AppError(
      'internal_error',
      `A document read from container '${SYMBOL_USERS_CONTAINER}' failed validation: id (invalid)`,
    );
  }
  return { value: { id: storedId, ...value }, etag };
}

function documentId(resource: unknown): string | undefined {
  if (typeof resource !== 'object' || resource === null || !('id' in resource)) return undefined;
  return typeof resource.id === 'string' ? resource.id : undefined;
}
