import { loadConfig } from '../../src/config/config';
import { TEST_ENV } from '../support/test-services';
import { configProblems } from '../support/config-problems';

const problemsOf = configProblems;

describe('webhook and reconciliation settings', () => {
  it('default to a 10 s coalescing window, reconciliation every 6 hours spread over 30 minutes, a weekly full round', () => {
    const config = loadConfig(TEST_ENV);
    expect(config.webhooks).toEqual({ coalesceSeconds: 10 });
    expect(config.reconcile).toEqual({ schedule: '0 0 */6 * * *', spreadSeconds: 1800, fullRoundDays: 7 });
  });

  it('read overrides', () => {
    const config = loadConfig({ ...TEST_ENV, WEBHOOK_COALESCE_SECONDS: '30', SYNC_RECONCILE_SCHEDULE: '0 15 */4 * * *', SYNC_RECONCILE_SPREAD_SECONDS: '0', SYNC_FULL_ROUND_DAYS: '3' });
    expect(config.webhooks.coalesceSeconds).toBe(30);
    expect(config.reconcile).toEqual({ schedule: '0 15 */4 * * *', spreadSeconds: 0, fullRoundDays: 3 });
  });

  it.each([
    ['WEBHOOK_COALESCE_SECONDS', '0'],
    ['WEBHOOK_COALESCE_SECONDS', '601'],
    ['SYNC_RECONCILE_SCHEDULE', '0 */6 * * *'],
    ['SYNC_RECONCILE_SPREAD_SECONDS', '-1'],
    ['SYNC_FULL_ROUND_DAYS', 'weekly'],
  ])('names %s when it is %s', (name, value) => {
    expect(problemsOf({ ...TEST_ENV, [name]: value })).toEqual([name]);
  });
});
