import { systemClock, systemScheduler } from '../../../src/adapters/time/system-time';

/**
 * The production clock and scheduler: the only waits in the suite that use real timers, and they
 * wait 0 ms (the tests of everything else answer waits with a TestScheduler).
 */
describe('system time', () => {
  it('the clock reads the system time', () => {
    const before = Date.now();
    const now = systemClock.now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it('the scheduler resolves after the wait, and an aborted wait rejects (AbortError)', async () => {
    await expect(systemScheduler.sleep(0)).resolves.toBeUndefined();
    await expect(systemScheduler.sleep(-5)).resolves.toBeUndefined();
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(systemScheduler.sleep(60_000, controller.signal)).rejects.toMatchObject({ name: 'AbortError' });
  });
});
