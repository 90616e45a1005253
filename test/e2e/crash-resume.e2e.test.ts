import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectThroughConsent, localToken, startStackProcess, StackProcess, waitFor } from '../support/local-stack-process';

/**
 * A crash in the middle of a first import, through the whole stack: `kill -9` of the stack's
 * process group once the run has checkpointed some pages (observed over HTTP, never guessed from
 * a delay), then a restart on the same data directory without `--reset`. The broker delivers the
 * sync job again, the run resumes from its checkpoint by itself, and it ends with every directory
 * user pending exactly once, the run counting each of them once as new (users written after the
 * last checkpoint are recognised by their write stamps), the maintained counts right, and one
 * new-user e-mail with the exact number.
 */

const USERS = 20_000;
const COMPANY = 'acme';

interface Run {
  runId: string;
  status: string;
  pages: number;
  invocations: number;
  counts: Record<string, number>;
}

describe('e2e: a crash during the first import', () => {
  let dataDir: string;
  let stack: StackProcess | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'entra-sync-e2e-crash-'));
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes by itself after kill -9 and imports every user exactly once', async () => {
    const start = () => startStackProcess({ dataDir, args: ['--users', String(USERS)] });
    stack = await start();
    const token = await localToken(dataDir, ['--companies', COMPANY, '--email', `admin@${COMPANY}.example`]);
    const get = async <T>(path: string): Promise<T> => (await (await fetch(`${stack?.url ?? ''}${path}`, { headers: { authorization: `Bearer ${token}` } })).json()) as T;
    const run = (runId: string) => get<Run>(`/api/companies/${COMPANY}/entra/sync-runs/${runId}`);

    // "Connect a company" (one helper, shared with the other end-to-end tests).
    const tenant = await connectThroughConsent(stack.url, token, COMPANY);
    const { lastSync } = await get<{ lastSync: { runId: string } }>(`/api/companies/${COMPANY}/entra`);
    const { runId } = lastSync;

    // The middle of the import: some pages are checkpointed, and the run is still going.
    const middle = await waitFor(async () => {
      const current = await run(runId);
      if (current.status !== 'running' && current.status !== 'queued') throw new Error(`the import ended (${current.status}) before the test could interrupt it`);
      return current.pages >= 10 ? current : undefined;
    }, 'a checkpoint in the middle of the first import', 120_000);
    await stack.kill();
    expect(middle.pages).toBeLessThan(USERS / 200);

    stack = await start();
    const finished = await waitFor(async () => {
      const current = await run(runId);
      return ['succeeded', 'failed', 'held'].includes(current.status) ? current : undefined;
    }, 'the resumed import to finish', 180_000);
    expect(finished.status).toBe('succeeded');
    // Users written after the last checkpoint were durable, so the resumed pages find them stored:
    // their write stamps say the crashed attempt wrote them, so they count as new, not unchanged.
    expect(finished.counts).toMatchObject({ scanned: USERS, newPending: USERS, unchanged: 0, excluded: 0 });
    // The same run went on: a second invocation (the redelivered job), not a new run from scratch.
    expect(finished.invocations).toBeGreaterThanOrEqual(2);
    const runs = await get<{ items: Run[] }>(`/api/companies/${COMPANY}/entra/sync-runs`);
    expect(runs.items.map((r) => r.runId)).toEqual([runId]);

    // Every directory user pending exactly once.
    const directory = await (await fetch(`${stack.url}/_local/entra/tenants/${tenant}/users?limit=1`)).json() as { total: number };
    expect(directory.total).toBe(USERS);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: string }>; nextCursor: string | null } = await get(`/api/companies/${COMPANY}/pending-users?limit=500${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(USERS);
    expect(new Set(seen).size).toBe(USERS);
    // The maintained counts (one document, moved with the writes; derived again at the end of this
    // round, which a crash interrupted).
    const status = await get<{ counts: Record<string, number> }>(`/api/companies/${COMPANY}/entra`);
    expect(status.counts).toEqual({ pending: USERS, denied: 0, excluded: 0, held: 0, activeUsers: 0 });

    // One new-user e-mail, for all of them.
    const outbox = async () => (await (await fetch(`${stack?.url ?? ''}/_local/outbox`)).json()) as { messages: Array<{ subject: string }> };
    await waitFor(async () => ((await outbox()).messages.some((m) => m.subject.includes('waiting for approval')) ? true : undefined), 'the new-user e-mail');
    const newUserMails = (await outbox()).messages.filter((m) => m.subject.includes('waiting for approval'));
    expect(newUserMails.map((m) => m.subject)).toEqual([`${USERS} new users are waiting for approval`]);
  }, 400_000);
});
