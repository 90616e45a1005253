// Saving and loading the simulator's state (directories, change logs, consent, subscriptions and
// the keys behind tokens, so delta tokens survive a restart). Writes are debounced and atomic
// (write a temporary file, then rename over the old one).
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Scheduler } from '../scheduler';
import type { LogFn } from './context';
import { persistedSubscriptionSchema } from './subscriptions';
import { persistedTenantDirectorySchema } from './tenant-directory';

export const persistedStateSchema = z.object({
  version: z.literal(1),
  savedAt: z.string(),
  /** The port last listened on: reused when a random port is asked for, so stored links keep working. */
  port: z.number().int().min(1).max(65535).optional(),
  signingKeyPem: z.string(),
  /** RSA key of the sign-in's id_tokens (absent in files of older versions: made anew). */
  idTokenKeyPem: z.string().optional(),
  tokenSecret: z.string(),
  tenants: z.array(persistedTenantDirectorySchema),
  subscriptions: z.array(persistedSubscriptionSchema),
});
export type PersistedState = z.infer<typeof persistedStateSchema>;

/** Reads the state file; null when it does not exist. Throws on a corrupt file. */
export async function loadState(file: string): Promise<PersistedState | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`Entra simulator state file ${file} is not valid JSON; delete it to start from the seed.`);
  }
  const parsed = persistedStateSchema.safeParse(data);
  if (!parsed.success) {
    throw new Error(`Entra simulator state file ${file} has an unexpected shape (${parsed.error.issues[0]?.message ?? 'invalid'}); delete it to start from the seed.`);
  }
  return parsed.data;
}

export const SAVE_DEBOUNCE_MS = 200;

export class StateSaver {
  private timer: unknown = null;
  private dirty = false;
  private closed = false;
  private chain: Promise<void> = Promise.resolve();
  private counter = 0;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => PersistedState,
    private readonly log: LogFn,
    private readonly scheduler: Scheduler,
  ) {}

  markDirty(): void {
    if (this.closed) return;
    this.dirty = true;
    if (this.timer !== null) return;
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, SAVE_DEBOUNCE_MS);
  }

  /** Writes now if anything changed; resolves when written. Never rejects (failures are logged). */
  flush(): Promise<void> {
    if (this.timer !== null) {
      this.scheduler.clearTimeout(this.timer);
      this.timer = null;
    }
    this.chain = this.chain.then(() => this.write());
    return this.chain;
  }

  /** Resolves when no write is in progress (a save whose debounce has not run out does not count). */
  async whenIdle(): Promise<void> {
    for (let current = this.chain; ; current = this.chain) {
      await current;
      if (current === this.chain) return;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const started = Date.now();
    const tmp = `${this.file}.${process.pid}.${++this.counter}.tmp`;
    try {
      const text = JSON.stringify(this.snapshot());
      await mkdir(dirname(this.file), { recursive: true });
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, this.file);
      this.log('state.saved', { bytes: Buffer.byteLength(text), ms: Date.now() - started });
    } catch (err) {
      this.dirty = true;
      this.log('state.save_failed', { error: err instanceof Error ? err.message : 'unknown' });
      await unlink(tmp).catch(() => undefined);
    }
  }
}
