import type { Clock } from '../../../src/ports/clock.port';
import type { Scheduler } from '../../../src/local/scheduler';

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
 */
export class ManualTime implements Clock, Scheduler {
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
      this.timers.delete(next[0]);
      this.current = next[1].at;
      next[1].callback();
    }
    this.current = target;
    await nextTurn();
  }

  /**
   * Runs until `done()` holds: lets ready work run (up to `turns` event-loop turns, so handlers
   * that await a few times finish first), and only when nothing else happens jumps to the next timer.
   */
  async runUntil(done: () => boolean, { turns = 50, maxJumps = 1_000 } = {}): Promise<void> {
    for (let jump = 0; jump <= maxJumps; jump += 1) {
      for (let turn = 0; turn < turns; turn += 1) {
        if (done()) return;
        await nextTurn();
      }
      if (done()) return;
      const next = this.earliest();
      if (next === undefined) continue;
      this.timers.delete(next[0]);
      this.current = Math.max(this.current, next[1].at);
      next[1].callback();
    }
    throw new Error(`ManualTime.runUntil: not done after ${maxJumps} timer jumps`);
  }

  private earliest(): [object, Timer] | undefined {
    let best: [object, Timer] | undefined;
    for (const entry of this.timers) {
      if (best === undefined || entry[1].at < best[1].at || (entry[1].at === best[1].at && entry[1].order < best[1].order)) best = entry;
    }
    return best;
  }
}
