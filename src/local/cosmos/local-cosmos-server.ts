import { readFile, rename, stat } from 'node:fs/promises';
import { createServer, Server } from 'node:http';
import Account from '@vercel/cosmosdb-server/lib/account';
import type { IndexingPolicy, UniqueKeyPolicy } from '@azure/cosmos';
import { z } from 'zod';
import { CosmosJournal, DEFAULT_COMPACT_BYTES, FsyncPolicy, LoadStats } from './cosmos-journal';
import { CosmosQueryEngine } from './cosmos-query-engine';
import { createCosmosRequestHandler } from './cosmos-request-handler';
import { observeStorage, ObservedStorage, readItem, StorageChange } from './cosmos-storage';

/**
 * A Cosmos DB (NoSQL API) protocol server on loopback for the local stack and the tests, driven
 * by the real `@azure/cosmos` client.
 *
 * - The storage and the routes are `@vercel/cosmosdb-server`'s; its query engine is patched to be
 *   linear (patches/), and our front (cosmos-request-handler.ts) refuses query-plan requests,
 *   scopes queries to their partition and caches results until the next write.
 * - Plain HTTP (the package's HTTPS certificate has expired). Clients must turn endpoint
 *   discovery off (`enableEndpointDiscovery: false`). Any non-empty base64 key works; the
 *   emulator's well-known key is used so that tooling made for the emulator accepts it.
 * - With `dataDir`, every acknowledged write is journaled before it is answered and the data is
 *   loaded at start (cosmos-journal.ts): durable across `kill -9`.
 * - It does not implement TTL while running; at start, documents whose TTL has run out (by their
 *   `_ts`, which the journal keeps) are dropped.
 */

/** The Azure Cosmos DB emulator's published, well-known key (not a secret). */
export const LOCAL_COSMOS_KEY = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

export type LocalCosmosLog = (event: string, fields: Record<string, unknown>) => void;

export interface LocalCosmosOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Where the journal and snapshot live; without it the data lives only as long as the server. */
  dataDir?: string;
  /** A whole-store JSON file of the previous version (`.local/cosmos.json`): imported once, then renamed `*.migrated`. */
  legacySnapshotFile?: string;
  /** `always` (default): answers wait for fdatasync (group commit). `never`: for write() only (survives a process crash, not a power cut). */
  fsync?: FsyncPolicy;
  /** Journal bytes after which a background compaction starts (default 64 MiB). */
  compactBytes?: number;
  log?: LocalCosmosLog;
}

export interface LocalCosmosStats {
  /** Document writes (create, replace, upsert, patch, delete) per `database/container` since start. */
  documentWrites: Record<string, number>;
  /** Query executions, answers from the result cache, and rows the cache holds (each a reference to a stored document). */
  queries: { executions: number; cacheHits: number; cachedRows: number };
  journal: { segment: number; uncompactedBytes: number; compactions: number; compacting: boolean } | null;
}

export interface LocalCosmos {
  /** `http://host:port`, for `CosmosClient({ endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } })`. */
  endpoint: string;
  key: string;
  /** Stops the server, then syncs and closes the journal. Idempotent. */
  close(): Promise<void>;
  /** Writes a snapshot and drops the journal it covers (runs by itself as the journal grows). No-op without a data directory or changes. */
  compact(): Promise<void>;
  stats(): LocalCosmosStats;
}

const DocumentSchema = z.looseObject({ id: z.string().min(1), _ts: z.number().optional(), ttl: z.number().optional() });
type LegacyDocument = z.infer<typeof DocumentSchema>;

const ContainerSnapshotSchema = z
  .object({
    id: z.string().min(1),
    partitionKey: z.looseObject({ paths: z.array(z.string().min(1)).min(1) }),
    defaultTtl: z.number().int().optional(),
    indexingPolicy: z.custom<IndexingPolicy>(isRecord).optional(),
    uniqueKeyPolicy: z.custom<UniqueKeyPolicy>(isRecord).optional(),
    documents: z.array(DocumentSchema),
  })
  .strict();

