import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineTimerFunction } from '../../src/app/function-registry';
import { startLocalHost } from '../../src/local/local-host';
import { resolveScheduleSetting } from '../../src/local/ncrontab';
import { InProcessBroker } from '../../src/local/queue/in-process-broker';
import { ManualTime } from '../support/manual-time';
import { createTestHarness } from '../support/test-services';

describe('`%NAME%` timer schedules (app settings, as Azure Functions resolves them)', () => {
  it.each([
    ['a literal schedule stays as written', '0 */5 * * * *', {}, {}, '0 */5 * * * *'],
    ['the environment wins', '%SYNC_RECONCILE_SCHEDULE%', { SYNC_RECONCILE_SCHEDULE: '0 30 * * * *' }, { SYNC_RECONCILE_SCHEDULE: '0 0 */6 * * *' }, '0 30 * * * *'],
    ['the default when the setting is missing', '%SYNC_RECONCILE_SCHEDULE%', {}, { SYNC_RECONCILE_SCHEDULE: '0 0 */6 * * *' }, '0 0 */6 * * *'],
    ['the default when the setting is blank', ' %SYNC_RECONCILE_SCHEDULE% ', { SYNC_RECONCILE_SCHEDULE: '  ' }, { SYNC_RECONCILE_SCHEDULE: '0 0 */6 * * *' }, '0 0 */6 * * *'],
  ])('%s', (_name, schedule, env, defaults, expected) => {
    expect(resolveScheduleSetting(schedule, env, defaults)).toBe(expected);
  });

  it('names a setting that is set nowhere', () => {
    expect(() => resolveScheduleSetting('%NOPE_SCHEDULE%', {})).toThrow('NOPE_SCHEDULE');
  });

  it('the local host runs a `%NAME%` timer on the resolved schedule, and refuses to start with a bad one', async () => {
    const h = await createTestHarness();
    const time = new ManualTime(new Date('2030-01-01T00:00:00.000Z'));
    const ticks: string[] = [];
    const fromSetting = defineTimerFunction({ name: 'test-from-setting', schedule: '%TEST_TICK_SCHEDULE%', handle: () => Promise.resolve(void ticks.push(time.now().toISOString())) });
    const broker = new InProcessBroker({ clock: time, scheduler: time, stateFile: join(mkdtempSync(join(tmpdir(), 'timer-')), 'q.json') });
    const host = await startLocalHost({ host: '127.0.0.1', port: 0, services: h.services, broker, functions: [fromSetting], log: () => undefined, settings: {}, scheduleDefaults: { TEST_TICK_SCHEDULE: '*/30 * * * * *' }, clock: time, scheduler: time });
    try {
      // The default's schedule (every 30 s), not some other one.
      await time.advance(29_999);
      expect(ticks).toEqual([]);
      await time.advance(31_000);
      expect(ticks).toEqual(['2030-01-01T00:00:30.000Z', '2030-01-01T00:01:00.000Z']);
    } finally {
      await host.close();
    }
    await expect(startLocalHost({ host: '127.0.0.1', port: 0, services: h.services, broker, functions: [fromSetting], log: () => undefined, settings: { TEST_TICK_SCHEDULE: '0 0 25 * * *' } })).rejects.toThrow(/test-from-setting/);
    await expect(startLocalHost({ host: '127.0.0.1', port: 0, services: h.services, broker, functions: [fromSetting], log: () => undefined, settings: {} })).rejects.toThrow(/TEST_TICK_SCHEDULE/);
    await broker.close();
  });
});
