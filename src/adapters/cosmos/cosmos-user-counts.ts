import { Container, Database } from '@azure/cosmos';
import { z } from 'zod';
import { AppError } from '../../domain/app-error';
import { UserCounts, UserCountsReader } from '../../ports/user-counts.port';
import { mapCosmosError } from './cosmos-documents';
import { DIRECTORY_USERS_CONTAINER, SYMBOL_USERS_CONTAINER } from './cosmos-schema';

const COUNT_QUERY = 'SELECT VALUE COUNT(1) FROM c WHERE c.companyId = @companyId AND c.status = @status';

const CountResultSchema = z.array(z.number().int().min(0)).max(1);

/** Counts by status inside one company's partition: three single-partition aggregate queries. */
export class CosmosUserCountsReader implements UserCountsReader {
  private readonly directoryUsers: Container;
  private readonly symbolUsers: Container;

  constructor(database: Database) {
    this.directoryUsers = database.container(DIRECTORY_USERS_CONTAINER);
    this.symbolUsers = database.container(SYMBOL_USERS_CONTAINER);
  }

  async countsFor(companyId: string): Promise<UserCounts> {
    const [pending, denied, activeUsers] = await Promise.all([
      count(this.directoryUsers, companyId, 'pending'),
      count(this.directoryUsers, companyId, 'denied'),
      count(this.symbolUsers, companyId, 'active'),
    ]);
    return { pending, denied, activeUsers };
  }
}

async function count(container: Container, companyId: string, status: string): Promise<number> {
  let resources: unknown;
  try {
    ({ resources } = await container.items
      .query<unknown>(
        {
          query: COUNT_QUERY,
          parameters: [
            { name: '@companyId', value: companyId },
            { name: '@status', value: status },
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
