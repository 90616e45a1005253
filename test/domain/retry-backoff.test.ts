import {
  failureKind,
  MAX_TRANSIENT_RETRIES,
  mayRetry,
  MAX_RETRY_AFTER_MS,
  RETRY_CAP_MS,
  retryDelayMs,
  retryWaitMs,
} from '../../src/domain/retry-backoff';

describe('the retry schedule (pure)', () => {
  it.each([
    [1, 30_000],
    [2, 60_000],
    [3, 120_000],
    [4, 240_000],
    [5, 480_000],
    [6, 900_000],
    [7, 900_000],
    [8, 900_000],
  ])('retry %i waits %i ms without jitter (jitter 0.5)', (retry, ms) => {
    expect(retryDelayMs(retry, 0.5)).toBe(ms);
  });

  it('jitter moves a delay by at most ±20 %, never past the 15-minute cap', () => {
    expect(retryDelayMs(1, 0)).toBe(24_000);
    expect(retryDelayMs(1, 0.999999)).toBe(36_000);
    expect(retryDelayMs(3, 0.25)).toBe(108_000);
    for (let retry = 1; retry <= 12; retry++) {
      for (const jitter of [0, 0.1, 0.5, 0.9, 0.999]) {
        const nominal = Math.min(RETRY_CAP_MS, 30_000 * 2 ** (retry - 1));
        const delay = retryDelayMs(retry, jitter);
        expect(delay).toBeGreaterThanOrEqual(Math.round(nominal * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.min(RETRY_CAP_MS, Math.round(nominal * 1.2)));
      }
    }
  });

  it('never shrinks from one retry to the next for the same jitter', () => {
    for (const jitter of [0, 0.5, 0.99]) {
      const delays = Array.from({ length: MAX_TRANSIENT_RETRIES }, (_, i) => retryDelayMs(i + 1, jitter));
      expect([...delays].sort((a, b) => a - b)).toEqual(delays);
    }
  });

  it('allows a bounded number of retries', () => {
    expect(MAX_TRANSIENT_RETRIES).toBe(8);
    expect(mayRetry(0)).toBe(true);
    expect(mayRetry(MAX_TRANSIENT_RETRIES - 1)).toBe(true);
    expect(mayRetry(MAX_TRANSIENT_RETRIES)).toBe(false);
  });

  it('refuses inputs outside its domain', () => {
    expect(() => retryDelayMs(0, 0.5)).toThrow(RangeError);
    expect(() => retryDelayMs(1.5, 0.5)).toThrow(RangeError);
    expect(() => retryDelayMs(1, 1)).toThrow(RangeError);
    expect(() => retryDelayMs(1, -0.1)).toThrow(RangeError);
    expect(() => retryDelayMs(1, Number.NaN)).toThrow(RangeError);
  });

  it.each([
    ['directory_throttled', 'transient'],
    ['dependency_unavailable', 'transient'],
    ['precondition_failed', 'transient'],
    ['consent_revoked', 'permanent'],
    ['configuration_invalid', 'permanent'],
    ['directory_invalid_response', 'permanent'],
    ['validation_failed', 'permanent'],
    ['internal_error', 'permanent'],
    ['not_found', 'permanent'],
  ] as const)('%s is %s', (code, kind) => {
    expect(failureKind(code)).toBe(kind);
  });

  it("waits for Graph's Retry-After when it asks for longer than the backoff, capped at an hour", () => {
    expect(retryWaitMs(1, 0.5, null)).toBe(30_000);
    expect(retryWaitMs(1, 0.5, 10)).toBe(30_000);
    expect(retryWaitMs(1, 0.5, 120)).toBe(120_000);
    expect(retryWaitMs(1, 0.5, 90.2)).toBe(90_200);
    expect(retryWaitMs(6, 0.5, 300)).toBe(900_000);
    expect(retryWaitMs(2, 0.5, 86_400)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryWaitMs(2, 0.5, -5)).toBe(60_000);
    expect(retryWaitMs(2, 0.5, Number.NaN)).toBe(60_000);
  });
});
