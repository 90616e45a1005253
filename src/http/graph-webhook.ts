import { HttpRequest, HttpResponseInit } from '@azure/functions';
import { AppError } from '../domain/app-error';
import { GraphNotificationBatch, GraphNotificationBatchSchema } from '../domain/graph-subscription';
import { readJsonBody } from './request';

/** What Graph's webhook calls share: the validation handshake and the bounded, validated body. */

/** Graph's tokens are a sentence and a GUID; anything far longer is not Graph's. */
export const MAX_VALIDATION_TOKEN_LENGTH = 1024;
/** Graph's batches are far smaller; anything bigger is refused before it is parsed. */
export const MAX_NOTIFICATION_BODY_BYTES = 1024 * 1024;

/**
 * `POST …?validationToken=…`: 200 with the (URL-decoded) token as `text/plain`, within Graph's
 * 10 s. The token is echoed as plain text with `nosniff` and a CSP that allows nothing, so a
 * crafted token can never render as HTML. Null when the request is not a handshake.
 */
export function validationHandshake(request: HttpRequest): HttpResponseInit | null {
  const token = request.query.get('validationToken');
  if (token === null) return null;
  if (token.length === 0 || token.length > MAX_VALIDATION_TOKEN_LENGTH) {
    throw new AppError('validation_failed', `validationToken must be 1 to ${MAX_VALIDATION_TOKEN_LENGTH} characters.`, {
      errors: [{ field: 'validationToken', message: `must be 1 to ${MAX_VALIDATION_TOKEN_LENGTH} characters` }],
    });
  }
  return {
    status: 200,
    body: token,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'", 'cache-control': 'no-store' },
  };
}

/** A notification batch: at most 1 MB (413 otherwise), JSON of Graph's shape (400 otherwise). */
export function readNotificationBatch(request: HttpRequest): Promise<GraphNotificationBatch> {
  return readJsonBody(request, GraphNotificationBatchSchema, { maxBytes: MAX_NOTIFICATION_BODY_BYTES });
}

/** Graph only needs the status: nothing in the body. */
export function acceptedEmpty(): HttpResponseInit {
  return { status: 202, headers: { 'cache-control': 'no-store' } };
}
