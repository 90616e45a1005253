import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { damaged, FsyncPolicy, readLines, SegmentedLog, syncDirectory, tryParse } from '../segmented-log';
import { ObservedStorage, StorageChange, StorageChangeSchema } from './cosmos-storage';

/**
 * Durability for the local Cosmos server: every change the storage reports, as a physical,
 * idempotent record, in an append-only journal (../segmented-log.ts) replayed at start, and a
 * snapshot that compaction writes in the background.
 *
 * - A request that changed anything is answered after `commit()`: its records are written with
 *   one `write` (so an acknowledged write survives `kill -9`) and, with `fsync: 'always'` (the
 *   default), synced with `fdatasync` (group commit) so it survives a power cut too.
 * - Compaction starts when the journal since the last snapshot passes `compactBytes`. It rotates
 *   to a new segment, then writes every database, container and document to a new snapshot in
 *   slices (awaiting each write, so the event loop keeps serving requests), syncs and renames
 *   it, and deletes the segments it covers. Writes go on meanwhile: the snapshot is fuzzy, and
 *   the records are idempotent (last one wins), so snapshot + later segments is the state. Never
 *   two at once; nothing to do when nothing was written.
 * - A crash mid-compaction leaves the old snapshot and every segment: nothing is lost.
 */

export type { FsyncPolicy };
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
const WHAT = 'local Cosmos';

const SnapshotHeaderSchema = z.object({ format: z.literal('local-cosmos-snapshot'), version: z.literal(2), throughSegment: z.number().int().nonnegative(), startedAt: z.string() }).strict();
const SnapshotTrailerSchema = z.object({ end: z.literal(true), records: z.number().int().nonnegative() }).strict();

export class CosmosJournal {
  private readonly log: JournalLog;
  private readonly compactBytes: number;
  private readonly sliceRecords: number;
  private readonly segments: SegmentedLog;
  private compacting: Promise<void> | undefined;
  private closed = false;
  private compactions = 0;

  private constructor(
    private readonly storage: ObservedStorage,
    private readonly options: JournalOptions,
  ) {
    this.log = options.log ?? (() => undefined);
    this.compactBytes = options.compactBytes ?? DEFAULT_COMPACT_BYTES;
    this.sliceRecords = options.sliceRecords ?? 1000;
    this.segments = new SegmentedLog(options.dir, { fsync: options.fsync ?? 'always', what: WHAT, log: (event, fields) => { this.log(`cosmos.${event}`, fields); } });
  }

  /** Loads the snapshot and the journal into `storage`, then opens a new segment for appends. */
  static async open(storage: ObservedStorage, options: JournalOptions): Promise<{ journal: CosmosJournal; stats: LoadStats }> {
    const journal = new CosmosJournal(storage, options);
    const stats = await journal.load();
    return { journal, stats };
  }

  /** Buffers a change; `commit()` writes it. */
  record(change: StorageChange): void {
    if (!this.closed) this.segments.append(JSON.stringify(change));
  }

  /** Writes the buffered changes and resolves once they are as durable as the policy says. */
  commit(): Promise<void> {
    const committed = this.segments.commit();
    if (this.segments.uncoveredBytes() >= this.compactBytes && this.compacting === undefined) {
      this.compact().catch((error: unknown) => {
        this.log('cosmos.compaction_failed', { error: error instanceof Error ? error.message : String(error) });
      });
    }
    return committed;
  }

  /**
   * Writes a snapshot of everything written so far and drops the journal it covers. No-op when
   * nothing changed; while a compaction runs, waits for it and then covers what came after it.
   */
  compact(): Promise<void> {
    if (this.compacting !== undefined) return this.compacting.then(() => this.compact());
    if (this.closed || this.segments.uncoveredBytes() === 0) return Promise.resolve();
    this.compacting = this.writeSnapshot().finally(() => {
      this.compacting = undefined;
    });
    return this.compacting;
  }

  stats(): { segment: number; uncompactedBytes: number; compactions: number; compacting: boolean } {
    return { segment: this.segments.currentSegment(), uncompactedBytes: this.segments.uncoveredBytes(), compactions: this.compactions, compacting: this.compacting !== undefined };
  }

  /** Waits for a running compaction, then writes, syncs and closes the journal. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.compacting?.catch(() => undefined);
    this.closed = true;
    this.segments.close();
  }

  private async writeSnapshot(): Promise<void> {
    const started = Date.now();
    const through = this.segments.rotate();
    const file = join(this.options.dir, SNAPSHOT_FILE);
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
    await syncDirectory(this.options.dir);
    const removed = await this.segments.removeThrough(through);
    this.compactions += 1;
    this.log('cosmos.compacted', { records, throughSegment: through, segmentsRemoved: removed, ms: Date.now() - started });
  }

  private async load(): Promise<LoadStats> {
    const { dir, isExpired } = this.options;
    await mkdir(dir, { recursive: true });
    const stats: LoadStats = { snapshotRecords: 0, journalRecords: 0, segments: 0, expired: 0, orphaned: 0, tornBytes: 0 };
    const apply = (change: StorageChange) => {
      let effective = change;
      if (change.kind === 'document' && change.data !== null && isExpired?.(change, this.storage) === true) {
        effective = { ...change, data: null };
        stats.expired += 1;
      }
      if (!this.storage.apply(effective)) stats.orphaned += 1;
    };

    let throughSegment = 0;
    const snapshotFile = join(dir, SNAPSHOT_FILE);
    if (await exists(snapshotFile)) {
      let header: z.infer<typeof SnapshotHeaderSchema> | undefined;
      let trailer: z.infer<typeof SnapshotTrailerSchema> | undefined;
      await readLines(snapshotFile, (line, number) => {
        const json = tryParse(line);
        if (number === 1) header = parseOrThrow(SnapshotHeaderSchema, json, snapshotFile, number);
        else if (trailer !== undefined) throw damaged(snapshotFile, number, WHAT);
        else if (isRecord(json) && 'end' in json) trailer = parseOrThrow(SnapshotTrailerSchema, json, snapshotFile, number);
        else {
          apply(parseOrThrow(StorageChangeSchema, json, snapshotFile, number));
          stats.snapshotRecords += 1;
        }
      });
      if (header === undefined || trailer === undefined) throw damaged(snapshotFile, 0, WHAT);
      throughSegment = header.throughSegment;
    }

    const replayed = this.segments.open(throughSegment, (json) => {
      const parsed = StorageChangeSchema.safeParse(json);
      if (!parsed.success) return false;
      apply(parsed.data);
      return true;
    });
    stats.journalRecords = replayed.records;
    stats.segments = replayed.segments;
    stats.tornBytes = replayed.tornBytes;
    return stats;
  }
}

function parseOrThrow<T>(schema: z.ZodType<T>, json: unknown, file: string, number: number): T {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw damaged(file, number, WHAT);
  return parsed.data;
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
