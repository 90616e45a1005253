import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { Server } from 'node:http';
import { dirname } from 'node:path';
import { Container, ContainerDefinition, CosmosClient, IndexingPolicy, OperationInput, UniqueKeyPolicy } from '@azure/cosmos';
import { createHttpServer } from '@vercel/cosmosdb-server';
import { z } from 'zod';

/**
 * A Cosmos DB (NoSQL API) protocol server on loopback for the local stack and the tests, driven
 * by the real `@azure/cosmos` client.
 *
 * - Plain HTTP: the HTTPS server bundled with `@vercel/cosmosdb-server` ships an expired
 *   certificate. Clients must turn endpoint discovery off (`enableEndpointDiscovery: false`).
 * - The server ignores the key; any non-empty base64 string works. The emulator's well-known key
 *   is used so that tooling made for the emulator accepts it.
 * - It keeps everything in memory and starts empty. With `snapshotFile`, the data is restored
 *   from that file at start and written back by `saveSnapshot()` and `close()`.
 * - It does not implement TTL: items never expire while it runs. A snapshot keeps each item's
 *   `_ts`; on restore, items whose TTL has run out are dropped and the rest get their remaining
 *   lifetime as `ttl`, so expiry does happen across restarts.
 */

/** The Azure Cosmos DB emulator's published, well-known key (not a secret). */
export const LOCAL_COSMOS_KEY = 'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

export type LocalCosmosLog = (event: string, fields: Record<string, unknown>) => void;

export interface LocalCosmosOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Where to keep the data across restarts; without it the data lives only as long as the server. */
  snapshotFile?: string;
  log?: LocalCosmosLog;
}

export interface LocalCosmos {
  /** `http://host:port`, for `CosmosClient({ endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } })`. */
  endpoint: string;
  key: string;
  /** Saves a snapshot (when a snapshot file is configured), then stops the server. Idempotent. */
  close(): Promise<void>;
  /** Writes every database, container and document to the snapshot file (atomically). No-op without one. */
  saveSnapshot(): Promise<void>;
}

/** From this many documents on, a container is restored through the bulk API. */
const BULK_THRESHOLD = 500;
const SINGLE_WRITE_CONCURRENCY = 32;
/** System properties the server regenerates; `_ts` is kept in snapshots for TTL bookkeeping. */
const REGENERATED_PROPERTIES = ['_rid', '_self', '_etag', '_attachments', '_ts'];

const DocumentSchema = z.looseObject({ id: z.string().min(1), _ts: z.number().optional(), ttl: z.number().optional() });
type StoredDocument = z.infer<typeof DocumentSchema>;

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
type ContainerSnapshot = z.infer<typeof ContainerSnapshotSchema>;

const SnapshotSchema = z
  .object({
    format: z.literal('local-cosmos-snapshot'),
    version: z.literal(1),
    savedAt: z.string(),
    databases: z.array(z.object({ id: z.string().min(1), containers: z.array(ContainerSnapshotSchema) }).strict()),
  })
  .strict();
type Snapshot = z.infer<typeof SnapshotSchema>;

