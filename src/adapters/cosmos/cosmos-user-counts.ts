import { Container, Database, PatchOperation } from '@azure/cosmos';
import { z } from 'zod';
import { AppError, isAppError } from '../../domain/app-error';
import {
  CompanyCounts,
  CompanyCountsSchema,
  CountsDelta,
  hasDrifted,
  USER_COUNT_NAMES,
  UserCounts,
  userCountsOf,
} from '../../domain/company-counts';
import { Clock } from '../../ports/clock.port';
import { Versioned } from '../../ports/integration-store.port';
import { Recount, UserCountsStore } from '../../ports/user-counts.port';
import { CosmosCompanyDocument } from './cosmos-company-document';
import { isCosmosStatus, isStorableId, mapCosmosError } from './cosmos-documents';
import { DIRECTORY_USERS_CONTAINER, SYMBOL_USERS_CONTAINER, USER_COUNTS_CONTAINER } from './cosmos-schema';

const COUNT_BY_STATUS_QUERY = 'SELECT VALUE COUNT(1) FROM c WHERE c.companyId = @companyId AND c.status = @status';
// `pendingRemoval` is an object or null: only an object has a `runId`.
const COUNT_HELD_QUERY =
  'SELECT VALUE COUNT(1) FROM c WHERE c.companyId = @companyId AND IS_DEFINED(c.pendingRemoval.runId)';

const CountResultSchema = z.array(z.number().int().min(0)).max(1);

/** Derivations that lost the race with a write before the stored counts are kept as they are. */
const RECOUNT_ATTEMPTS = 3;

export type CountsLog = (event: string, fields: Record<string, unknown>) => void;

/**
 * The maintained counts in `company-counts`, one document per company (id = companyId).
 *
 * - `countsFor`: a point read (1 RU). A missing, unreadable or negative document is derived and
 *   stored first (the one time a company's counts cost aggregate queries outside a full round).
 * - `add`: one patch with an `incr` per count that changes (Cosmos applies it atomically on the
 *   server: concurrent writers never lose each other's increments). A missing document is left
 *   missing — deriving it later includes the write.
 * - `recount`: reads the document (its etag), derives the counts with five COUNT queries inside
 *   the company's partition, and replaces the document only if no increment landed meanwhile
 *   (IfMatch); otherwise it derives again. An increment whose record write preceded the
 *   derivation but which lands after the replace is counted twice until the next recount — the
 *   window is the few milliseconds between a write and its increment.
 */
export class CosmosUserCounts implements UserCountsStore {
  private readonly counts: Container;
  private readonly documents: CosmosCompanyDocument<typeof CompanyCountsSchema>;
  private readonly directoryUsers: Container;
  private readonly symbolUsers: Container;

  constructor(
    database: Database,
    private readonly clock: Clock,
    /** Outside the local stack (which passes its own), a JSON line on stderr: the Functions host keeps it. */
    private readonly log: CountsLog = (event, fields) => {
      console.warn(JSON.stringify({ event, ...fields }));
    },
  ) {
    this.counts = database.container(USER_COUNTS_CONTAINER);
    this.documents = new CosmosCompanyDocument(database, USER_COUNTS_CONTAINER, CompanyCountsSchema, 'company counts');
    this.directoryUsers = database.container(DIRECTORY_USERS_CONTAINER);
    this.symbolUsers = database.container(SYMBOL_USERS_CONTAINER);
  }

  async countsFor(companyId: string): Promise<UserCounts> {
    const stored = await this.read(companyId).catch((error: unknown) => {
      // A document that does not parse is derived again, like a missing one.
      if (isAppError(error, 'internal_error')) return null;
      throw error;
    });
    if (stored !== null && !hasDrifted(stored.value)) return userCountsOf(stored.value);
    return (await this.recount(companyId)).after;
  }

