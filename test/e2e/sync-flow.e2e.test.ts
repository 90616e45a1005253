import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectThroughConsent, localToken, startStackProcess, StackProcess, waitFor } from '../support/local-stack-process';

/**
 * The sync engine end to end through the local stack: connect → the first full sync runs by
 * itself → pending users with flags → a change in the simulated directory → Sync Now → the run
 * shows the change → one new-user e-mail in the outbox with the right count and link.
 */

interface Run {
  runId: string;
  status: string;
  mode: string;
  counts: Record<string, number>;
}

describe('e2e: sync through the local stack', () => {
  let dataDir: string;
  let stack: StackProcess;
  let token: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'entra-sync-e2e-sync-'));
    // Graph's notifications of the test's directory changes queue a coalesced sync at the end of
    // its window: a long window keeps it from running before (or joining) the test's Sync Now.
    stack = await startStackProcess({ dataDir, args: ['--users', '150'], env: { WEBHOOK_COALESCE_SECONDS: '600' } });
    token = await localToken(dataDir, ['--companies', 'acme', '--email', 'admin@acme.example']);
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}) => fetch(`${stack.url}/api/${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });
  const sim = (path: string, init: RequestInit = {}) => fetch(`${stack.url}/_local/entra/${path}`, { ...init, headers: { 'content-type': 'application/json' } });

  async function finished(runId: string): Promise<Run> {
    return waitFor(async () => {
      const run = (await (await api(`companies/acme/entra/sync-runs/${runId}`)).json()) as Run;
      return run.status === 'succeeded' || run.status === 'failed' || run.status === 'held' ? run : undefined;
    }, `run ${runId}`);
  }

  async function outbox(): Promise<Array<{ to: string[]; subject: string; text: string; html: string }>> {
    return ((await (await fetch(`${stack.url}/_local/outbox`)).json()) as { messages: Array<{ to: string[]; subject: string; text: string; html: string }> }).messages;
  }

  it('connect → first full sync fills the pending list → Sync Now picks up directory changes', async () => {
    // Connect through the consent stand-in, like a browser.
    const tenant = await connectThroughConsent(stack.url, token, 'acme');

    // The first full sync runs from the queue on its own.
    const status = (await (await api('companies/acme/entra')).json()) as { lastSync: { runId: string } };
    const first = await finished(status.lastSync.runId);
    const users = ((await (await sim('tenants')).json()) as Array<{ id: string; userCount: number }>).find((t) => t.id === tenant);
    expect(first).toMatchObject({ status: 'succeeded', mode: 'full', counts: { scanned: users?.userCount, newPending: users?.userCount } });
    const afterFirst = (await (await api('companies/acme/entra')).json()) as { counts: { pending: number; activeUsers: number }; lastSync: { status: string } };
    expect(afterFirst.counts).toMatchObject({ pending: users?.userCount, activeUsers: 0 });
    expect(afterFirst.lastSync.status).toBe('succeeded');

    const firstMail = await waitFor(async () => (await outbox()).find((m) => m.subject.includes('waiting for approval')), 'the first new-user e-mail');
    expect(firstMail.subject).toBe(`${users?.userCount} new users are waiting for approval`);
    expect(firstMail.to).toEqual(['admin@acme.example']);

    // Change the directory while running: two new people and one title change.
    await sim(`tenants/${tenant}/users`, { method: 'POST', body: JSON.stringify({ givenName: 'Grace', surname: 'Hopper', department: 'Engineering' }) });
    await sim(`tenants/${tenant}/users`, { method: 'POST', body: JSON.stringify({ givenName: 'Alan', surname: 'Turing', department: 'Research' }) });
    const someone = ((await (await sim(`tenants/${tenant}/users?limit=1`)).json()) as { users: Array<{ id: string }> }).users[0];
    await sim(`tenants/${tenant}/users/${someone?.id ?? ''}`, { method: 'PATCH', body: JSON.stringify({ jobTitle: 'Head of Sync' }) });

    const sync = await api('companies/acme/entra/sync', { method: 'POST', body: '{}' });
    expect(sync.status).toBe(202);
    const { runId } = (await sync.json()) as { runId: string };
    expect(sync.headers.get('location')).toBe(`/api/companies/acme/entra/sync-runs/${runId}`);
    const second = await finished(runId);
    expect(second).toMatchObject({ status: 'succeeded', mode: 'delta', counts: { newPending: 2, updated: 1 } });

    const mail = await waitFor(async () => (await outbox()).find((m) => m.subject === '2 new users are waiting for approval'), 'the second new-user e-mail');
    expect(mail.text).toContain('Grace Hopper');
    expect(mail.text).toContain('Alan Turing');
    expect(mail.text).toContain('/console/companies/acme/users/pending');
    expect(mail.html).toContain('href="http://127.0.0.1');

    const runs = (await (await api('companies/acme/entra/sync-runs')).json()) as { items: Array<Run & { trigger: string }> };
    // Graph's notifications of these changes also queued a coalesced webhook sync, due when its long window ends.
    expect(runs.items.filter((r) => r.trigger !== 'webhook').map((r) => r.runId).slice(0, 2)).toEqual([runId, first.runId]);
    const final = (await (await api('companies/acme/entra')).json()) as { counts: { pending: number } };
    expect(final.counts.pending).toBe((users?.userCount ?? 0) + 2);
  }, 90_000);
});
