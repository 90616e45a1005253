import { CosmosIntegrationStore } from '../../../src/adapters/cosmos/cosmos-integration-store';
import { INTEGRATIONS_CONTAINER, SYNC_STATE_CONTAINER } from '../../../src/adapters/cosmos/cosmos-schema';
import { CosmosSyncStateStore } from '../../../src/adapters/cosmos/cosmos-sync-state-store';
import { startRound } from '../../../src/domain/sync-round';
import { rejection } from '../../support/app-errors';
import { integration, syncState } from '../../support/store-fixtures';
import { CosmosTestEnv, startCosmosTestEnv } from './cosmos-test-env';

/**
 * What only the Cosmos side of the one-document-per-company stores shows (their behaviour is the
 * IntegrationStore and SyncStateStore contracts in test/contracts): the document's id, and what
 * happens to documents that do not fit the schema.
 */

let env: CosmosTestEnv;
let integrations: CosmosIntegrationStore;
let syncStates: CosmosSyncStateStore;

beforeAll(async () => {
  env = await startCosmosTestEnv('test-company-documents');
  integrations = new CosmosIntegrationStore(env.database);
  syncStates = new CosmosSyncStateStore(env.database);
});
afterAll(async () => {
  await env.close();
});

describe('Cosmos company documents (integrations, sync-state)', () => {
  it('store one document per company whose id is the company id', async () => {
    await integrations.save(integration('acme'), null);
    await syncStates.save(syncState('acme'), null);
    for (const container of [INTEGRATIONS_CONTAINER, SYNC_STATE_CONTAINER]) {
      const { resource } = await env.database
        .container(container)
        .item('acme', 'acme')
        .read<{ id: string; companyId: string }>();
      expect(resource).toMatchObject({ id: 'acme', companyId: 'acme' });
    }
  });

  it.each([
    [INTEGRATIONS_CONTAINER, () => integration('x'), (id: string) => integrations.get(id)],
    [SYNC_STATE_CONTAINER, () => syncState('x'), (id: string) => syncStates.get(id)],
  ])(
    '%s: a stored document of the wrong shape is internal_error, without its content in the message',
    async (container, sample, get) => {
      await env.database
        .container(container)
        .items.create({ ...sample(), companyId: 'corrupt-1', id: 'corrupt-1', updatedAt: 'secret-value' });
      await env.database
        .container(container)
        .items.create({ ...sample(), companyId: 'corrupt-2', id: 'corrupt-2', leakedField: 'secret-extra-value' });
      for (const companyId of ['corrupt-1', 'corrupt-2']) {
        const error = await rejection(get(companyId));
        expect(error.code).toBe('internal_error');
        expect(error.message).toContain(container);
        expect(error.message).not.toMatch(/secret|leakedField/);
      }
    },
  );

  it('reads a round checkpointed before `firstImport` existed (with `sweep`) as the same round', async () => {
    const round = startRound({
      runId: 'run-1',
      roundId: 'round-1',
      mode: 'full',
      firstImport: true,
      nowIso: '2026-11-27T10:00:00.000Z',
    });
    const { firstImport: _, ...legacyRound } = round;
    await env.database
      .container(SYNC_STATE_CONTAINER)
      .items.create({ ...syncState('legacy-1'), id: 'legacy-1', round: { ...legacyRound, sweep: false } });
    await env.database
      .container(SYNC_STATE_CONTAINER)
      .items.create({ ...syncState('legacy-2'), id: 'legacy-2', round: { ...legacyRound, sweep: true } });
    expect((await syncStates.get('legacy-1'))?.value).toEqual(syncState('legacy-1', { round }));
    expect((await syncStates.get('legacy-2'))?.value.round).toEqual({ ...round, firstImport: false });
  });
});
