import { Container, Database } from '@azure/cosmos';
import { z } from 'zod';
import { AppError } from '../../domain/app-error';
import { UserCounts, UserCountsReader } from '../../ports/user-counts.port';
import { mapCosmosError } from './cosmos-documents';
import { DIRECTORY_USERS_CONTAINER, SYMBOL_USERS_CONTAINER } from './cosmos-schema';

const COUNT_QUERY = 'SELECT VALUE COUNT(1) FROM c WHERE c.companyId = @companyId AND c.status = @status';
// `pendingRemoval` is an object or null: only an object has a `runId`.
const HELD_QUERY = 'SELECT VALUE COUNT(1) FROM c WHERE c.companyId = @companyId AND IS_DEFINED(c.pendingRemoval.runId)';

const CountResultSchema = z.array(z.number().int().min(0)).max(1);

/** Counts inside one company's partition: five single-partition aggregate queries. */
export class CosmosUserCountsReader implements UserCountsReader {
  private readonly directoryUsers: Container;
  private readonly symbolUsers: Container;

  constructor(database: Database) {
    this.directoryUsers = database.container(DIRECTORY_USERS_CONTAINER);
    this.symbolUsers = database.container(SYMBOL_USERS_CONTAINER);
  }

  async countsFor(companyId: string): Promise<UserCounts> {
    const [pending, denied, excluded, held, activeUsers] = await Promise.all([
      count(this.directoryUsers, companyId, COUNT_QUERY, 'pending'),
      count(this.directoryUsers, companyId, COUNT_QUERY, 'denied'),
      count(this.directoryUsers, companyId, COUNT_QUERY, 'excluded'),
      count(this.directoryUsers, companyId, HELD_QUERY, null),
      count(this.symbolUsers, companyId, COUNT_QUERY, 'active'),
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
