import { setTimeout as delay } from 'node:timers/promises';

const POLL_INTERVAL_MS = 50;

/**
 * The one poll of the test suite, for what happens in another process or server (the local stack
 * in a child process, a notification the simulated tenant delivers over HTTP): asks `probe` until
 * it returns something other than undefined. The timeout only stops a test that would otherwise
 * hang — it is generous, and nothing asserts how long the wait took. Code of our own that waits
 * takes an injected clock or scheduler instead, and its tests advance time.
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
