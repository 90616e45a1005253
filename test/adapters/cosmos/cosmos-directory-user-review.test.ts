import { CosmosDirectoryUserStore } from '../../../src/adapters/cosmos/cosmos-directory-user-store';
import { DirectoryUserRecord, EMPTY_ATTRIBUTES } from '../../../src/domain/directory/directory-user';
import { directoryUser } from '../../support/store-fixtures';
import { CosmosTestEnv, startCosmosTestEnv } from './cosmos-test-env';

function rec(
  companyId: string,
  id: string,
  name: string,
  mail: string | null,
  overrides: Partial<DirectoryUserRecord> = {},
): DirectoryUserRecord {
  const [given, surname] = name.split(' ');
  const attributes = {
    ...EMPTY_ATTRIBUTES,
    displayName: name,
    givenName: given ?? null,
    surname: surname ?? null,
    mail,
    userPrincipalName: `${id}@tenant.onmicrosoft.com`,
  };
  return directoryUser(companyId, id, { attributes, ...overrides });
}

describe('CosmosDirectoryUserStore.listForReview (real client, local Cosmos server)', () => {
  let env: CosmosTestEnv;
  let store: CosmosDirectoryUserStore;
  beforeAll(async () => {
    env = await startCosmosTestEnv('review-list-test');
    store = new CosmosDirectoryUserStore(env.database);
    const records = [
      rec('acme', 'u5', 'Zoe Young', 'zoe@acme.example'),
      rec('acme', 'u1', 'adele Vance', 'Adele.Vance@acme.example', { flags: ['guest'] }),
      rec('acme', 'u2', 'Ann Lee', 'ann@acme.example'),
      rec('acme', 'u3', 'Anna Bell', 'anna@acme.example', { flags: ['guest', 'unlicensed'] }),
      rec('acme', 'u4', 'Info Box', 'info@acme.example', { status: 'denied', flags: ['role_address'] }),
      rec('acme', 'u6', 'Ann Lee', 'ann.lee2@acme.example'),
      rec('acme', 'u7', 'Approved Person', 'ap@acme.example', { status: 'approved', symbolUserId: 's' }),
      rec('globex', 'g1', 'Ann Other', 'ann@globex.example'),
    ];
    await store.write(
      'acme',
      records.filter((r) => r.companyId === 'acme').map((r) => ({ op: 'put' as const, record: r, expected: null })),
    );
    await store.write(
      'globex',
      records.filter((r) => r.companyId === 'globex').map((r) => ({ op: 'put' as const, record: r, expected: null })),
    );
  });
  afterAll(async () => {
    await env.close();
  });

  const ids = async (query: Partial<Parameters<CosmosDirectoryUserStore['listForReview']>[1]>) =>
    (
      await store.listForReview('acme', {
        status: 'pending',
        search: null,
        flag: null,
        limit: 50,
        cursor: null,
        ...query,
      })
    ).items.map((i) => i.value.id);

  it('orders by display name case-insensitively, ties by id; one company, one status', async () => {
    expect(await ids({})).toEqual(['u1', 'u2', 'u6', 'u3', 'u5']);
    expect(await ids({ status: 'denied' })).toEqual(['u4']);
  });

  it('searches name parts and addresses by case-insensitive prefix', async () => {
    expect(await ids({ search: 'ANN' })).toEqual(['u2', 'u6', 'u3']);
    expect(await ids({ search: 'lee' })).toEqual(['u2', 'u6']);
    expect(await ids({ search: 'adele.v' })).toEqual(['u1']);
    expect(await ids({ search: 'u5@tenant' })).toEqual(['u5']);
    expect(await ids({ search: 'nobody' })).toEqual([]);
  });

  it('filters by flag and pages with opaque cursors without gaps or repeats', async () => {
    expect(await ids({ flag: 'guest' })).toEqual(['u1', 'u3']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.listForReview('acme', { status: 'pending', search: null, flag: null, limit: 2, cursor });
      seen.push(...page.items.map((i) => i.value.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['u1', 'u2', 'u6', 'u3', 'u5']);
  });

  it('reads records back without the search projection', async () => {
    const found = (await store.getMany('acme', ['u1'])).get('u1');
    expect(found?.value).not.toHaveProperty('search');
    expect(found?.value.attributes.displayName).toBe('adele Vance');
  });
});
