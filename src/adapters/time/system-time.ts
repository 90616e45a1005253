import { setTimeout as delay } from 'node:timers/promises';
import type { Clock, Scheduler } from '../../ports/clock.port';

/** The production clock and scheduler: the system's time and timers. */
export const systemClock: Clock = { now: () => new Date() };

export const systemScheduler: Scheduler = {
  sleep: (ms, signal) => delay(Math.max(0, ms), undefined, signal ? { signal } : undefined),
};
