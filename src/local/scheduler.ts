/**
 * Time as an input for local-stack code that waits (the in-process broker, the local host's
 * timers, the Entra simulator): a clock to read and a scheduler to wait with. Production passes the real ones; tests pass a manual one and advance it
 * (test/support/manual-time.ts), so nothing sleeps and nothing depends on how busy the
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

/**
 * Node's timers that never keep the process alive by themselves: for background work of a server
 * that is kept alive by its listening socket anyway (the local host's timer loop, the Entra
 * simulator's notification batches, retries and state-file debounce), so a caller that forgets
 * to close it does not hang the process.
 */
export const backgroundScheduler: Scheduler = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, Math.min(Math.max(0, ms), MAX_TIMER_DELAY_MS));
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