const LegacySnapshotSchema = z
  .object({
    format: z.literal('local-cosmos-snapshot'),
    version: z.literal(1),
    savedAt: z.string(),
    databases: z.array(z.object({ id: z.string().min(1), containers: z.array(ContainerSnapshotSchema) }).strict()),
  })
  .strict();
type LegacySnapshot = z.infer<typeof LegacySnapshotSchema>;

/** System properties the server regenerates when a legacy document is imported. */
const REGENERATED_PROPERTIES = ['_rid', '_self', '_etag', '_attachments', '_ts'];

export async function startLocalCosmos(options: LocalCosmosOptions = {}): Promise<LocalCosmos> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  let journal: CosmosJournal | undefined;
  const storage = observeStorage(new Account(host, options.port ?? 0), (change) => journal?.record(change));
  const engine = new CosmosQueryEngine();
  const { dataDir } = options;
  if (dataDir !== undefined) {
    const started = Date.now();
    const opened = await CosmosJournal.open(storage, {
      dir: dataDir,
      fsync: options.fsync ?? 'always',
      compactBytes: options.compactBytes ?? DEFAULT_COMPACT_BYTES,
      isExpired: (change, observed) => documentExpired(change, observed, Math.floor(Date.now() / 1000)),
      log,
    });
    journal = opened.journal;
    logLoad(log, dataDir, opened.stats, Date.now() - started);
    if (options.legacySnapshotFile !== undefined) await migrateLegacySnapshot(options.legacySnapshotFile, storage, opened.journal, opened.stats, log);
  }
  const handler = createCosmosRequestHandler(storage, engine, { commit: () => journal?.commit() ?? Promise.resolve(), log });
  const server = createServer({ keepAlive: true }, handler);
  let port: number;
  try {
    port = await listen(server, host, options.port ?? 0);
  } catch (error) {
    await journal?.close();
    throw error;
  }
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const endpoint = `http://${urlHost}:${port}`;
  // The account document names the endpoint clients are told to use.
  storage.account.read().writableLocations = [{ name: 'South Central US', databaseAccountEndpoint: `${endpoint}/` }];
  storage.account.read().readableLocations = [{ name: 'South Central US', databaseAccountEndpoint: `${endpoint}/` }];
  log('cosmos.started', { endpoint, dataDir: dataDir ?? null });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
        // Keep-alive sockets (the application's clients') would hold close() open.
        server.closeAllConnections();
      });
      await journal?.close();
      log('cosmos.stopped', { endpoint });
    })();
    return closing;
  };

  return {
    endpoint,
    key: LOCAL_COSMOS_KEY,
    close,
    compact: () => (closing === undefined ? (journal?.compact() ?? Promise.resolve()) : closing),
    stats: () => ({ documentWrites: storage.documentWrites(), queries: engine.stats(), journal: journal?.stats() ?? null }),
  };
}

function logLoad(log: LocalCosmosLog, dataDir: string, stats: LoadStats, ms: number): void {
  if (stats.snapshotRecords + stats.journalRecords === 0) return;
  log('cosmos.loaded', { dataDir, ...stats, ms });
}

/**
 * Cosmos's TTL rules: no container default TTL → nothing expires; otherwise an item's own `ttl`
 * wins over the default, and -1 means "never".
 */
export function remainingTtlSeconds(document: { _ts?: number; ttl?: number }, defaultTtl: number | undefined, nowSeconds: number): number | null {
  if (defaultTtl === undefined || defaultTtl === 0) return null;
  const ttl = document.ttl ?? defaultTtl;
  if (ttl === -1 || ttl <= 0 || document._ts === undefined) return null;
  return document._ts + ttl - nowSeconds;
}

