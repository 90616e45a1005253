import { CosmosCompanyCatalog } from '../../../src/adapters/cosmos/cosmos-company-catalog';
import { CosmosIntegrationStore } from '../../../src/adapters/cosmos/cosmos-integration-store';
import { newIntegration } from '../../../src/domain/integration';
import { CosmosTestEnv, startCosmosTestEnv } from './cosmos-test-env';

let env: CosmosTestEnv;

beforeAll(async () => {
  env = await startCosmosTestEnv('test-company-catalog');
  const store = new CosmosIntegrationStore(env.database);
  for (const id of ['globex', 'acme', 'initech', 'umbrella', 'hooli'])
    await store.save(newIntegration(id, '2026-11-27T10:00:00.000Z'), null);
});
afterAll(async () => {
  await env.close();
});

describe('CosmosCompanyCatalog', () => {
  it('pages every company across partitions in company-id order, with opaque cursors', async () => {
    const catalog = new CosmosCompanyCatalog(env.database);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await catalog.page({ limit: 2, cursor });
      seen.push(...page.items.map((i) => i.companyId));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(seen).toEqual(['acme', 'globex', 'hooli', 'initech', 'umbrella']);
    expect((await catalog.page({ limit: 200, cursor: null })).items.map((i) => i.status)).toEqual(
      Array(5).fill('not_connected'),
    );
  });

  it('refuses bad limits and cursors as validation errors', async () => {
    const catalog = new CosmosCompanyCatalog(env.database);
    await expect(catalog.page({ limit: 0, cursor: null })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(catalog.page({ limit: 201, cursor: null })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(catalog.page({ limit: 2, cursor: 'not a cursor!' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});
