import { HttpResponseInit } from '@azure/functions';
import { AppError, ErrorCode, FieldProblem } from '../domain/app-error';

/** The one place where error codes become HTTP statuses. */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  validation_failed: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  precondition_failed: 412,
  not_connected: 409,
  not_merged: 409,
  undo_expired: 409,
  invalid_state: 400,
  expired_state: 400,
  replayed_state: 400,
  consent_declined: 400,
  consent_failed: 400,
  sign_in_failed: 502,
  invalid_id_token: 502,
  consent_revoked: 409,
  group_permission_missing: 409,
  not_a_preview: 409,
  preview_not_ready: 409,
  directory_delta_reset: 502,
  directory_throttled: 503,
  directory_invalid_response: 502,
  subscription_rejected: 502,
  dependency_unavailable: 503,
  configuration_invalid: 500,
  internal_error: 500,
};

const TITLE_BY_STATUS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function statusOf(code: ErrorCode): number {
  return STATUS_BY_CODE[code];
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: readonly FieldProblem[];
  instance?: string;
}

export function problem(code: ErrorCode, detail: string, extra?: { errors?: readonly FieldProblem[]; instance?: string; headers?: Record<string, string> }): HttpResponseInit {
  const status = statusOf(code);
  const body: ProblemDocument = {
    type: `https://docs.symbolsecurity.com/problems/${code.replace(/_/g, '-')}`,
    title: TITLE_BY_STATUS[status] ?? 'Error',
    status,
    detail,
    code,
    ...(extra?.errors && extra.errors.length > 0 ? { errors: extra.errors } : {}),
    ...(extra?.instance ? { instance: extra.instance } : {}),
  };
  const headers: Record<string, string> = { 'content-type': 'application/problem+json', ...extra?.headers };
  if (status === 401) headers['www-authenticate'] = 'Bearer';
  return { status, headers, jsonBody: body };
}

export function problemFromError(error: AppError, instance?: string): HttpResponseInit {
  // 5xx details never carry internal messages: only the code and a generic sentence.
  const detail = statusOf(error.code) >= 500 ? 'The request could not be completed. Try again later.' : error.message;
  return problem(error.code, detail, { ...(error.errors ? { errors: error.errors } : {}), ...(instance ? { instance } : {}) });
}
