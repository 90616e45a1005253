import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { AppError } from '../../domain/app-error';

/**
 * The in-process broker's state file: every queue's messages (active, scheduled, dead-lettered)
 * and its duplicate-detection ids, as of the journal segment it names (`journalSegment`; the
 * journal holds every change after it). Times are epoch milliseconds; bodies are stored as
 * parsed JSON so the file stays readable. Version 1 (the previous version's file, written on
 * shutdown only) loads as a state with no journal.
 */

const PersistedMessageSchema = z.object({
  sequenceNumber: z.number().int().nonnegative(),
  messageId: z.string().min(1),
  sessionId: z.string().min(1).optional(),
  subject: z.string().optional(),
  body: z.unknown(),
  enqueuedAt: z.number(),
  scheduledAt: z.number().optional(),
  deliveryCount: z.number().int().nonnegative(),
  deadLetterReason: z.string().optional(),
  deadLetterDescription: z.string().optional(),
});
export type PersistedMessage = z.infer<typeof PersistedMessageSchema>;

const PersistedQueueSchema = z.object({
  active: z.array(PersistedMessageSchema),
  scheduled: z.array(PersistedMessageSchema),
  deadLetter: z.array(PersistedMessageSchema),
  dedupe: z.array(z.object({ messageId: z.string().min(1), at: z.number() })),
});
export type PersistedQueue = z.infer<typeof PersistedQueueSchema>;

const BrokerStateSchema = z.object({
  version: z.union([z.literal(1), z.literal(2)]),
  /** Journal segments up to this one are contained in this state. */
  journalSegment: z.number().int().nonnegative().optional(),
  savedAt: z.string(),
  nextSequenceNumber: z.number().int().nonnegative(),
  queues: z.record(z.string(), PersistedQueueSchema),
});
export type BrokerState = z.infer<typeof BrokerStateSchema>;

/** One change of the broker's state, as journaled; messages are named by queue and sequence number. */
export const BrokerJournalRecordSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('send'), queue: z.string().min(1), message: PersistedMessageSchema, dedupeAt: z.number() }).strict(),
  z.object({ op: z.literal('deliver'), queue: z.string().min(1), seq: z.number().int().nonnegative(), deliveryCount: z.number().int().positive() }).strict(),
  z.object({ op: z.literal('complete'), queue: z.string().min(1), seq: z.number().int().nonnegative() }).strict(),
  z.object({ op: z.literal('deadLetter'), queue: z.string().min(1), seq: z.number().int().nonnegative(), reason: z.string(), description: z.string() }).strict(),
  z.object({ op: z.literal('activate'), queue: z.string().min(1), seq: z.number().int().nonnegative(), at: z.number() }).strict(),
]);
export type BrokerJournalRecord = z.infer<typeof BrokerJournalRecordSchema>;

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

/**
 * Reads the state file synchronously (the broker loads it in its constructor). A missing file is
 * an empty broker; an unreadable or malformed one is a start-up error rather than silently lost
 * jobs.
 */
export function readBrokerState(file: string): BrokerState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw new AppError('configuration_invalid', `Cannot read the queue state file ${file}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AppError('configuration_invalid', `The queue state file ${file} is not valid JSON; move it aside to start empty`, { cause: error });
  }
  const parsed = BrokerStateSchema.safeParse(json);
  if (!parsed.success) {
    throw new AppError('configuration_invalid', `The queue state file ${file} has an unexpected shape; move it aside to start empty`, {
      errors: parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
    });
  }
  return parsed.data;
}

let tmpCounter = 0;

/** Writes the state atomically and durably: a temporary file in the same directory, synced, then a rename. */
export async function writeBrokerState(file: string, state: BrokerState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  tmpCounter += 1;
  const tmp = `${file}.${process.pid}.${tmpCounter}.tmp`;
  try {
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}
