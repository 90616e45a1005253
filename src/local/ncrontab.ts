/**
 * Six-field NCRONTAB (`second minute hour day month day-of-week`), as the Azure Functions timer
 * trigger reads it: `*`, `a-b`, `a,b`, `*\/n`, `a-b/n`; day of week 0-6 with 0 = Sunday. Times
 * are UTC (the Functions default, WEBSITE_TIME_ZONE unset).
 */
const RANGES: ReadonlyArray<readonly [number, number]> = [
  [0, 59],
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

export interface Schedule {
  fields: ReadonlyArray<ReadonlySet<number>>;
}

export function parseSchedule(expression: string): Schedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6) throw new Error(`NCRONTAB needs 6 fields (second minute hour day month day-of-week): "${expression}"`);
  return { fields: parts.map((part, i) => parseField(part, RANGES[i] ?? [0, 0])) };
}

function parseField(field: string, [min, max]: readonly [number, number]): Set<number> {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const [rangePart, stepPart] = item.split('/');
    const step = stepPart === undefined ? 1 : Number(stepPart);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in "${field}"`);
    let from: number;
    let to: number;
    if (rangePart === '*') {
      from = min;
      to = max;
    } else if (rangePart?.includes('-')) {
      const [a, b] = rangePart.split('-').map(Number);
      from = a ?? NaN;
      to = b ?? NaN;
    } else {
      from = Number(rangePart);
      to = stepPart === undefined ? from : max;
    }
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < min || to > max || from > to) throw new Error(`value out of range in "${field}" (${min}-${max})`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** The first occurrence strictly after `after`. */
export function nextOccurrence(schedule: Schedule, after: Date): Date {
  const [seconds, minutes, hours, days, months, weekdays] = schedule.fields as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  // Bounded search: at most ~5 years of days, then minutes and seconds within a matching day.
  for (let guard = 0; guard < 2000; guard++) {
    if (!months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0);
      continue;
    }
    if (!days.has(t.getUTCDate()) || !weekdays.has(t.getUTCDay())) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0);
      continue;
    }
    const found = firstTimeInDay(t, hours, minutes, seconds);
    if (found) return found;
    t.setUTCDate(t.getUTCDate() + 1);
    t.setUTCHours(0, 0, 0);
  }
  throw new Error('schedule has no occurrence within five years');
}

function firstTimeInDay(from: Date, hours: Set<number>, minutes: Set<number>, seconds: Set<number>): Date | null {
  for (let h = from.getUTCHours(); h < 24; h++) {
    if (!hours.has(h)) continue;
    const m0 = h === from.getUTCHours() ? from.getUTCMinutes() : 0;
    for (let m = m0; m < 60; m++) {
      if (!minutes.has(m)) continue;
      const s0 = h === from.getUTCHours() && m === from.getUTCMinutes() ? from.getUTCSeconds() : 0;
      for (let s = s0; s < 60; s++) {
        if (seconds.has(s)) {
          const d = new Date(from);
          d.setUTCHours(h, m, s, 0);
          return d;
        }
      }
    }
  }
  return null;
}

/**
 * Azure Functions reads a timer schedule written as `%NAME%` from the app setting NAME. The local
 * host does the same from its environment, falling back to `defaults` (the validated config's
 * values); a schedule naming a setting that is set nowhere is an error naming it.
 */
export function resolveScheduleSetting(schedule: string, env: Readonly<Record<string, string | undefined>>, defaults: Readonly<Record<string, string>> = {}): string {
  const setting = /^%([A-Za-z0-9_]+)%$/.exec(schedule.trim())?.[1];
  if (setting === undefined) return schedule;
  const value = env[setting]?.trim() || defaults[setting];
  if (value === undefined || value === '') throw new Error(`The timer schedule ${schedule} names the app setting ${setting}, which is not set.`);
  return value;
}