  async add(companyId: string, delta: CountsDelta): Promise<void> {
    const operations: PatchOperation[] = USER_COUNT_NAMES.flatMap((name) => {
      const change = delta[name] ?? 0;
      return change === 0 ? [] : [{ op: 'incr' as const, path: `/${name}`, value: change }];
    });
    if (operations.length === 0 || !isStorableId(companyId)) return;
    try {
      await this.counts.item(companyId, companyId).patch(operations);
    } catch (error) {
      // No counts yet: the derivation that creates them will include this write.
      if (isCosmosStatus(error, 404)) return;
      this.log('counts.not_applied', {
        companyId,
        ...delta,
        error: error instanceof Error ? error.message : 'unknown',
      });
    }
  }

  async recount(companyId: string): Promise<Recount> {
    let before: UserCounts | null = null;
    let after: UserCounts | null = null;
    for (let attempt = 1; attempt <= RECOUNT_ATTEMPTS; attempt++) {
      const stored = await this.read(companyId).catch((error: unknown) => {
        if (isAppError(error, 'internal_error')) return 'unreadable' as const;
        throw error;
      });
      before = stored === null || stored === 'unreadable' ? null : userCountsOf(stored.value);
      after = await this.derive(companyId);
      const document: CompanyCounts = { companyId, ...after, derivedAt: this.clock.now().toISOString() };
      const precondition = stored === 'unreadable' ? 'any' : stored === null ? 'create' : { ifMatch: stored.etag };
      if (await this.save(document, precondition)) return { before, after, saved: true };
    }
    if (after === null) throw new AppError('internal_error', 'recount: no attempt was made');
    this.log('counts.recount_raced', { companyId, attempts: RECOUNT_ATTEMPTS });
    return { before, after, saved: false };
  }

  private read(companyId: string): Promise<Versioned<CompanyCounts> | null> {
    return this.documents.get(companyId);
  }

  /** Creates, replaces IfMatch, or replaces whatever is there (`any`: a document that does not parse); false when another write won. */
  private async save(value: CompanyCounts, precondition: { ifMatch: string } | 'create' | 'any'): Promise<boolean> {
    try {
      if (precondition === 'any') await this.documents.overwrite(value);
      else await this.documents.save(value, precondition === 'create' ? null : precondition.ifMatch);
      return true;
    } catch (error) {
      if (isAppError(error, 'conflict') || isAppError(error, 'precondition_failed')) return false;
      throw error;
    }
  }

  /** The true counts, from the records: five aggregate queries inside the company's partition. */
  private async derive(companyId: string): Promise<UserCounts> {
    const [pending, denied, excluded, held, activeUsers] = await Promise.all([
      count(this.directoryUsers, companyId, COUNT_BY_STATUS_QUERY, 'pending'),
      count(this.directoryUsers, companyId, COUNT_BY_STATUS_QUERY, 'denied'),
      count(this.directoryUsers, companyId, COUNT_BY_STATUS_QUERY, 'excluded'),
      count(this.directoryUsers, companyId, COUNT_HELD_QUERY, null),
      count(this.symbolUsers, companyId, COUNT_BY_STATUS_QUERY, 'active'),
    ]);
    return { pending, denied, excluded, held, activeUsers };
  }
}

async function count(container: Container, companyId: string, query: string, status: string | null): Promise<number> {
  let resources: unknown;
  try {
    ({ resources } = await container.items
      .query<unknown>(
        {
          query,
          parameters: [
            { name: '@companyId', value: companyId },
            ...(status === null ? [] : [{ name: '@status', value: status }]),
          ],
        },
        { partitionKey: companyId },
      )
      .fetchAll());
  } catch (error) {
    return mapCosmosError(error, `count ${container.id}`);
  }
  const parsed = CountResultSchema.safeParse(resources);
  if (!parsed.success)
    throw new AppError('internal_error', `Cosmos returned an unexpected count result from container '${container.id}'`);
  // An aggregate over no documents may come back as an empty result rather than [0].
  return parsed.data[0] ?? 0;
}
