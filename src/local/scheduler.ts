/**
 * Time as an input for code that waits (the in-process broker): a clock to read and a scheduler
 * to wait with. Production passes the real ones; tests pass a manual one and advance it
 * (test/local/queue/manual-time.ts), so nothing sleeps and nothing depends on how busy the
 * machine is.
 */

export interface Scheduler {
  /** Calls `callback` once, `ms` from now; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers; the largest delay Node accepts is about 24.8 days, so longer waits are capped (and re-armed by the caller). */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

export const realScheduler: Scheduler = {
  setTimeout: (callback, ms) => setTimeout(callback, Math.min(Math.max(0, ms), MAX_TIMER_DELAY_MS)),
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
