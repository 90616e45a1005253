import { CosmosNotificationLog } from '../../../src/adapters/cosmos/cosmos-notification-log';
import { CosmosTestEnv, startCosmosTestEnv } from './cosmos-test-env';

describe('CosmosNotificationLog (real client, local Cosmos server)', () => {
  let env: CosmosTestEnv;
  let log: CosmosNotificationLog;
  beforeAll(async () => {
    env = await startCosmosTestEnv('notification-log-test');
    log = new CosmosNotificationLog(env.database);
  });
  afterAll(async () => {
    await env.close();
  });

  it('remembers sent messages per company, with ids Cosmos could not store as they are', async () => {
    const id = 'new-pending:run/1?#x';
    expect(await log.wasSent('acme', id)).toBe(false);
    await log.markSent('acme', id, '2026-11-27T10:00:00.000Z');
    await log.markSent('acme', id, '2026-11-27T10:00:01.000Z');
    expect(await log.wasSent('acme', id)).toBe(true);
    expect(await log.wasSent('globex', id)).toBe(false);
    const { resources } = await env.database.container('notification-log').items.readAll<{ ttl: number }>().fetchAll();
    expect(resources).toHaveLength(1);
    expect(resources[0]?.ttl).toBe(14 * 24 * 3600);
  });
});
