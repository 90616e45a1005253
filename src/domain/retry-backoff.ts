import { ErrorCode } from './app-error';

/**
 * When a sync job fails for a reason that may pass (Graph throttling or outage beyond the
 * client's in-run retries, Cosmos busy or unreachable, a lost connection), the worker does not
 * hand the message back to Service Bus — which would redeliver it at once, and after ten quick
 * failures dead-letter it. It completes the message and schedules a retry of the run on the same
 * session, later each time:
 *
 *   retry 1 ≈ 30 s, 2 ≈ 1 min, 3 ≈ 2 min, 4 ≈ 4 min, 5 ≈ 8 min, 6–8 ≈ 15 min (the cap)
 *
 * each ±20 % (jitter, so companies that failed together do not retry together), about an hour
 * in all. After the last retry the run is marked failed. Failures that cannot pass (revoked
 * consent, our own configuration, a bug) fail the run on the first delivery.
 */

export const RETRY_BASE_MS = 30_000;
export const RETRY_CAP_MS = 15 * 60_000;
/** Retries of one run after transient failures; the failure after the last one is final. */
export const MAX_TRANSIENT_RETRIES = 8;
/** ± share of each delay that jitter may move it by. */
export const RETRY_JITTER = 0.2;

/**
 * Codes of failures that may pass by themselves: worth a later retry. `precondition_failed` is a
 * write that lost a race on the sync state (a redelivery overlapping a slow invocation): a later
 * attempt reads the state again.
 */
const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set([
  'directory_throttled',
  'dependency_unavailable',
  'precondition_failed',
]);

export type FailureKind = 'transient' | 'permanent';

/** Whether a failure with this code is worth retrying later (anything not known to pass is permanent). */
export function failureKind(code: ErrorCode): FailureKind {
  return TRANSIENT_CODES.has(code) ? 'transient' : 'permanent';
}

/**
 * The wait before retry number `retry` (1-based): 30 s doubled per retry, capped at 15 min, moved
 * by up to ±20 % by `jitter` (a number in [0, 1); 0.5 means no change). Pure: the caller supplies
 * the jitter (the worker derives it from the run id and the retry number, so a redelivered
 * message computes the same time).
 */
export function retryDelayMs(retry: number, jitter: number): number {
  if (!Number.isInteger(retry) || retry < 1) throw new RangeError('retry must be an integer ≥ 1');
  if (!(jitter >= 0 && jitter < 1)) throw new RangeError('jitter must be in [0, 1)');
  const nominal = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (retry - 1));
  const factor = 1 - RETRY_JITTER + 2 * RETRY_JITTER * jitter;
  return Math.min(RETRY_CAP_MS, Math.round(nominal * factor));
}

/** The longest Graph `Retry-After` a scheduled retry waits for (a longer one is capped). */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;

/**
 * The wait before a scheduled retry: the backoff, or Graph's own `Retry-After` when it asks for
 * longer (the client only waits for short ones inside an invocation), capped at an hour.
 */
export function retryWaitMs(retry: number, jitter: number, retryAfterSeconds: number | null): number {
  const backoff = retryDelayMs(retry, jitter);
  if (retryAfterSeconds === null || !Number.isFinite(retryAfterSeconds) || retryAfterSeconds <= 0) return backoff;
  return Math.max(backoff, Math.min(MAX_RETRY_AFTER_MS, Math.ceil(retryAfterSeconds * 1000)));
}

/** Whether a run that has already been retried `retriesSoFar` times may be retried again. */
export function mayRetry(retriesSoFar: number): boolean {
  return retriesSoFar < MAX_TRANSIENT_RETRIES;
}
