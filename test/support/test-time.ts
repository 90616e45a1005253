import type { Clock, Scheduler } from '../../src/ports/clock.port';

/** A clock tests move by hand. */
export class TestClock implements Clock {
  constructor(private current: Date = new Date('2026-11-27T10:00:00.000Z')) {}

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/**
 * A scheduler that never waits: each `sleep` is recorded and, when it has a clock, moves that
 * clock forward by the time asked for — as if the wait had happened, in no time at all.
 */
export class TestScheduler implements Scheduler {
  readonly waits: number[] = [];

  constructor(private readonly clock?: TestClock) {}

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new DOMException('The operation was aborted', 'AbortError'));
    this.waits.push(ms);
    this.clock?.advance(ms);
    return Promise.resolve();
  }
}