export async function startLocalCosmos(options: LocalCosmosOptions = {}): Promise<LocalCosmos> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => undefined);
  const server = createHttpServer({ keepAlive: true });
  const port = await listen(server, host, options.port ?? 0);
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const endpoint = `http://${urlHost}:${port}`;
  const client = new CosmosClient({ endpoint, key: LOCAL_COSMOS_KEY, connectionPolicy: { enableEndpointDiscovery: false } });

  const stopServer = async (): Promise<void> => {
    client.dispose();
    await new Promise<void>((resolve, reject) => {
      server.close((error) => {
        if (error) reject(error);
        else resolve();
      });
      // Keep-alive sockets (ours and the application's clients') would hold close() open.
      server.closeAllConnections();
    });
  };

  const { snapshotFile } = options;
  if (snapshotFile !== undefined) {
    try {
      const snapshot = await readSnapshot(snapshotFile);
      if (snapshot !== null) {
        const started = Date.now();
        const counts = await restoreSnapshot(client, snapshot);
        log('cosmos.snapshot.restored', { file: snapshotFile, ...counts, ms: Date.now() - started });
      }
    } catch (error) {
      // Never start empty over an unreadable snapshot: the next save would overwrite the data.
      await stopServer();
      throw error;
    }
  }
  log('cosmos.started', { endpoint, snapshotFile: snapshotFile ?? null });

  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    if (snapshotFile === undefined) return Promise.resolve();
    // One save at a time, in call order, so an older snapshot never replaces a newer one.
    const next = saving.then(async () => {
      const started = Date.now();
      const snapshot = await takeSnapshot(client);
      await writeFileAtomically(snapshotFile, JSON.stringify(snapshot));
      log('cosmos.snapshot.saved', { file: snapshotFile, ...countSnapshot(snapshot), ms: Date.now() - started });
    });
    saving = next.catch(() => undefined);
    return next;
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      try {
        await save();
      } finally {
        await stopServer();
        log('cosmos.stopped', { endpoint });
      }
    })();
    return closing;
  };
  // Once closing, the final save is under way (or done): a late periodic save just waits for it.
  const saveSnapshot = (): Promise<void> => closing ?? save();

  return { endpoint, key: LOCAL_COSMOS_KEY, close, saveSnapshot };
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

async function readSnapshot(file: string): Promise<Snapshot | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`Local Cosmos snapshot ${file} is not valid JSON; move it away to start empty`, { cause: error });
  }
  const parsed = SnapshotSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`Local Cosmos snapshot ${file} has an unexpected shape (${parsed.error.issues.length} problems); move it away to start empty`);
  }
  return parsed.data;
}

async function restoreSnapshot(client: CosmosClient, snapshot: Snapshot): Promise<{ databases: number; containers: number; documents: number; expired: number }> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  let containers = 0;
  let documents = 0;
  let expired = 0;
  for (const databaseSnapshot of snapshot.databases) {
    const { database } = await client.databases.createIfNotExists({ id: databaseSnapshot.id });
    for (const containerSnapshot of databaseSnapshot.containers) {
      const { container } = await database.containers.createIfNotExists(containerDefinition(containerSnapshot));
      containers += 1;
      const live: Record<string, unknown>[] = [];
      for (const document of containerSnapshot.documents) {
        const restored = withRemainingTtl(document, containerSnapshot.defaultTtl, nowSeconds);
        if (restored === null) expired += 1;
        else live.push(restored);
      }
      await writeDocuments(container, containerSnapshot.partitionKey.paths, live);
      documents += live.length;
    }
  }
  return { databases: snapshot.databases.length, containers, documents, expired };
}

/**
 * Large containers go through one bulk call: the SDK batches and paces the operations itself,
 * about twice as fast as single writes here. But each bulk call also waits about a second for
 * its last partial batch, so small containers are faster with concurrent single upserts.
 */
async function writeDocuments(container: Container, partitionKeyPaths: string[], documents: Record<string, unknown>[]): Promise<void> {
  const operations: OperationInput[] = [];
  const singles: Record<string, unknown>[] = [];
  for (const document of documents) {
    const partitionKey = documents.length >= BULK_THRESHOLD ? partitionKeyOf(document, partitionKeyPaths) : undefined;
    // Without a usable partition key value the SDK extracts it itself on a single upsert.
    if (partitionKey === undefined) singles.push(document);
    else operations.push({ operationType: 'Upsert', partitionKey, resourceBody: { ...document, id: String(document.id) } });
  }
  const results = operations.length > 0 ? await container.items.executeBulkOperations(operations) : [];
  const failed = results.filter((result) => result.error !== undefined || (result.response?.statusCode ?? 500) >= 300);
  if (failed.length > 0) {
    const first = failed[0];
    throw new Error(`Restoring container '${container.id}': ${failed.length} documents failed (first: status ${first?.error?.code ?? first?.response?.statusCode ?? 'unknown'})`);
  }
  for (let i = 0; i < singles.length; i += SINGLE_WRITE_CONCURRENCY) {
    await Promise.all(singles.slice(i, i + SINGLE_WRITE_CONCURRENCY).map((document) => container.items.upsert(document)));
  }
}

