/** The current time. Code never reads the system clock itself: tests move an injected one. */
export interface Clock {
  now(): Date;
}

/**
 * Waiting. Code that has to wait (a Retry-After, a backoff between attempts) asks the scheduler,
 * so tests can answer at once and check what was asked for, instead of sleeping.
 */
export interface Scheduler {
  /** Resolves after `ms` milliseconds; rejects early (an AbortError) when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
