import { GraphError } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { AppError, type ErrorCode } from '../../domain/app-error';
import { parseJson } from '../../shared/json';

/**
 * Microsoft Graph failures → AppErrors, in one place for every Graph client (delta pages and
 * subscriptions). Messages carry statuses and Graph's error codes, never user data or URLs.
 */

/** Statuses Graph (and the SDK's guidance) say to retry after a wait: throttled, unavailable, gateway timeout. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

/** Token errors meaning the app may no longer read the tenant (not installed, consent gone, app disabled, tenant gone). */
const CONSENT_GONE = /AADSTS(700016|7000229|7000112|90002|500011)\b/;
/** Token errors meaning our own app credential is wrong (secret invalid/expired, assertion refused): not the customer's doing. */
const OWN_CREDENTIAL_REFUSED = /AADSTS(7000215|7000222|700024|700027|70021)\b/;
const CLIENT_REFUSED = /\b(invalid_client|unauthorized_client)\b/;

const GraphErrorBodySchema = z.object({
  error: z.object({ code: z.string().optional(), message: z.string().optional() }),
});

/** What Graph answered, whatever the status. */
export interface GraphAnswer {
  status: number;
  text: string;
  headers: Headers;
}

/** Graph's own error code and message from an error body (`{ error: { code, message } }`). */
export function graphErrorOf(text: string): { code: string | null; message: string } {
  const body = GraphErrorBodySchema.safeParse(parseJson(text));
  return body.success
    ? { code: body.data.error.code ?? null, message: body.data.error.message ?? '' }
    : { code: null, message: '' };
}

/** `Retry-After` in seconds (delta-seconds or an HTTP date, read against `nowMs`); null when absent or unreadable. */
export function retryAfterSeconds(headers: Headers | undefined, nowMs: number): number | null {
  const value = headers?.get('retry-after')?.trim();
  if (value === undefined || value === '') return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - nowMs) / 1000));
}

export interface FailureContext {
  /** What was being done, for the message: "read a delta page", "renew a subscription". */
  what: string;
  nowMs: number;
  /** Operation-specific meanings, checked first (a 410 for delta, a 403 "limit" for subscriptions). */
  special?: (status: number, graphCode: string | null, graphMessage: string) => AppError | null;
  /** The code of a 4xx that nothing above explains (404/409 included unless `byStatus` says otherwise). */
  clientError: ErrorCode;
  byStatus?: Partial<Record<number, ErrorCode>>;
}

/** Maps a non-success answer: consent (401/403), throttling (429/503/504), Graph down (5xx), then the operation's own 4xx codes. */
export function answerFailure(answer: GraphAnswer, context: FailureContext): AppError {
  const { status } = answer;
  const graph = graphErrorOf(answer.text);
  const meta = { status, graphCode: graph.code };
  const label = `${status}${graph.code ? ` ${graph.code}` : ''}`;
  const special = context.special?.(status, graph.code, graph.message);
  if (special) return special;
  if (status === 401 || status === 403)
    return new AppError('consent_revoked', `Graph refused the app's access to the tenant (${label}).`, { meta });
  if (RETRYABLE_STATUSES.has(status)) {
    return new AppError(
      'directory_throttled',
      `Graph is throttling or unavailable (${status}) after the client's retries.`,
      {
        meta: { ...meta, retryAfterSeconds: retryAfterSeconds(answer.headers, context.nowMs) },
      },
    );
  }
  if (status >= 500) return new AppError('dependency_unavailable', `Graph answered ${status}.`, { meta });
  const code = context.byStatus?.[status] ?? context.clientError;
  return new AppError(code, `Graph could not ${context.what} (${label}).`, { meta });
}

/** Maps a failure to get an app-only token for the tenant. */
export function tokenFailure(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const aadsts = /AADSTS\d+/.exec(message)?.[0] ?? null;
  if (CONSENT_GONE.test(message)) {
    return new AppError('consent_revoked', `The tenant refused a token for the app (${aadsts ?? 'no AADSTS code'}).`, {
      cause: error,
      meta: { aadsts },
    });
  }
  if (OWN_CREDENTIAL_REFUSED.test(message)) {
    return new AppError(
      'configuration_invalid',
      `Entra refused the app's own credential (${aadsts ?? 'no AADSTS code'}).`,
      { cause: error, meta: { aadsts } },
    );
  }
  if (CLIENT_REFUSED.test(message)) {
    return new AppError(
      'consent_revoked',
      `The tenant refused a token for the app (${aadsts ?? 'invalid or unauthorized client'}).`,
      { cause: error, meta: { aadsts } },
    );
  }
  return new AppError('dependency_unavailable', 'No access token could be obtained for the tenant.', {
    cause: error,
    meta: { aadsts },
  });
}

/** A request that got no HTTP answer at all (refused, reset, TLS, timeout). */
export function unreachable(error: unknown): AppError {
  if (error instanceof AppError) return error;
  // With ResponseType.RAW every HTTP answer is returned; a GraphError means no answer at all:
  // statusCode -1 and `code` = the fetch error's name.
  if (error instanceof GraphError)
    return new AppError('dependency_unavailable', `Graph could not be reached (${error.code ?? 'network error'}).`, {
      cause: error,
    });
  return new AppError('dependency_unavailable', 'Graph request failed.', { cause: error });
}
