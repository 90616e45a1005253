import {
  DIRECTORY_USERS_CONTAINER,
  SYMBOL_USERS_CONTAINER,
  USER_COUNTS_CONTAINER,
} from '../../../src/adapters/cosmos/cosmos-schema';
import { CosmosUserCounts } from '../../../src/adapters/cosmos/cosmos-user-counts';
import { TestClock } from '../../support/test-time';
import { COMPANY, CosmosTestEnv, OTHER_COMPANY, startCosmosTestEnv } from './cosmos-test-env';

let env: CosmosTestEnv;
let reader: CosmosUserCounts;
const clock = new TestClock(new Date('2026-11-27T10:00:00.000Z'));

beforeAll(async () => {
  env = await startCosmosTestEnv('test-user-counts');
  reader = new CosmosUserCounts(env.database, clock);
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

/**
 * What only Cosmos shows: the aggregate queries over raw stored documents, the stored counts
 * document. The store's behaviour is the UserCountsStore contract (test/contracts).
 */
describe('CosmosUserCounts', () => {
  it('derives pending, denied, excluded and held directory users and active Symbol users of one company', async () => {
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

  it('keeps them in one document per company, with when they were derived', async () => {
    await reader.countsFor(COMPANY);
    const { resource } = await env.database
      .container(USER_COUNTS_CONTAINER)
      .item(COMPANY, COMPANY)
      .read<Record<string, unknown>>();
    expect(resource).toMatchObject({
      id: COMPANY,
      companyId: COMPANY,
      pending: 4,
      activeUsers: 6,
      derivedAt: '2026-11-27T10:00:00.000Z',
    });
  });

  it('derives a document that does not parse again, instead of failing the read', async () => {
    await env.database
      .container(USER_COUNTS_CONTAINER)
      .items.upsert({ id: OTHER_COMPANY, companyId: OTHER_COMPANY, pending: 'many' });
    await expect(reader.countsFor(OTHER_COMPANY)).resolves.toMatchObject({ pending: 7, activeUsers: 9 });
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
