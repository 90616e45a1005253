import type { Clock, Scheduler as WaitScheduler } from '../../src/ports/clock.port';
import type { Scheduler as TimerScheduler } from '../../src/local/scheduler';

interface Timer {
  at: number;
  order: number;
  callback: () => void;
}

/** Lets promise callbacks and I/O callbacks that are already due run (one event-loop turn; not a sleep). */
export const nextTurn = () =>
  new Promise<void>((resolve) => {
    setImmediate(resolve);
  });

/**
 * A clock and a scheduler that only move when the test says so: `advance(ms)` fires the timers
 * that fall due, in time order, letting promise callbacks run between them.
 *
 * It serves both kinds of waiting code: timers (`setTimeout`/`clearTimeout`: the in-process
 * broker, the local host's timer loop, the Entra simulator) and the application's `sleep` (a Graph
 * `Retry-After`, a Cosmos backoff), which moves this time forward as if the wait had happened.
 */
export class ManualTime implements Clock, TimerScheduler, WaitScheduler {
  private current: number;
  private timers = new Map<object, Timer>();
  private order = 0;

  constructor(start = new Date('2030-01-01T00:00:00.000Z')) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = {};
    this.timers.set(handle, { at: this.current + Math.max(0, ms), order: (this.order += 1), callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'object' && handle !== null) this.timers.delete(handle);
  }

  /**
   * The application's wait: moves time forward by `ms` (firing what falls due meanwhile) and
   * resolves. Meant for one waiter at a time — two concurrent sleeps each move the clock.
   */
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw new DOMException('The operation was aborted', 'AbortError');
    await this.advance(Math.max(0, ms));
  }

  /** Timers waiting to fire. */
  pending(): number {
    return this.timers.size;
  }

  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await nextTurn();
      const next = this.earliest();
      if (next === undefined || next[1].at > target) break;
      this.fire(next);
    }
    this.current = target;
    await nextTurn();
  }

  /** Moves the clock to the earliest timer and fires it; false when no timer is waiting. */
  fireNext(): boolean {
    const next = this.earliest();
    if (next === undefined) return false;
    this.fire(next);
    return true;
  }

  /**
   * Runs until `done()` holds: lets ready work run, and only when nothing else happens jumps to
   * the next timer. "Nothing else happens" is `settle()` resolving when given (e.g. a broker's
   * `whenIdle`, for handlers that do real I/O); otherwise up to `turns` event-loop turns (enough
   * for handlers that only await promises).
   */
  async runUntil(
    done: () => boolean,
    { turns = 50, maxJumps = 1_000, settle }: { turns?: number; maxJumps?: number; settle?: () => Promise<void> } = {},
  ): Promise<void> {
    for (let jump = 0; jump <= maxJumps; jump += 1) {
      if (settle) await settle();
      for (let turn = 0; turn < turns; turn += 1) {
        if (done()) return;
        await nextTurn();
      }
      if (done()) return;
      this.fireNext();
    }
    throw new Error(`ManualTime.runUntil: not done after ${maxJumps} timer jumps`);
  }

  private fire([handle, timer]: [object, Timer]): void {
    this.timers.delete(handle);
    this.current = Math.max(this.current, timer.at);
    timer.callback();
  }

  private earliest(): [object, Timer] | undefined {
    let best: [object, Timer] | undefined;
    for (const entry of this.timers) {
      if (
        best === undefined ||
        entry[1].at < best[1].at ||
        (entry[1].at === best[1].at && entry[1].order < best[1].order)
      )
        best = entry;
    }
    return best;
  }
}
