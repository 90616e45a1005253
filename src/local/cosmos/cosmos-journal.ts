import { closeSync, createReadStream, fdatasync, fdatasyncSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { ObservedStorage, StorageChange, StorageChangeSchema } from './cosmos-storage';

/**
 * Durability for the local Cosmos server: an append-only journal of physical changes, replayed
 * at start, and a snapshot that compaction writes in the background.
 *
 * - Every change the storage reports is appended (JSON lines) to the current journal segment
 *   with one `write` per request, before the request is answered: an acknowledged write survives
 *   a crash of the process (`kill -9`). With `fsync: 'always'` (the default) the answer also
 *   waits for `fdatasync` — group commit: one sync covers every write that arrived meanwhile —
 *   so it survives a power cut too. `fsync: 'never'` skips that wait.
 * - Compaction starts when the journal since the last snapshot passes `compactBytes`. It rotates
 *   to a new segment, then writes every database, container and document to a new snapshot in
 *   slices (awaiting each write, so the event loop keeps serving requests), syncs and renames
 *   it, and deletes the segments it covers. Writes go on meanwhile: the snapshot is fuzzy, and
 *   the records are idempotent (last one wins), so snapshot + later segments is the state. Never
 *   two at once; nothing to do when nothing was written.
 * - A crash mid-compaction leaves the old snapshot and every segment: nothing is lost. A torn
 *   last line (the process died inside a write) is cut off at start; that write was never
 *   acknowledged.
 */

export type FsyncPolicy = 'always' | 'never';
export type JournalLog = (event: string, fields: Record<string, unknown>) => void;

export interface JournalOptions {
  dir: string;
  fsync?: FsyncPolicy;
  /** Journal bytes since the last snapshot that start a compaction (default 64 MiB). */
  compactBytes?: number;
  /** Records per snapshot slice (default 1,000). */
  sliceRecords?: number;
  /** Drops documents whose TTL ran out (the server itself never expires anything while running). */
  isExpired?: (change: StorageChange & { kind: 'document' }, storage: ObservedStorage) => boolean;
  log?: JournalLog;
}

export interface LoadStats {
  snapshotRecords: number;
  journalRecords: number;
  segments: number;
  expired: number;
  orphaned: number;
  tornBytes: number;
}

export const DEFAULT_COMPACT_BYTES = 64 * 1024 * 1024;
const SNAPSHOT_FILE = 'snapshot.jsonl';
const SEGMENT_PATTERN = /^journal-(\d{8})\.jsonl$/;
const segmentName = (n: number) => `journal-${String(n).padStart(8, '0')}.jsonl`;

const SnapshotHeaderSchema = z.object({ format: z.literal('local-cosmos-snapshot'), version: z.literal(2), throughSegment: z.number().int().nonnegative(), startedAt: z.string() }).strict();
const SnapshotTrailerSchema = z.object({ end: z.literal(true), records: z.number().int().nonnegative() }).strict();

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class CosmosJournal {
  private readonly dir: string;
  private readonly fsync: FsyncPolicy;
  private readonly compactBytes: number;
  private readonly sliceRecords: number;
  private readonly log: JournalLog;
  private fd = -1;
  private segment = 0;
  private snapshotThrough = 0;
  /** Bytes in segments the snapshot does not cover yet. */
  private uncompactedBytes = 0;
  private pending: string[] = [];
  private writtenSeq = 0;
  private durableSeq = 0;
  private syncing = false;
  private waiters: Waiter[] = [];
  private compacting: Promise<void> | undefined;
  private closed = false;
  private failure: Error | undefined;
  private compactions = 0;

  private constructor(
    private readonly storage: ObservedStorage,
    options: JournalOptions,
  ) {
    this.dir = options.dir;
    this.fsync = options.fsync ?? 'always';
    this.compactBytes = options.compactBytes ?? DEFAULT_COMPACT_BYTES;
    this.sliceRecords = options.sliceRecords ?? 1000;
    this.log = options.log ?? (() => undefined);
  }

  /** Loads the snapshot and the journal into `storage`, then opens a new segment for appends. */
  static async open(storage: ObservedStorage, options: JournalOptions): Promise<{ journal: CosmosJournal; stats: LoadStats }> {
    const journal = new CosmosJournal(storage, options);
    const stats = await journal.load(options.isExpired);
    journal.openSegment(journal.segment + 1);
    return { journal, stats };
  }

  /** Buffers a change; `commit()` writes it. */
  record(change: StorageChange): void {
    if (this.closed) return;
    this.pending.push(JSON.stringify(change));
  }

  /** Writes the buffered changes and resolves once they are as durable as the policy says. */
  commit(): Promise<void> {
    try {
      this.flush();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (this.uncompactedBytes >= this.compactBytes && this.compacting === undefined) {
      this.compact().catch((error: unknown) => {
        this.log('cosmos.compaction_failed', { error: error instanceof Error ? error.message : String(error) });
      });
    }
    const seq = this.writtenSeq;
    if (this.fsync === 'never' || this.durableSeq >= seq) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.startSync();
    });
  }

  /** Writes a snapshot of everything and drops the journal it covers. No-op when nothing changed. */
  compact(): Promise<void> {
    if (this.compacting !== undefined) return this.compacting;
    if (this.closed || (this.uncompactedBytes === 0 && this.pending.length === 0)) return Promise.resolve();
    this.compacting = this.writeSnapshot().finally(() => {
      this.compacting = undefined;
    });
    return this.compacting;
  }

  stats(): { segment: number; uncompactedBytes: number; compactions: number; compacting: boolean } {
    return { segment: this.segment, uncompactedBytes: this.uncompactedBytes, compactions: this.compactions, compacting: this.compacting !== undefined };
  }

  /** Waits for a running compaction, writes and syncs what is buffered, closes the segment. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.compacting?.catch(() => undefined);
    this.flush();
    this.closed = true;
    if (this.fd >= 0) {
      fdatasyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
    }
    this.settle(this.writtenSeq);
  }

  // ---------------------------------------------------------------------------------------------

  private flush(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.pending.length === 0 || this.fd < 0) return;
    const buffer = Buffer.from(`${this.pending.join('\n')}\n`, 'utf8');
    this.pending = [];
    try {
      let offset = 0;
      while (offset < buffer.length) offset += writeSync(this.fd, buffer, offset, buffer.length - offset);
    } catch (error) {
      // Memory and disk now disagree: refuse every further write rather than acknowledge it.
      this.failure = new Error(`The local Cosmos journal could not be written (${error instanceof Error ? error.message : String(error)}); restart the stack`);
      this.log('cosmos.journal_failed', { error: this.failure.message });
      throw this.failure;
    }
    this.uncompactedBytes += buffer.length;
    this.writtenSeq += 1;
  }

  private startSync(): void {
    if (this.syncing || this.fd < 0) return;
    this.syncing = true;
    const fd = this.fd;
    const seq = this.writtenSeq;
    fdatasync(fd, (error) => {
      this.syncing = false;
      // A rotation synced and closed this segment meanwhile: its records are durable already.
      if (error && fd === this.fd) {
        const failure = new Error(`fdatasync of the local Cosmos journal failed: ${error.message}`);
        for (const waiter of this.waiters.splice(0)) waiter.reject(failure);
        return;
      }
      this.settle(seq);
      if (this.waiters.length > 0) this.startSync();
    });
  }

  private settle(seq: number): void {
    this.durableSeq = Math.max(this.durableSeq, seq);
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.seq <= this.durableSeq) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }

  private openSegment(n: number): void {
    this.segment = n;
    this.fd = openSync(join(this.dir, segmentName(n)), 'a', 0o600);
  }

  /** Ends the current segment (everything in it synced) and continues in the next one. */
  private rotate(): number {
    this.flush();
    const through = this.segment;
    if (this.fd >= 0) {
      fdatasyncSync(this.fd);
      closeSync(this.fd);
    }
    this.openSegment(through + 1);
    this.settle(this.writtenSeq);
    return through;
  }

  private async writeSnapshot(): Promise<void> {
    const started = Date.now();
    const through = this.rotate();
    const bytesCovered = this.uncompactedBytes;
    const file = join(this.dir, SNAPSHOT_FILE);
    const temporary = `${file}.${process.pid}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    let records = 0;
    try {
      await handle.write(`${JSON.stringify({ format: 'local-cosmos-snapshot', version: 2, throughSegment: through, startedAt: new Date(started).toISOString() })}\n`);
      let slice: string[] = [];
      for (const change of this.storage.dump()) {
        slice.push(JSON.stringify(change));
        records += 1;
        if (slice.length >= this.sliceRecords) {
          await handle.write(`${slice.join('\n')}\n`);
          slice = [];
        }
      }
      await handle.write(`${slice.join('\n')}${slice.length > 0 ? '\n' : ''}${JSON.stringify({ end: true, records })}\n`);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(temporary, { force: true });
      throw error;
    }
    await handle.close();
    await rename(temporary, file);
    await syncDirectory(this.dir);
    this.snapshotThrough = through;
    this.uncompactedBytes = Math.max(0, this.uncompactedBytes - bytesCovered);
    const removed = await this.removeSegmentsThrough(through);
    this.compactions += 1;
    this.log('cosmos.compacted', { records, throughSegment: through, segmentsRemoved: removed, ms: Date.now() - started });
  }

  private async removeSegmentsThrough(through: number): Promise<number> {
    let removed = 0;
    for (const [n, name] of await this.segments()) {
      if (n > through) continue;
      await rm(join(this.dir, name), { force: true });
      removed += 1;
    }
    return removed;
  }

  private async segments(): Promise<[number, string][]> {
    const names = await readdir(this.dir);
    return names
      .map((name): [number, string] | undefined => {
        const match = SEGMENT_PATTERN.exec(name);
        return match?.[1] === undefined ? undefined : [Number(match[1]), name];
      })
      .filter((entry): entry is [number, string] => entry !== undefined)
      .sort((a, b) => a[0] - b[0]);
  }

  private async load(isExpired: JournalOptions['isExpired']): Promise<LoadStats> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) if (name.endsWith('.tmp')) await rm(join(this.dir, name), { force: true });
    const stats: LoadStats = { snapshotRecords: 0, journalRecords: 0, segments: 0, expired: 0, orphaned: 0, tornBytes: 0 };
    const apply = (change: StorageChange) => {
      let effective = change;
      if (change.kind === 'document' && change.data !== null && isExpired?.(change, this.storage) === true) {
        effective = { ...change, data: null };
        stats.expired += 1;
      }
      if (!this.storage.apply(effective)) stats.orphaned += 1;
    };

    const snapshotFile = join(this.dir, SNAPSHOT_FILE);
    if (await exists(snapshotFile)) {
      let header: z.infer<typeof SnapshotHeaderSchema> | undefined;
      let trailer: z.infer<typeof SnapshotTrailerSchema> | undefined;
      await readLines(snapshotFile, (line, number) => {
        const json = parseLine(line, snapshotFile, number);
        if (number === 1) header = parseOrThrow(SnapshotHeaderSchema, json, snapshotFile, number);
        else if (trailer !== undefined) throw corrupt(snapshotFile, number, 'data after the end marker');
        else if (isRecord(json) && 'end' in json) trailer = parseOrThrow(SnapshotTrailerSchema, json, snapshotFile, number);
        else {
          apply(parseOrThrow(StorageChangeSchema, json, snapshotFile, number));
          stats.snapshotRecords += 1;
        }
      });
      if (header === undefined || trailer === undefined) throw corrupt(snapshotFile, 0, 'incomplete snapshot');
      this.snapshotThrough = header.throughSegment;
    }

    const segments = await this.segments();
    const last = segments.at(-1)?.[0] ?? 0;
    for (const [n, name] of segments) {
      const file = join(this.dir, name);
      if (n <= this.snapshotThrough) {
        await rm(file, { force: true });
        continue;
      }
      stats.segments += 1;
      let offset = 0;
      let torn: { offset: number; line: number } | undefined;
      await readLines(file, (line, number) => {
        if (torn !== undefined) throw corrupt(file, torn.line, 'unreadable line');
        const json = tryParse(line);
        const parsed = json === undefined ? undefined : StorageChangeSchema.safeParse(json);
        if (parsed?.success !== true) {
          torn = { offset, line: number };
          offset += Buffer.byteLength(line) + 1;
          return;
        }
        apply(parsed.data);
        stats.journalRecords += 1;
        offset += Buffer.byteLength(line) + 1;
      });
      const size = (await stat(file)).size;
      if (torn !== undefined) {
        // Only the very end of the newest segment can be torn by a crash; anything else is damage.
        if (n !== last) throw corrupt(file, torn.line, 'unreadable line');
        const fd = openSync(file, 'r+');
        try {
          ftruncateSync(fd, torn.offset);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        stats.tornBytes = size - torn.offset;
        this.uncompactedBytes += torn.offset;
        this.log('cosmos.journal_torn_tail', { file: name, bytes: stats.tornBytes });
      } else {
        this.uncompactedBytes += size;
      }
    }
    this.segment = Math.max(last, this.snapshotThrough);
    return stats;
  }
}

async function readLines(file: string, onLine: (line: string, number: number) => void): Promise<void> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (line.length === 0) continue;
    onLine(line, number);
  }
}

function tryParse(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

function parseLine(line: string, file: string, number: number): unknown {
  const json = tryParse(line);
  if (json === undefined) throw corrupt(file, number, 'not JSON');
  return json;
}

function parseOrThrow<T>(schema: z.ZodType<T>, json: unknown, file: string, number: number): T {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw corrupt(file, number, `unexpected shape (${parsed.error.issues.length} problems)`);
  return parsed.data;
}

function corrupt(file: string, line: number, what: string): Error {
  return new Error(`Local Cosmos data file ${file} is damaged (line ${line}: ${what}); move the directory away (or npm start -- --reset) to start empty`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** Makes a rename durable: sync the directory entry (best effort where directories cannot be opened). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported on every platform; the rename itself is atomic.
  }
}