type PartitionKeyPart = string | number | boolean | null;

function partitionKeyOf(document: Record<string, unknown>, paths: string[]): PartitionKeyPart | PartitionKeyPart[] | undefined {
  const parts: PartitionKeyPart[] = [];
  for (const path of paths) {
    let value: unknown = document;
    for (const segment of path.split('/').slice(1)) value = isRecord(value) ? value[segment] : undefined;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) parts.push(value);
    else return undefined;
  }
  return parts.length === 1 ? parts[0] : parts;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function containerDefinition(snapshot: ContainerSnapshot): ContainerDefinition {
  return {
    id: snapshot.id,
    partitionKey: { ...snapshot.partitionKey, paths: snapshot.partitionKey.paths },
    ...(snapshot.defaultTtl === undefined ? {} : { defaultTtl: snapshot.defaultTtl }),
    ...(snapshot.indexingPolicy === undefined ? {} : { indexingPolicy: snapshot.indexingPolicy }),
    ...(snapshot.uniqueKeyPolicy === undefined ? {} : { uniqueKeyPolicy: snapshot.uniqueKeyPolicy }),
  };
}

/**
 * Cosmos's TTL rules: no container default TTL → nothing expires; otherwise an item's own `ttl`
 * wins over the default, and -1 means "never". Returns the document to write (system properties
 * removed, `ttl` set to what is left of its lifetime), or null when it has already expired.
 */
export function withRemainingTtl(document: StoredDocument, defaultTtl: number | undefined, nowSeconds: number): Record<string, unknown> | null {
  const body: Record<string, unknown> = Object.fromEntries(Object.entries(document).filter(([key]) => !REGENERATED_PROPERTIES.includes(key)));
  if (defaultTtl === undefined || defaultTtl === 0) return body;
  const ttl = document.ttl ?? defaultTtl;
  if (ttl === -1 || ttl <= 0 || document._ts === undefined) return body;
  const remaining = document._ts + ttl - nowSeconds;
  if (remaining <= 0) return null;
  return { ...body, ttl: remaining };
}

async function takeSnapshot(client: CosmosClient): Promise<Snapshot> {
  const { resources: databaseDefinitions } = await client.databases.readAll().fetchAll();
  const databases: Snapshot['databases'] = [];
  for (const databaseDefinition of databaseDefinitions) {
    const database = client.database(databaseDefinition.id);
    const { resources: containerDefinitions } = await database.containers.readAll().fetchAll();
    const containers: ContainerSnapshot[] = [];
    for (const definition of containerDefinitions) {
      const { resources } = await database.container(definition.id).items.readAll().fetchAll();
      containers.push(
        ContainerSnapshotSchema.parse({
          id: definition.id,
          partitionKey: definition.partitionKey,
          defaultTtl: definition.defaultTtl ?? undefined,
          indexingPolicy: definition.indexingPolicy ?? undefined,
          uniqueKeyPolicy: definition.uniqueKeyPolicy ?? undefined,
          documents: resources.map((document) =>
            Object.fromEntries(Object.entries(document).filter(([key]) => key === '_ts' || !REGENERATED_PROPERTIES.includes(key))),
          ),
        }),
      );
    }
    databases.push({ id: databaseDefinition.id, containers });
  }
  return { format: 'local-cosmos-snapshot', version: 1, savedAt: new Date().toISOString(), databases };
}

function countSnapshot(snapshot: Snapshot): { databases: number; containers: number; documents: number } {
  let containers = 0;
  let documents = 0;
  for (const database of snapshot.databases) {
    containers += database.containers.length;
    for (const container of database.containers) documents += container.documents.length;
  }
  return { databases: snapshot.databases.length, containers, documents };
}

/** Write to a temporary file beside the target, flush it, then rename over the target. */
async function writeFileAtomically(file: string, content: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Duck-typed: `instanceof Error` fails for errors from another realm (e.g. under jest). */
function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return typeof error === 'object' && error !== null && 'code' in error;
}
