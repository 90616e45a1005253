import query, { CompositeIndex } from '@zeit/cosmosdb-query';
import * as aggregateFunctions from '@zeit/cosmosdb-query/lib/aggregate-functions';
import * as builtinFunctions from '@zeit/cosmosdb-query/lib/builtin-functions';
import * as helpers from '@zeit/cosmosdb-query/lib/helpers';
import { ContainerIndex, StoredDocument } from './cosmos-storage';

/**
 * Runs the `@zeit/cosmosdb-query` engine (made linear by our patch) the way the local server
 * needs it at 100k documents per company:
 *
 * - a query with a partition key reads only that partition's documents (the storage keeps them
 *   indexed), not the whole container;
 * - the sorted, filtered result of a query is cached until the next write to its partition (or,
 *   for cross-partition queries, to its container), so the continuation pages of one listing cost
 *   a slice each instead of a full re-run. Paging itself is the engine's own: continuation tokens
 *   resume by `_rid` and ORDER BY values, so a write between two pages neither skips nor repeats
 *   unchanged documents.
 *
 * The compiled query is called with the engine's helper module, except that `paginate` is wrapped
 * to capture its input (the full result, before the page is cut).
 *
 * A cached result holds the documents it matched, not copies: once a write makes it stale, it would
 * keep the replaced versions of those documents alive until it is evicted (at 100,000 documents, a
 * cached listing of a company pins every version its records had when it ran). So every execution
 * first drops the results that have gone stale.
 */

type Helpers = typeof helpers;
type Paginate = Helpers['paginate'];
type Row = Parameters<Paginate>[0][number];
type GetRid = NonNullable<Parameters<Paginate>[3]>;
type Order = Parameters<Paginate>[4];
type Continuation = Parameters<Paginate>[2];

export interface QueryOutput {
  result: unknown;
  continuation: unknown;
}

type Compiled = (
  aggregate: typeof aggregateFunctions,
  builtin: typeof builtinFunctions,
  collection: StoredDocument[],
  helperModule: Helpers,
  udf: unknown,
  parameters: Record<string, unknown>,
  maxItemCount: number | undefined,
  continuation: Continuation,
  compositeIndexes: CompositeIndex[][],
) => QueryOutput;

/** Where a cached result came from: its container's index and partition (undefined: all of them). */
interface Source {
  index: ContainerIndex;
  partition: string | undefined;
}

type CachedResult = Source &
  ({ version: number; rows: Row[]; getRid: GetRid; orders: Order[] } | { version: number; final: QueryOutput });

export interface QueryRequest {
  sql: string;
  parameters: { name: string; value: unknown }[] | undefined;
  /** Partition key header value (JSON of `[value]`), or undefined for a cross-partition query. */
  partition: string | undefined;
  maxItemCount: number | null | undefined;
  continuation: { token: string } | null | undefined;
  udf: unknown;
  compositeIndexes: CompositeIndex[][];
}

const MAX_COMPILED = 200;
const MAX_CACHED_RESULTS = 64;
/** Rows kept across all cached results: each costs a small array and object, not a copy of the document. */
const MAX_CACHED_ROWS = 300_000;

export class CosmosQueryEngine {
  private readonly compiled = new Map<string, Compiled>();
  private readonly results = new Map<string, CachedResult>();
  private cachedRows = 0;
  private executions = 0;
  private cacheHits = 0;

  /** Throws the engine's SyntaxError for bad SQL and plain errors for bad queries (both a 400). */
  run(index: ContainerIndex, request: QueryRequest): QueryOutput {
    const version = versionOf({ index, partition: request.partition });
    const key = JSON.stringify([index.database, index.container, request.partition ?? null, request.sql, request.parameters ?? []]);
    const cached = this.results.get(key);
    const continuation = request.continuation ?? undefined;
    if (cached?.version === version && cached.index === index) {
      this.cacheHits += 1;
      // Most recently used last.
      this.results.delete(key);
      this.results.set(key, cached);
      if ('final' in cached) return cached.final;
      return helpers.paginate(cached.rows, request.maxItemCount ?? undefined, continuation, cached.getRid, ...cached.orders);
    }
    this.executions += 1;
    this.dropStale();
    let captured: { rows: Row[]; getRid: GetRid; orders: Order[] } | undefined;
    const capturing: Helpers = {
      ...helpers,
      paginate: (rows, maxItemCount, pageContinuation, getRid, ...orders) => {
        if (getRid !== undefined) captured = { rows, getRid, orders };
        return helpers.paginate(rows, maxItemCount, pageContinuation, getRid, ...orders);
      },
    };
    const parameters: Record<string, unknown> = {};
    for (const { name, value } of request.parameters ?? []) parameters[name.slice(1)] = value;
    const output = this.compile(request.sql)(
      aggregateFunctions,
      builtinFunctions,
      documentsOf(index, request.partition),
      capturing,
      request.udf,
      parameters,
      request.maxItemCount ?? undefined,
      continuation,
      request.compositeIndexes,
    );
    if (this.results.has(key) && cached !== undefined) this.forget(key, cached);
    const source: Source = { index, partition: request.partition };
    const entry: CachedResult =
      captured === undefined ? { ...source, version, final: output } : { ...source, version, ...captured };
    this.results.set(key, entry);
    this.cachedRows += 'rows' in entry ? entry.rows.length : 1;
    while (this.results.size > MAX_CACHED_RESULTS || this.cachedRows > MAX_CACHED_ROWS) {
      const oldest = this.results.entries().next();
      if (oldest.done === true) break;
      this.forget(oldest.value[0], oldest.value[1]);
    }
    return output;
  }

  /** Drops the results a write has made stale (they would pin the documents' replaced versions). */
  private dropStale(): void {
    for (const [key, entry] of this.results) if (entry.version !== versionOf(entry)) this.forget(key, entry);
  }

  private forget(key: string, entry: CachedResult): void {
    this.results.delete(key);
    this.cachedRows -= 'rows' in entry ? entry.rows.length : 1;
  }

  stats(): { executions: number; cacheHits: number; cachedRows: number } {
    return { executions: this.executions, cacheHits: this.cacheHits, cachedRows: this.cachedRows };
  }

  private compile(sql: string): Compiled {
    let compiled = this.compiled.get(sql);
    if (compiled === undefined) {
      const { code } = query(sql);
      // The engine's own executor compiles its generated code the same way.
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      compiled = (new Function(`"use strict";return (${code})`) as () => Compiled)();
      if (this.compiled.size >= MAX_COMPILED) this.compiled.clear();
      this.compiled.set(sql, compiled);
    }
    return compiled;
  }
}

function versionOf({ index, partition }: Source): number {
  return partition === undefined ? index.version : (index.partitionVersions.get(partition) ?? 0);
}

function documentsOf(index: ContainerIndex, partition: string | undefined): StoredDocument[] {
  if (partition !== undefined) return [...(index.partitions.get(partition)?.values() ?? [])];
  const all: StoredDocument[] = [];
  for (const members of index.partitions.values()) for (const document of members.values()) all.push(document);
  return all;
}
