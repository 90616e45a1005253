import { nextOccurrence, parseSchedule } from '../../src/local/ncrontab';

const next = (expr: string, after: string) => nextOccurrence(parseSchedule(expr), new Date(after)).toISOString();

describe('NCRONTAB', () => {
  it.each([
    ['0 */5 * * * *', '2026-11-27T10:03:10.000Z', '2026-11-27T10:05:00.000Z'],
    ['0 */5 * * * *', '2026-11-27T10:05:00.000Z', '2026-11-27T10:10:00.000Z'],
    ['*/30 * * * * *', '2026-11-27T10:00:29.500Z', '2026-11-27T10:00:30.000Z'],
    ['0 0 */6 * * *', '2026-11-27T13:00:00.000Z', '2026-11-27T18:00:00.000Z'],
    ['0 30 9 * * 1-5', '2026-11-27T10:00:00.000Z', '2026-11-30T09:30:00.000Z'],
    ['0 0 3 * * 0', '2026-11-27T10:00:00.000Z', '2026-11-29T03:00:00.000Z'],
    ['0 0 0 1 1 *', '2026-11-27T10:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['0 15,45 * * * *', '2026-11-27T23:50:00.000Z', '2026-11-28T00:15:00.000Z'],
  ])('%s after %s → %s', (expr, after, expected) => {
    expect(next(expr, after)).toBe(expected);
  });

  it.each(['* * * * *', '0 0 25 * * *', '0 */0 * * * *', '0 0 0 31-1 * *', 'a * * * * *'])('rejects %s', (expr) => {
    expect(() => parseSchedule(expr)).toThrow();
  });
});
