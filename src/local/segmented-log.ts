import { closeSync, createReadStream, fdatasync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * An append-only log of JSON lines in numbered segment files (`journal-00000001.jsonl`, …), the
 * durable part of the local Cosmos server and the in-process broker.
 *
 * - `append` buffers lines; `commit` writes the buffer with one `write` (so a crash never leaves
 *   half of one commit on disk but the other half lost) and, with `fsync: 'always'`, resolves
 *   after `fdatasync` — group commit: one sync covers every commit that arrived meanwhile.
 *   A line that `commit` wrote survives a crash of the process either way (it is in the kernel);
 *   the sync makes it survive a power cut.
 * - `rotate` syncs and closes the current segment and continues in the next one; the owner then
 *   writes a snapshot covering the old segments and calls `removeThrough`.
 * - At open, `replay` reads the segments after the snapshot's; a torn last line of the newest
 *   segment (the process died inside a write, which was then never acknowledged) is cut off;
 *   an unreadable line anywhere else is damage and stops the start.
 */

export type FsyncPolicy = 'always' | 'never';
export type LogEvents = (event: string, fields: Record<string, unknown>) => void;

const SEGMENT_PATTERN = /^journal-(\d{8})\.jsonl$/;
const segmentName = (n: number) => `journal-${String(n).padStart(8, '0')}.jsonl`;

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface ReplayStats {
  segments: number;
  records: number;
  tornBytes: number;
}

export class SegmentedLog {
  private fd = -1;
  private segment = 0;
  private pending: string[] = [];
  private writtenSeq = 0;
  private durableSeq = 0;
  private syncing = false;
  private waiters: Waiter[] = [];
  private failure: Error | undefined;
  private closed = false;
  /** Bytes written to segments after the last `rotate`-and-`removeThrough`. */
  private bytesSinceRotation = 0;
  private uncovered = 0;

  constructor(
    readonly dir: string,
    private readonly options: { fsync: FsyncPolicy; what: string; log: LogEvents },
  ) {}

  /**
   * Replays (synchronously) the segments numbered above `after` (deleting those at or below it) and opens a new
   * segment for appends. `onRecord` gets each parsed line, or undefined for an unreadable one;
   * it returns false for a line it cannot use (treated like an unreadable one).
   */
  open(after: number, onRecord: (json: unknown) => boolean): ReplayStats {
    mkdirSync(this.dir, { recursive: true });
    for (const name of readdirSync(this.dir)) if (name.endsWith('.tmp')) rmSync(join(this.dir, name), { force: true });
    const stats: ReplayStats = { segments: 0, records: 0, tornBytes: 0 };
    const segments = this.segmentsSync();
    const last = segments.at(-1)?.[0] ?? 0;
    for (const [n, name] of segments) {
      const file = join(this.dir, name);
      if (n <= after) {
        rmSync(file, { force: true });
        continue;
      }
      stats.segments += 1;
      // Segments are bounded by compaction: read whole, synchronously (the broker loads in its constructor).
      const content = readFileSync(file);
      let offset = 0;
      let torn: { offset: number; line: number } | undefined;
      let number = 0;
      while (offset < content.length) {
        number += 1;
        const end = content.indexOf(10, offset);
        const stop = end < 0 ? content.length : end;
        const line = content.toString('utf8', offset, stop);
        if (torn !== undefined) throw damaged(file, torn.line, this.options.what);
        if (line.length > 0 && !onRecord(tryParse(line))) torn = { offset, line: number };
        else if (line.length > 0) stats.records += 1;
        offset = stop + 1;
      }
      if (torn === undefined) {
        this.uncovered += content.length;
        continue;
      }
      if (n !== last) throw damaged(file, torn.line, this.options.what);
      const fd = openSync(file, 'r+');
      try {
        ftruncateSync(fd, torn.offset);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      stats.tornBytes = content.length - torn.offset;
      this.uncovered += torn.offset;
      this.options.log('journal.torn_tail', { file: name, bytes: stats.tornBytes });
    }
    this.openSegment(Math.max(last, after) + 1);
    return stats;
  }

  append(line: string): void {
    if (!this.closed) this.pending.push(line);
  }

  /** Writes what was appended; resolves once it is as durable as the policy says. */
  commit(): Promise<void> {
    try {
      this.flush();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const seq = this.writtenSeq;
    if (this.options.fsync === 'never' || this.durableSeq >= seq) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.startSync();
    });
  }

  /** Writes what was appended without waiting for a sync (still safe from a process crash). */
  write(): void {
    this.flush();
    if (this.options.fsync === 'always' && !this.syncing) this.startSync();
  }

  /** Bytes in segments that no snapshot covers yet. */
  uncoveredBytes(): number {
    return this.uncovered;
  }

  /** Syncs and closes the current segment, continues in a new one; returns the closed segment's number. */
  rotate(): number {
    this.flush();
    const through = this.segment;
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      fdatasyncSync(fd);
      closeSync(fd);
    }
    this.openSegment(through + 1);
    this.settle(this.writtenSeq);
    this.bytesSinceRotation = 0;
    return through;
  }

  /** After a snapshot covering segments up to `through` is safely on disk. */
  async removeThrough(through: number): Promise<number> {
    let removed = 0;
    for (const [n, name] of await this.segments()) {
      if (n > through) continue;
      await rm(join(this.dir, name), { force: true });
      removed += 1;
    }
    this.uncovered = this.bytesSinceRotation;
    return removed;
  }

  currentSegment(): number {
    return this.segment;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.fd >= 0) {
      fdatasyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
    }
    this.settle(this.writtenSeq);
  }

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
      this.failure = new Error(`The ${this.options.what} journal could not be written (${error instanceof Error ? error.message : String(error)}); restart the stack`);
      this.options.log('journal.failed', { what: this.options.what, error: this.failure.message });
      throw this.failure;
    }
    this.uncovered += buffer.length;
    this.bytesSinceRotation += buffer.length;
    this.writtenSeq += 1;
  }

  private startSync(): void {
    if (this.syncing || this.fd < 0) return;
    this.syncing = true;
    const fd = this.fd;
    const seq = this.writtenSeq;
    fdatasync(fd, (error) => {
      this.syncing = false;
      // A rotation synced and closed this segment meanwhile: its lines are durable already.
      if (error && fd === this.fd) {
        const failure = new Error(`fdatasync of the ${this.options.what} journal failed: ${error.message}`);
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

  private async segments(): Promise<[number, string][]> {
    return parseSegmentNames(await readdir(this.dir));
  }

  private segmentsSync(): [number, string][] {
    return parseSegmentNames(readdirSync(this.dir));
  }
}

function parseSegmentNames(names: string[]): [number, string][] {
  return names
    .map((name): [number, string] | undefined => {
      const match = SEGMENT_PATTERN.exec(name);
      return match?.[1] === undefined ? undefined : [Number(match[1]), name];
    })
    .filter((entry): entry is [number, string] => entry !== undefined)
    .sort((a, b) => a[0] - b[0]);
}

/** Calls `onLine` for each non-empty line of a UTF-8 file, streaming. */
export async function readLines(file: string, onLine: (line: string, number: number) => void): Promise<void> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (line.length === 0) continue;
    onLine(line, number);
  }
}

export function tryParse(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

export function damaged(file: string, line: number, what: string): Error {
  return new Error(`The ${what} data file ${file} is damaged (line ${line}); move it away (or npm start -- --reset) to start empty`);
}

/** Makes a rename durable: sync the directory entry (best effort where directories cannot be opened). */
export async function syncDirectory(dir: string): Promise<void> {
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
