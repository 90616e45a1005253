import { LastSync } from './integration';
import { SyncMode } from './sync-job';
import { SyncState } from './sync-state';

/**
 * The timers' pure rules: whether a company already has a sync on its way, whether its next
 * reconciliation is a full round, and where in the spread window its job lands.
 */

/** A queued or running run younger than this is "on its way"; an older one is presumed lost. */
export const UNDERWAY_FOR_MS = 2 * 60 * 60 * 1000;

export function syncUnderway(lastSync: LastSync | null, nowMs: number): boolean {
  if (lastSync === null || (lastSync.status !== 'queued' && lastSync.status !== 'running')) return false;
  const queuedAt = Date.parse(lastSync.queuedAt);
  return !Number.isNaN(queuedAt) && nowMs - queuedAt < UNDERWAY_FOR_MS;
}

/**
 * Full when the company's last full round (of this connection) is older than `fullRoundDays`, or
 * there never was one: the weekly full round re-reads everyone and sweeps users the deltas missed.
 */
export function reconcileMode(state: SyncState | null, connectionId: string, nowMs: number, fullRoundDays: number): SyncMode {
  if (state === null || state.connectionId !== connectionId || state.deltaLink === null || state.lastFullRoundAt === null) return 'full';
  const last = Date.parse(state.lastFullRoundAt);
  return Number.isNaN(last) || nowMs - last >= fullRoundDays * 24 * 60 * 60 * 1000 ? 'full' : 'delta';
}

/** Offset into the spread window from a uniformly distributed integer (a hash of the job's id). */
export function spreadOffsetMs(uniform: number, spreadMs: number): number {
  if (spreadMs <= 0) return 0;
  return Math.abs(Math.trunc(uniform)) % spreadMs;
}