function documentExpired(change: StorageChange & { kind: 'document' }, storage: ObservedStorage, nowSeconds: number): boolean {
  const definition = storage.account.database(change.database).collection(change.container).read() as { defaultTtl?: unknown } | undefined;
  const defaultTtl = typeof definition?.defaultTtl === 'number' ? definition.defaultTtl : undefined;
  const data = change.data as { _ts?: unknown; ttl?: unknown } | null;
  if (data === null) return false;
  const remaining = remainingTtlSeconds({ ...(typeof data._ts === 'number' ? { _ts: data._ts } : {}), ...(typeof data.ttl === 'number' ? { ttl: data.ttl } : {}) }, defaultTtl, nowSeconds);
  return remaining !== null && remaining <= 0;
}

/**
 * For a legacy (whole-store JSON) document: the body to import (system properties removed, `ttl`
 * set to what is left of its lifetime), or null when it has already expired.
 */
export function withRemainingTtl(document: LegacyDocument, defaultTtl: number | undefined, nowSeconds: number): Record<string, unknown> | null {
  const body: Record<string, unknown> = Object.fromEntries(Object.entries(document).filter(([key]) => !REGENERATED_PROPERTIES.includes(key)));
  const remaining = remainingTtlSeconds(document, defaultTtl, nowSeconds);
  if (remaining === null) return body;
  if (remaining <= 0) return null;
  return { ...body, ttl: remaining };
}

/**
 * `.local/cosmos.json` from the previous version: imported into an empty store (through the
 * storage, so the journal records it), then renamed so it is never imported twice. A store
 * that already has data wins; the old file is then only renamed.
 */
async function migrateLegacySnapshot(file: string, storage: ObservedStorage, journal: CosmosJournal, loaded: LoadStats, log: LocalCosmosLog): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') return;
    throw error;
  }
  const migrated = `${file}.migrated`;
  if (loaded.snapshotRecords + loaded.journalRecords > 0) {
    await rename(file, migrated);
    log('cosmos.legacy_snapshot_ignored', { file, renamedTo: migrated });
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`Local Cosmos snapshot ${file} (previous version) is not valid JSON; move it away (or npm start -- --reset) to start empty`, { cause: error });
  }
  const parsed = LegacySnapshotSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`Local Cosmos snapshot ${file} (previous version) has an unexpected shape (${parsed.error.issues.length} problems); move it away (or npm start -- --reset) to start empty`);
  }
  const counts = importLegacy(parsed.data, storage, Math.floor(Date.now() / 1000));
  await journal.commit();
  await journal.compact();
  await stat(file);
  await rename(file, migrated);
  log('cosmos.legacy_snapshot_migrated', { file, renamedTo: migrated, ...counts });
}

function importLegacy(snapshot: LegacySnapshot, storage: ObservedStorage, nowSeconds: number): { containers: number; documents: number; expired: number } {
  const { account } = storage;
  let containers = 0;
  let documents = 0;
  let expired = 0;
  for (const databaseSnapshot of snapshot.databases) {
    if (readItem(account.database(databaseSnapshot.id)) === undefined) account.databases.create({ id: databaseSnapshot.id });
    const database = account.database(databaseSnapshot.id);
    for (const { documents: items, ...definition } of databaseSnapshot.containers) {
      if (readItem(database.collection(definition.id)) === undefined) database.collections.create({ ...definition, _rid: '', _self: '' });
      const collection = database.collection(definition.id);
      containers += 1;
      for (const document of items) {
        const body = withRemainingTtl(document, definition.defaultTtl, nowSeconds);
        if (body === null) {
          expired += 1;
          continue;
        }
        collection.documents.upsert({ ...body, id: document.id });
        documents += 1;
      }
    }
  }
  return { containers, documents, expired };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      reject(error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('The local Cosmos server is not listening on a TCP port'));
      else resolve(address.port);
    });
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Duck-typed: `instanceof Error` fails for errors from another realm (e.g. under jest). */
function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return typeof error === 'object' && error !== null && 'code' in error;
}
