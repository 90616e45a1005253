import { z } from 'zod';
import { AppError } from '../../domain/app-error';

/**
 * The persistence edge: everything read back from Cosmos is parsed with the domain's zod schema
 * before the application sees it, and Cosmos failures become AppErrors with stable codes.
 */

/** Properties Cosmos adds to (or we add for Cosmos on) every stored document. */
const STORAGE_PROPERTIES = new Set(['id', 'ttl', '_rid', '_self', '_etag', '_attachments', '_ts']);

/**
 * Removes the storage-only properties, plus any other `_`-prefixed system property (e.g. `_lsn`
 * in change-feed reads). No domain schema has a field starting with `_`, and the schemas are
 * strict, so anything left over that the schema does not know is a real shape problem.
 */
export function stripSystemProperties(document: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(document).filter(([key]) => !STORAGE_PROPERTIES.has(key) && !key.startsWith('_')),
  );
}

/**
 * Which domain field the document's `id` mirrors, and optionally the id the caller asked for. A
 * document whose id and key field disagree would be found under one key and act under another.
 */
export interface IdCheck {
  field: string;
  value?: string;
}

/**
 * Parses a stored document with the domain schema. A document that does not fit raises
 * AppError('internal_error') whose message names the container and the offending field paths
 * only — never values, which may be personal data or secrets (nonces).
 */
export function parseStoredDocument<S extends z.ZodType>(
  schema: S,
  containerName: string,
  document: unknown,
  idOf?: IdCheck,
): z.output<S> {
  if (!isRecord(document)) {
    throw new AppError('internal_error', `A document read from container '${containerName}' is not an object`);
  }
  const record = document;
  if (
    idOf !== undefined &&
    (typeof record.id !== 'string' ||
      record.id !== record[idOf.field] ||
      (idOf.value !== undefined && record.id !== idOf.value))
  ) {
    throw new AppError(
      'internal_error',
      `A document read from container '${containerName}' has an id that does not match its ${idOf.field}`,
    );
  }
  const parsed = schema.safeParse(stripSystemProperties(record));
  if (parsed.success) return parsed.data;
  throw new AppError(
    'internal_error',
    `A document read from container '${containerName}' failed validation: ${describeIssues(parsed.error)}`,
  );
}

/** For listings that skip a document that does not parse (one bad document must not stop the rest). */
export function parseOrNull<T>(parse: () => T): T | null {
  try {
    return parse();
  } catch {
    return null;
  }
}

/** Like parseStoredDocument, plus the document's `_etag` (its version for optimistic concurrency). */
export function parseStoredVersioned<S extends z.ZodType>(
  schema: S,
  containerName: string,
  document: unknown,
  idOf?: IdCheck,
): { value: z.output<S>; etag: string } {
  const value = parseStoredDocument(schema, containerName, document, idOf);
  const etag = isRecord(document) ? document._etag : undefined;
  if (typeof etag !== 'string' || etag === '') {
    throw new AppError('internal_error', `A document read from container '${containerName}' has no _etag`);
  }
  return { value, etag };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates a value before it is written, so a bad write cannot poison every later read. */
export function assertWritable<S extends z.ZodType>(schema: S, containerName: string, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new AppError(
    'internal_error',
    `Refusing to write an invalid document to container '${containerName}': ${describeIssues(parsed.error)}`,
  );
}

function describeIssues(error: z.ZodError): string {
  const parts = error.issues
    .slice(0, 10)
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'} (${issue.code})`);
  const more = error.issues.length > 10 ? ` and ${error.issues.length - 10} more` : '';
  return `${parts.join(', ')}${more}`;
}

/** The HTTP status of a Cosmos SDK error (`ErrorResponse.code`), if it carries one. */
export function cosmosStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'number' ? error.code : undefined;
}

export function isCosmosStatus(error: unknown, status: number): boolean {
  return cosmosStatus(error) === status;
}

/** Network failures (no HTTP answer): Node's socket errors and the SDK's own timeout. */
const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'TimeoutError',
]);

function networkErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' && NETWORK_ERROR_CODES.has(error.code) ? error.code : undefined;
}

/**
 * Turns a Cosmos failure into an AppError where the status has a meaning for the application;
 * anything else is rethrown unchanged (an unexpected failure stays an unexpected failure).
 * Callers handle the statuses they expect (404 on a point read, 409 on an idempotent create)
 * before calling this.
 */
export function mapCosmosError(error: unknown, operation: string): never {
  const status = cosmosStatus(error);
  switch (status) {
    case 404:
      throw new AppError('not_found', `Cosmos ${operation}: not found`, { cause: error });
    case 409:
      throw new AppError('conflict', `Cosmos ${operation}: the document already exists`, { cause: error });
    case 412:
      throw new AppError('precondition_failed', `Cosmos ${operation}: the document changed meanwhile`, {
        cause: error,
      });
    default:
  }
  // 429 reaches us only after the SDK's own retries gave up: sustained throttling. 408, 449 and
  // 5xx are Cosmos's "try again later", and a lost connection is the same for the caller: the
  // dependency is unavailable (transient), not a bug.
  if (status === 408 || status === 429 || status === 449 || (status !== undefined && status >= 500)) {
    throw new AppError(
      'dependency_unavailable',
      `Cosmos ${operation}: the database is busy or unavailable (${status})`,
      { cause: error, meta: { status } },
    );
  }
  const network = networkErrorCode(error);
  if (network !== undefined)
    throw new AppError(
      'dependency_unavailable',
      `Cosmos ${operation}: the database could not be reached (${network})`,
      { cause: error },
    );
  throw error;
}

// The id rule is part of the store ports' contract (every implementation applies it).
export { isStorableId } from '../../ports/store-ids';
