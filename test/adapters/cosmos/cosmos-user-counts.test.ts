import { DIRECTORY_USERS_CONTAINER, SYMBOL_USERS_CONTAINER } from '../../../src/adapters/cosmos/cosmos-schema';
import { CosmosUserCountsReader } from '../../../src/adapters/cosmos/cosmos-user-counts';
import { COMPANY, CosmosTestEnv, OTHER_COMPANY, startCosmosTestEnv } from './cosmos-test-env';

let env: CosmosTestEnv;
let reader: CosmosUserCountsReader;

beforeAll(async () => {
  env = await startCosmosTestEnv('test-user-counts');
  reader = new CosmosUserCountsReader(env.database);
  const directory = env.database.container(DIRECTORY_USERS_CONTAINER);
  const symbol = env.database.container(SYMBOL_USERS_CONTAINER);
  const directoryStatuses: [string, string, number][] = [
    [COMPANY, 'pending', 4],
    [COMPANY, 'denied', 2],
    [COMPANY, 'approved', 5],
    [COMPANY, 'excluded', 3],
    [COMPANY, 'removed', 1],
    [OTHER_COMPANY, 'pending', 7],
  ];
  let n = 0;
  for (const [companyId, status, count] of directoryStatuses) {
    for (let i = 0; i < count; i += 1) {
      n += 1;
      await directory.items.create({ id: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`, companyId, status });
    }
  }
  // Approved users whose deactivation the deletion guard holds; one approved user without a removal.
  for (let i = 0; i < 2; i += 1) {
    n += 1;
    await directory.items.create({
      id: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
      companyId: COMPANY,
      status: 'approved',
      pendingRemoval: { reason: 'deleted', runId: 'run-1', detectedAt: '2026-11-27T10:00:00.000Z' },
    });
  }
  n += 1;
  await directory.items.create({
    id: `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`,
    companyId: COMPANY,
    status: 'approved',
    pendingRemoval: null,
  });
  const symbolStatuses: [string, string, number][] = [
    [COMPANY, 'active', 6],
    [COMPANY, 'inactive', 2],
    [OTHER_COMPANY, 'active', 9],
  ];
  for (const [companyId, status, count] of symbolStatuses) {
    for (let i = 0; i < count; i += 1) {
      n += 1;
      // emailKey is unique per company in symbol-users (a missing one counts as one shared value).
      await symbol.items.create({ id: `symbol-${n}`, companyId, status, emailKey: `user-${n}@example.com` });
    }
  }
});
afterAll(async () => {
  await env.close();
});

describe('CosmosUserCountsReader', () => {
  it('counts pending, denied, excluded and held directory users and active Symbol users of one company', async () => {
    await expect(reader.countsFor(COMPANY)).resolves.toEqual({
      pending: 4,
      denied: 2,
      excluded: 3,
      held: 2,
      activeUsers: 6,
    });
    await expect(reader.countsFor(OTHER_COMPANY)).resolves.toEqual({
      pending: 7,
      denied: 0,
      excluded: 0,
      held: 0,
      activeUsers: 9,
    });
  });

  it('gives zeros for a company with no users', async () => {
    await expect(reader.countsFor('empty-co')).resolves.toEqual({
      pending: 0,
      denied: 0,
      excluded: 0,
      held: 0,
      activeUsers: 0,
    });
  });
});
