/**
 * The one error type of the application. Every expected failure carries a stable machine code;
 * the HTTP layer maps codes to statuses in one place (src/http/problem.ts).
 */
export const ERROR_CODES = [
  'validation_failed',
  'payload_too_large',
  'unsupported_media_type',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'precondition_failed',
  'not_connected',
  'not_merged',
  'undo_expired',
  'invalid_state',
  'expired_state',
  'replayed_state',
  'consent_declined',
  'consent_failed',
  'sign_in_failed',
  'invalid_id_token',
  'consent_revoked',
  'group_permission_missing',
  'not_a_preview',
  'preview_not_ready',
  'directory_delta_reset',
  'directory_throttled',
  'directory_invalid_response',
  'subscription_rejected',
  'dependency_unavailable',
  'configuration_invalid',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `exclude.guests` or `ids.3`. */
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly errors: readonly FieldProblem[] | undefined;
  /** Machine-readable details for callers inside the app (never sent to HTTP clients). */
  readonly meta: Readonly<Record<string, string | number | null>>;

  constructor(code: ErrorCode, message: string, options?: { errors?: readonly FieldProblem[]; cause?: unknown; meta?: Record<string, string | number | null> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.errors = options?.errors;
    this.meta = options?.meta ?? {};
  }
}

export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
