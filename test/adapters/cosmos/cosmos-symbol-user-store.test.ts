import { SYMBOL_USERS_CONTAINER } from '../../../src/adapters/cosmos/cosmos-schema';
import { CosmosSymbolUserStore, EMAIL_KEYS_PER_QUERY } from '../../../src/adapters/cosmos/cosmos-symbol-user-store';
import { encodeCursor } from '../../../src/adapters/cosmos/cosmos-paging';
import { SymbolUser } from '../../../src/domain/symbol-user';
import { rejection } from '../../support/app-errors';
import { symbolUser } from '../../support/store-fixtures';
import { COMPANY, CosmosTestEnv, startCosmosTestEnv } from './cosmos-test-env';

let env: CosmosTestEnv;
let store: CosmosSymbolUserStore;

beforeAll(async () => {
  env = await startCosmosTestEnv('test-symbol-user-store');
  store = new CosmosSymbolUserStore(env.database);
});
afterAll(async () => {
  await env.close();
});

const user = symbolUser;

async function listAll(
  companyId: string,
  status: SymbolUser['status'] | null,
  limit: number,
): Promise<{ pages: SymbolUser[][]; cursors: (string | null)[] }> {
  const pages: SymbolUser[][] = [];
  const cursors: (string | null)[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.list(companyId, { status, limit, cursor });
    pages.push(page.items);
    cursors.push(page.nextCursor);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 50);
  return { pages, cursors };
}

/**
 * What only Cosmos shows (chunked lookups, the composite-index order with ties, stored shapes); the
 * store's behaviour is the SymbolUserStore contract (test/contracts).
 */
describe('CosmosSymbolUserStore', () => {
  describe('findByEmailKeys', () => {
    it('splits long key lists into several queries', async () => {
      await store.save(user(COMPANY, 'su-find-1', 'find1@acme.example'), null);
      await store.save(user(COMPANY, 'su-find-2', 'find2@acme.example'), null);
      const keys = Array.from({ length: EMAIL_KEYS_PER_QUERY + 5 }, (_, i) => `nobody-${i}@acme.example`);
      keys.push('find2@acme.example');
      keys.unshift('find1@acme.example');
      const found = await store.findByEmailKeys(COMPANY, keys);
      expect(found.map((f) => f.value.id).sort()).toEqual(['su-find-1', 'su-find-2']);
    });
  });

  describe('list', () => {
    const company = 'list-co';
    // createdAt out of insertion order, with ties broken by id.
    const specs: [string, string, SymbolUser['status']][] = [
      ['u-07', '2024-03-05', 'active'],
      ['u-03', '2024-03-01', 'inactive'],
      ['u-09', '2024-03-09', 'active'],
      ['u-02', '2024-03-03', 'active'],
      ['u-05', '2024-03-07', 'inactive'],
      ['u-01', '2024-03-07', 'active'],
      ['u-08', '2024-03-02', 'active'],
      ['u-04', '2024-03-07', 'active'],
      ['u-06', '2024-03-04', 'inactive'],
    ];
    const users = specs.map(([id, day, status]) =>
      user(company, id, `${id}@list.example`, { createdAt: `${day}T12:00:00.000Z`, status }),
    );
    const ordered = [...users].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));

    beforeAll(async () => {
      for (const u of users) await store.save(u, null);
      await store.save(user('list-other-co', 'u-other', 'u-01@list.example'), null);
    });

    it('returns every user of the company oldest first (createdAt, then id) across pages, each once', async () => {
      for (const limit of [1, 2, 4, 9, 500]) {
        const { pages, cursors } = await listAll(company, null, limit);
        expect(pages.flat()).toEqual(ordered);
        for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
        expect(cursors.at(-1)).toBeNull();
      }
    });

    it('filters by status, paging the same way', async () => {
      for (const status of ['active', 'inactive'] as const) {
        for (const limit of [1, 2, 50]) {
          const { pages } = await listAll(company, status, limit);
          expect(pages.flat()).toEqual(ordered.filter((u) => u.status === status));
        }
      }
    });

    it('gives an empty page with no cursor for a company without users', async () => {
      await expect(store.list('no-users-co', { status: null, limit: 10, cursor: null })).resolves.toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it('rejects a limit outside 1..500 and a malformed cursor with validation_failed', async () => {
      for (const limit of [0, 501, 2.5])
        expect((await rejection(store.list(company, { status: null, limit, cursor: null }))).code).toBe(
          'validation_failed',
        );
      for (const cursor of ['not base64!', encodeCursor('{}')])
        expect((await rejection(store.list(company, { status: null, limit: 2, cursor }))).code).toBe(
          'validation_failed',
        );
    });
  });

  it('raises internal_error for stored users of the wrong shape, in reads, lookups and lists', async () => {
    const container = env.database.container(SYMBOL_USERS_CONTAINER);
    await store.save(user('corrupt-co', 'su-good', 'good@corrupt.example'), null);
    await container.items.create({ ...user('corrupt-co', 'su-bad', 'bad@corrupt.example'), status: 'secret-status' });
    await container.items.create({ ...user('corrupt-co', 'x'.repeat(80), 'long@corrupt.example') });
    expect((await rejection(store.get('corrupt-co', 'su-bad'))).code).toBe('internal_error');
    expect((await rejection(store.get('corrupt-co', 'x'.repeat(80)))).code).toBe('internal_error');
    const lookup = await rejection(store.findByEmailKeys('corrupt-co', ['bad@corrupt.example']));
    expect(lookup.code).toBe('internal_error');
    expect(lookup.message).not.toMatch(/secret|corrupt\.example/);
    expect((await rejection(store.list('corrupt-co', { status: null, limit: 10, cursor: null }))).code).toBe(
      'internal_error',
    );
    await expect(store.get('corrupt-co', 'su-good')).resolves.toMatchObject({ value: { id: 'su-good' } });
  });
});
