import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../domain/app-error';
import type { Mailer, OutgoingMail } from '../../ports/mailer.port';
import { validateMail } from './mail-validation';

/**
 * Local Mailer: writes each message as one JSON file into a directory (the local stack's outbox),
 * `{ to, subject, text, html, sentAt, idempotencyKey }`.
 *
 * The file name is `<sentAt>-<hash>.json` (sentAt as a file-name-safe ISO time, hash = first 32
 * hex digits of SHA-256 of the idempotency key), so files sort by time and a message whose key
 * was already written is recognised and not written again. Writes are atomic (a dot-prefixed
 * `.tmp` file, then a rename), so a reader never sees half a message.
 */

export interface OutboxMailerOptions {
  dir: string;
  now?: () => Date;
}

export interface OutboxMessage {
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** ISO 8601. */
  sentAt: string;
  idempotencyKey: string;
}

export function idempotencyHash(idempotencyKey: string): string {
  return createHash('sha256').update(idempotencyKey, 'utf8').digest('hex').slice(0, 32);
}

export function outboxFileName(sentAt: Date, idempotencyKey: string): string {
  return `${sentAt.toISOString().replace(/[:.]/g, '-')}-${idempotencyHash(idempotencyKey)}.json`;
}

export class OutboxMailer implements Mailer {
  private readonly dir: string;
  private readonly now: () => Date;
  /** Sends in progress per key hash, so concurrent sends of one key write one file. */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(options: OutboxMailerOptions) {
    this.dir = options.dir;
    this.now = options.now ?? (() => new Date());
  }

  async send(mail: OutgoingMail): Promise<void> {
    validateMail(mail);
    const hash = idempotencyHash(mail.idempotencyKey);
    // Queue behind any send of the same key; the stored promise never rejects.
    const previous = this.pending.get(hash) ?? Promise.resolve();
    const current = previous.then(() => this.write(mail, hash));
    const settled = current.then(
      () => undefined,
      () => undefined,
    );
    this.pending.set(hash, settled);
    void settled.then(() => {
      if (this.pending.get(hash) === settled) this.pending.delete(hash);
    });
    await current;
  }

  private async write(mail: OutgoingMail, hash: string): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
      const suffix = `-${hash}.json`;
      const existing = await readdir(this.dir);
      if (existing.some((name) => name.endsWith(suffix))) return;
      const sentAt = this.now();
      const message: OutboxMessage = {
        to: [...mail.to],
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        sentAt: sentAt.toISOString(),
        idempotencyKey: mail.idempotencyKey,
      };
      const name = outboxFileName(sentAt, mail.idempotencyKey);
      const tmp = join(this.dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await writeFile(tmp, `${JSON.stringify(message, null, 2)}\n`, 'utf8');
        await rename(tmp, join(this.dir, name));
      } catch (error) {
        await unlink(tmp).catch(() => undefined);
        throw error;
      }
    } catch (error) {
      throw new AppError('dependency_unavailable', `Could not write to the mail outbox ${this.dir}`, { cause: error });
    }
  }
}

/** Reads every message in an outbox directory, oldest first (for the local stack and tests). */
export async function readOutbox(dir: string): Promise<OutboxMessage[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT') return [];
    throw error;
  }
  const files = names.filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort();
  return Promise.all(files.map(async (name) => JSON.parse(await readFile(join(dir, name), 'utf8')) as OutboxMessage));
}
