import { Container, SqlQuerySpec } from '@azure/cosmos';
import { AppError } from '../../domain/app-error';
import { Page } from '../../ports/sync-run-store.port';
import { cosmosStatus, mapCosmosError } from './cosmos-documents';

/**
 * Shared by the stores that list: cursor encoding, limit checks and the single-partition paging
 * loop over Cosmos continuation tokens.
 */

/** Cosmos continuation tokens are small; anything far larger is not one of ours. */
const MAX_CURSOR_LENGTH = 8192;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeCursor(continuationToken: string): string {
  return Buffer.from(continuationToken, 'utf8').toString('base64url');
}

/**
 * Accepts only what encodeCursor produces: canonical base64url of non-empty UTF-8 text without
 * control characters. Whether Cosmos accepts the token inside is Cosmos's call (a 400 from it
 * becomes 'validation_failed' too).
 */
export function decodeCursor(cursor: string): string {
  const invalid = () =>
    new AppError('validation_failed', 'cursor is not valid', {
      errors: [{ field: 'cursor', message: 'is not valid' }],
    });
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw invalid();
  const token = Buffer.from(cursor, 'base64url').toString('utf8');
  // Re-encoding catches non-canonical padding bits and bytes that are not valid UTF-8.
  // eslint-disable-next-line no-control-regex
  if (token.length === 0 || encodeCursor(token) !== cursor || /[\u0000-\u001f\u007f]/.test(token)) throw invalid();
  return token;
}

/** A page size the store serves: an integer from 1 to `max` (AppError 'validation_failed' otherwise). */
export function assertPageLimit(limit: number, max: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new AppError('validation_failed', `limit must be an integer from 1 to ${max}`, {
      errors: [{ field: 'limit', message: `must be an integer from 1 to ${max}` }],
    });
  }
}

/**
 * One page of a query inside one partition (or across partitions). The cursor is the Cosmos continuation token,
 * base64url-encoded so it is opaque and URL-safe; it is only meaningful for the same query and
 * parameters. A page holds fewer items than the limit only at the end, but a non-null cursor may
 * still lead to an empty last page. `parse` validates each document (and may throw).
 */
export async function queryPage<T>(
  container: Container,
  query: SqlQuerySpec,
  /** null: across partitions (the operator's company overview); otherwise one company's partition. */
  partitionKey: string | null,
  options: { limit: number; cursor: string | null },
  parse: (resource: unknown) => T,
  operation: string,
): Promise<Page<T>> {
  const { limit } = options;
  let continuationToken = options.cursor === null ? undefined : decodeCursor(options.cursor);
  const items: T[] = [];
  // Cosmos may answer with short (even empty) pages before the end; keep asking until the page
  // is full or the results end, resuming each time from the last continuation token.
  do {
    let page: { resources: unknown[]; continuationToken: string | undefined };
    try {
      page = await container.items
        .query<unknown>(query, {
          ...(partitionKey === null ? {} : { partitionKey }),
          maxItemCount: limit - items.length,
          ...(continuationToken === undefined ? {} : { continuationToken }),
        })
        .fetchNext();
    } catch (error) {
      if (options.cursor !== null && (cosmosStatus(error) === 400 || error instanceof SyntaxError)) {
        throw new AppError('validation_failed', 'cursor is not valid', {
          cause: error,
          errors: [{ field: 'cursor', message: 'is not valid' }],
        });
      }
      return mapCosmosError(error, operation);
    }
    for (const resource of page.resources) items.push(parse(resource));
    continuationToken =
      page.continuationToken === undefined || page.continuationToken === '' ? undefined : page.continuationToken;
  } while (items.length < limit && continuationToken !== undefined);
  return { items, nextCursor: continuationToken === undefined ? null : encodeCursor(continuationToken) };
}
