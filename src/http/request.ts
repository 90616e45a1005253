import { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { AppError } from '../domain/app-error';
import { fieldProblems } from '../domain/field-problems';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export function validationError(error: z.ZodError, what: string): AppError {
  const errors = fieldProblems(error);
  return new AppError(
    'validation_failed',
    `Invalid ${what}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
    { errors },
  );
}

/** Parses a value with a schema, turning failures into a 400 that names the fields. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error, what);
  return parsed.data;
}

/**
 * Reads a JSON body, bounded in size, and validates it. `optional` lets an empty body stand for
 * `undefined` (validated by the schema like any other value).
 */
export async function readJsonBody<S extends z.ZodType>(
  request: HttpRequest,
  schema: S,
  options?: { maxBytes?: number; optional?: boolean },
): Promise<z.output<S>> {
  const maxBytes = options?.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new AppError('payload_too_large', `The request body must not exceed ${maxBytes} bytes.`);
  }
  const raw = Buffer.from(await request.arrayBuffer());
  if (raw.byteLength > maxBytes)
    throw new AppError('payload_too_large', `The request body must not exceed ${maxBytes} bytes.`);
  if (raw.byteLength === 0 || raw.toString('utf8').trim() === '') {
    if (options?.optional) return parseWith(schema, undefined, 'request body');
    throw new AppError('validation_failed', 'A JSON request body is required.', {
      errors: [{ field: '(body)', message: 'is required' }],
    });
  }
  const contentType = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (contentType !== 'application/json' && !contentType.endsWith('+json')) {
    throw new AppError('unsupported_media_type', 'The request body must be JSON (Content-Type: application/json).');
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AppError('validation_failed', 'The request body is not valid JSON.', {
      errors: [{ field: '(body)', message: 'is not valid JSON' }],
    });
  }
  return parseWith(schema, value, 'request body');
}

/** `limit` (default 50, at most `max`) and an opaque `cursor`: the query of a list endpoint. */
export function pageQuerySchema(max = 500) {
  return z
    .object({
      limit: z.coerce.number().int().min(1).max(max).default(50),
      cursor: z.string().min(1).max(12_000).optional(),
    })
    .strict();
}

/** Reads query parameters into a plain object (last value wins) for schema validation. */
export function queryObject(request: HttpRequest): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of request.query.entries()) result[key] = value;
  return result;
}
