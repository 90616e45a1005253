import { CosmosIntegrationLister } from '../../../src/adapters/cosmos/cosmos-integration-lister';
import { CosmosIntegrationStore } from '../../../src/adapters/cosmos/cosmos-integration-store';
import { INTEGRATIONS_CONTAINER, SUBSCRIPTIONS_CONTAINER } from '../../../src/adapters/cosmos/cosmos-schema';
import { CosmosSubscriptionStore } from '../../../src/adapters/cosmos/cosmos-subscription-store';
import { connect, Integration, newIntegration } from '../../../src/domain/integration';
import { rejection } from '../../support/app-errors';
import { subscriptionRecord } from '../../support/store-fixtures';
import { CosmosTestEnv, startCosmosTestEnv } from './cosmos-test-env';

const TENANT = '0f8fad5b-d9cb-469f-a165-70867728950e';
const OTHER_TENANT = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

let env: CosmosTestEnv;
let store: CosmosSubscriptionStore;

beforeAll(async () => {
  env = await startCosmosTestEnv('test-subscription-store');
  store = new CosmosSubscriptionStore(env.database);
});
afterAll(async () => {
  await env.close();
});

const record = subscriptionRecord;

describe('CosmosSubscriptionStore (graph-subscriptions, partitioned by subscription id)', () => {
  it('puts, point-reads (id = partition key = subscription id), replaces and deletes', async () => {
    const id = '5b7e8c1d-0000-4000-8000-000000000001';
    expect(await store.get(id)).toBeNull();
    await store.put(record(id));
    expect(await store.get(id)).toEqual(record(id));
    const { resource } = await env.database
      .container(SUBSCRIPTIONS_CONTAINER)
      .item(id, id)
      .read<Record<string, unknown>>();
    expect(resource).toMatchObject({ id, subscriptionId: id, tenantId: TENANT });
    await store.put(record(id, { expiresAt: '2027-01-20T10:00:00.000Z' }));
    expect((await store.get(id))?.expiresAt).toBe('2027-01-20T10:00:00.000Z');
    await store.delete(id);
    expect(await store.get(id)).toBeNull();
    await store.delete(id); // already gone: harmless
  });

  it('lists a tenant’s subscriptions, newest first, and only that tenant’s', async () => {
    const older = record('5b7e8c1d-0000-4000-8000-0000000000a1', { createdAt: '2026-11-20T10:00:00.000Z' });
    const newer = record('5b7e8c1d-0000-4000-8000-0000000000a2', { createdAt: '2026-11-26T10:00:00.000Z' });
    const other = record('5b7e8c1d-0000-4000-8000-0000000000a3', { tenantId: OTHER_TENANT });
    for (const r of [older, newer, other]) await store.put(r);
    expect(await store.forTenant(TENANT.toUpperCase())).toEqual([newer, older]);
    expect(await store.forTenant(OTHER_TENANT)).toEqual([other]);
    // A document of an older shape (per company) is skipped, not fatal.
    await env.database
      .container(SUBSCRIPTIONS_CONTAINER)
      .items.upsert({ id: 'legacy', subscriptionId: 'legacy', companyId: 'acme', tenantId: OTHER_TENANT });
    expect(await store.forTenant(OTHER_TENANT)).toEqual([other]);
    for (const r of [older, newer, other]) await store.delete(r.subscriptionId);
  });

  it('answers ids that cannot be stored with null, without a round trip', async () => {
    for (const id of ['', 'a/b', 'x?y', 'z'.repeat(300)]) expect(await store.get(id)).toBeNull();
  });

  it('refuses to write an invalid record, and reports a stored document that does not fit by field, not value', async () => {
    expect(
      (await rejection(store.put(record('5b7e8c1d-0000-4000-8000-0000000000ff', { clientStateHash: 'not-a-hash' }))))
        .code,
    ).toBe('internal_error');
    await env.database
      .container(SUBSCRIPTIONS_CONTAINER)
      .items.upsert({ id: 'broken', subscriptionId: 'broken', companyId: 'acme', clientStateHash: 'secretish' });
    const error = await rejection(store.get('broken'));
    expect(error.code).toBe('internal_error');
    expect(error.message).not.toContain('secretish');
  });
});

describe('CosmosIntegrationLister (the timers’ cross-partition scan)', () => {
  it('lists connected integrations of every company in pages, skipping others and documents that do not parse', async () => {
    const integrations = new CosmosIntegrationStore(env.database);
    const nowIso = '2026-11-27T10:00:00.000Z';
    const made: Integration[] = [];
    for (let i = 0; i < 23; i++) {
      const companyId = `company-${String(i).padStart(2, '0')}`;
      const connected = connect(newIntegration(companyId, nowIso), {
        tenantId: TENANT,
        admin: { subject: 's', email: null },
        nowIso,
        newConnectionId: `conn-${i}`,
      }).integration;
      made.push(i % 5 === 4 ? { ...connected, status: 'disconnected' } : connected);
    }
    for (const integration of made) await integrations.save(integration, null);
    await integrations.save(newIntegration('never', nowIso), null);
    // A document written before `subscription` existed still parses (the field defaults to null).
    const legacy = { ...made[0]!, companyId: 'legacy', id: 'legacy' } as Record<string, unknown>;
    delete legacy.subscription;
    await env.database.container(INTEGRATIONS_CONTAINER).items.create(legacy);
    await env.database
      .container(INTEGRATIONS_CONTAINER)
      .items.create({ id: 'broken', companyId: 'broken', status: 'connected' });

    const invalid: Array<string | null> = [];
    const pages: Integration[][] = [];
    for await (const page of new CosmosIntegrationLister(env.database).connected(5, (id) => invalid.push(id)))
      pages.push(page);
    const ids = pages
      .flat()
      .map((i) => i.companyId)
      .sort();
    const expected = [...made.filter((i) => i.status === 'connected').map((i) => i.companyId), 'legacy'].sort();
    expect(ids).toEqual(expected);
    expect(pages.every((p) => p.length <= 5)).toBe(true);
    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(invalid).toEqual(['broken']);
    expect(pages.flat().find((i) => i.companyId === 'legacy')?.subscription).toBeNull();

    // The webhook's fan-out: every connected company of one tenant, in company order.
    const ofTenant = await new CosmosIntegrationLister(env.database).connectedToTenant(TENANT.toUpperCase());
    expect(ofTenant.map((i) => i.companyId)).toEqual(expected);
    expect(await new CosmosIntegrationLister(env.database).connectedToTenant(OTHER_TENANT)).toEqual([]);
  });
});
