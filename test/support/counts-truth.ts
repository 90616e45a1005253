import { USER_COUNTS_CONTAINER } from '../../src/adapters/cosmos/cosmos-schema';
import { UserCounts } from '../../src/domain/company-counts';
import { getIntegrationStatus } from '../../src/use-cases/integration-status';
import { SyncHarness } from './sync-harness';

/**
 * The true counts of a company, counted from its stored records in the test (not with the code
 * under test), and the check that the maintained counts equal them. Any change that writes users —
 * the scope settings (groups, domains) included — should end with `expectMaintainedCountsTrue`.
 */

export async function trueCounts(h: SyncHarness, companyId: string): Promise<UserCounts> {
  const query = { query: 'SELECT * FROM c WHERE c.companyId = @c', parameters: [{ name: '@c', value: companyId }] };
  const records = (
    await h.cosmos.database
      .container('directory-users')
      .items.query<{ status: string; pendingRemoval: unknown }>(query)
      .fetchAll()
  ).resources;
  const users = (await h.cosmos.database.container('symbol-users').items.query<{ status: string }>(query).fetchAll())
    .resources;
  return {
    pending: records.filter((r) => r.status === 'pending').length,
    denied: records.filter((r) => r.status === 'denied').length,
    excluded: records.filter((r) => r.status === 'excluded').length,
    held: records.filter((r) => r.pendingRemoval !== null && r.pendingRemoval !== undefined).length,
    activeUsers: users.filter((u) => u.status === 'active').length,
  };
}

/** The stored counts document as it is (reading it through the store could derive it). */
export async function storedCounts(h: SyncHarness, companyId: string): Promise<UserCounts | null> {
  const { resource } = await h.cosmos.database
    .container(USER_COUNTS_CONTAINER)
    .item(companyId, companyId)
    .read<UserCounts>();
  if (resource === undefined) return null;
  const { pending, denied, excluded, held, activeUsers } = resource;
  return { pending, denied, excluded, held, activeUsers };
}

/** The maintained counts equal the true ones, and the status call reads exactly them. */
export async function expectMaintainedCountsTrue(h: SyncHarness, companyId: string): Promise<UserCounts> {
  const expected = await trueCounts(h, companyId);
  expect(await storedCounts(h, companyId)).toEqual(expected);
  expect((await getIntegrationStatus(h.services, companyId)).counts).toEqual(expected);
  return expected;
}
