import { setTimeout as delay } from 'node:timers/promises';

const POLL_INTERVAL_MS = 50;

/**
 * The one poll of the test suite, for what happens in another process: `npm start`'s stack in a
 * child process (the end-to-end and browser tests). Asks `probe` until it returns something other
 * than undefined. The timeout only stops a test that would otherwise hang — it is generous, and
 * nothing asserts how long the wait took. Code of our own that waits takes an injected clock or
 * scheduler instead (test-time.ts, manual-time.ts), and its tests advance time; what runs in the
 * test's own process says when it is done (the broker's and the simulated tenant's `whenIdle`).
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(POLL_INTERVAL_MS);
  }
}
