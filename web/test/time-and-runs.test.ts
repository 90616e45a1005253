import { describe, expect, it } from 'vitest';
import { isFinished, pollDelay, runSummary } from '../src/logic/runs';
import { formatAge, formatDuration, isStale } from '../src/logic/time';

const NOW = Date.parse('2026-11-27T12:00:00.000Z');

describe('ages and durations', () => {
  it.each([
    [null, 'never'],
    ['2026-11-27T11:59:30.000Z', 'just now'],
    ['2026-11-27T11:59:00.000Z', '1 minute ago'],
    ['2026-11-27T11:15:00.000Z', '45 minutes ago'],
    ['2026-11-27T09:00:00.000Z', '3 hours ago'],
    ['2026-11-26T11:00:00.000Z', '1 day ago'],
    ['2026-09-01T12:00:00.000Z', '2 months ago'],
    ['2026-11-27T12:05:00.000Z', 'just now'],
    ['not a date', 'unknown'],
  ])('%s → %s', (iso, text) => {
    expect(formatAge(iso, NOW)).toBe(text);
  });

  it('formats durations', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(12_340)).toBe('12.3 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });

  it('calls a sync stale after a day without one', () => {
    expect(isStale(null, NOW)).toBe(true);
    expect(isStale('2026-11-27T00:00:00.000Z', NOW)).toBe(false);
    expect(isStale('2026-11-26T11:00:00.000Z', NOW)).toBe(true);
  });
});

describe('runs', () => {
  it('knows when a run is over', () => {
    expect(['queued', 'running'].map(isFinished)).toEqual([false, false]);
    expect(['succeeded', 'failed', 'held'].map(isFinished)).toEqual([true, true, true]);
  });

  it('sums a run up in words, skipping zeros', () => {
    expect(runSummary({ scanned: 300, newPending: 120, updated: 0, held: 2 })).toBe('120 new, 2 held');
    expect(runSummary({ scanned: 5 })).toBe('no changes');
  });

  it('asks less often the longer a run takes', () => {
    expect(pollDelay(0)).toBe(1000);
    expect(pollDelay(60_000)).toBe(3000);
    expect(pollDelay(10 * 60_000)).toBe(10_000);
  });
});
