import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectThroughConsent, localToken, startStackProcess, StackProcess, waitFor } from '../support/local-stack-process';

/**
 * Approve, deny and merge end to end through the local stack: sync → approve some (one merging
 * with a hand-added user whose data survives) → deny a shared mailbox → re-sync (decisions stand,
 * no duplicates) → rename an approved user in the directory → sync → same Symbol user, new e-mail
 * → undo the merge → the hand-added user is back field by field, the directory user is pending,
 * and the audit trail shows the merge and its undo.
 */

interface Pending {
  id: string;
  displayName: string;
  email: string | null;
  flags: string[];
  matchedUserId: string | null;
}
interface User {
  id: string;
  email: string;
  givenName: string | null;
  surname: string | null;
  displayName: string | null;
  department: string | null;
  entraObjectId: string | null;
  status: string;
  source: string;
  customFields: Record<string, string>;
  jobTitle: string | null;
}

describe('e2e: approve, deny, merge through the local stack', () => {
  let dataDir: string;
  let stack: StackProcess;
  let token: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'entra-sync-e2e-approve-'));
    stack = await startStackProcess({ dataDir, args: ['--users', '120'] });
    token = await localToken(dataDir, ['--companies', 'acme', '--email', 'admin@acme.example', '--subject', 'admin-42']);
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${stack.url}/api/companies/acme/${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    return { status: response.status, body: (await response.json()) as T };
  };
  const simUsers = async (tenant: string) => ((await (await fetch(`${stack.url}/_local/entra/tenants/${tenant}/users?limit=1000`)).json()) as { users: Array<{ id: string; kind: string; mail: string | null; displayName: string }> }).users;

  async function syncNow(full = false): Promise<{ status: string; counts: Record<string, number> }> {
    const { body } = await api<{ runId: string }>('entra/sync', { method: 'POST', body: JSON.stringify({ full }) });
    return waitFor(async () => {
      const run = (await api<{ status: string; counts: Record<string, number> }>(`entra/sync-runs/${body.runId}`)).body;
      return ['succeeded', 'failed', 'held'].includes(run.status) ? run : undefined;
    }, 'the sync');
  }

  it('runs the whole review story', async () => {
    const tenant = await connectThroughConsent(stack.url, token, 'acme');
    await waitFor(async () => ((await api<{ lastSync: { status: string } }>('entra')).body.lastSync.status === 'succeeded' ? true : undefined), 'the first import');

    const people = (await simUsers(tenant)).filter((u) => u.kind === 'person' && u.mail);
    const [merger, second, third] = people;
    const mailbox = (await simUsers(tenant)).find((u) => u.kind === 'sharedMailbox');
    if (!merger || !second || !third || !mailbox) throw new Error('unexpected directory');

    // A user added by hand before (with pretend training data) shares the merger's address.
    const hand = await api<User>('users', { method: 'POST', body: JSON.stringify({ email: merger.mail?.toUpperCase(), givenName: 'Hand', surname: 'Added', customFields: { trainingAssignments: '5', lastCourse: 'Phishing 101' } }) });
    expect(hand.status).toBe(201);
    const listed = await api<{ items: Pending[] }>(`pending-users?search=${encodeURIComponent(merger.mail ?? '')}`);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: merger.id, matchedUserId: hand.body.id })] as unknown[]);

    const approved = await api<{ approved: Array<{ id: string; userId: string; merged: boolean }>; failed: unknown[] }>('pending-users/approve', { method: 'POST', body: JSON.stringify({ ids: [merger.id, second.id, third.id] }) });
    expect(approved.status).toBe(200);
    expect(approved.body.failed).toEqual([]);
    expect(approved.body.approved.find((a) => a.id === merger.id)).toEqual({ id: merger.id, userId: hand.body.id, merged: true });

    const denied = await api<{ denied: string[] }>('pending-users/deny', { method: 'POST', body: JSON.stringify({ ids: [mailbox.id] }) });
    expect(denied.body.denied).toEqual([mailbox.id]);

    // Re-sync (full): denied stays denied, approved stay approved, no duplicates, no new pending.
    const resync = await syncNow(true);
    expect(resync).toMatchObject({ status: 'succeeded', counts: { newPending: 0 } });
    expect((await api<{ items: Pending[] }>('pending-users?status=denied')).body.items.map((p) => p.id)).toEqual([mailbox.id]);
    const users = (await api<{ items: User[] }>('users?limit=500')).body.items;
    expect(users).toHaveLength(3);
    expect(new Set(users.map((u) => u.entraObjectId))).toEqual(new Set([merger.id, second.id, third.id]));
    const mergedUser = users.find((u) => u.id === hand.body.id);
    expect(mergedUser).toMatchObject({ source: 'manual', entraObjectId: merger.id, customFields: { trainingAssignments: '5', lastCourse: 'Phishing 101' } });
    const status = (await api<{ counts: { pending: number; denied: number; activeUsers: number } }>('entra')).body;
    expect(status.counts).toMatchObject({ denied: 1, activeUsers: 3 });

    // Rename in Entra: the object id is the identity, so the same Symbol user gets the new address.
    const newMail = `renamed.${merger.id.slice(0, 6)}@contoso.example`;
    const patched = await fetch(`${stack.url}/_local/entra/tenants/${tenant}/users/${merger.id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mail: newMail, userPrincipalName: newMail, jobTitle: 'Renamed Manager' }) });
    expect(patched.status).toBe(200);
    const afterRename = await syncNow();
    expect(afterRename).toMatchObject({ status: 'succeeded', counts: { updated: 1, newPending: 0 } });
    const renamed = (await api<{ items: User[] }>('users?limit=500')).body.items.find((u) => u.id === hand.body.id);
    expect(renamed).toMatchObject({ email: newMail, jobTitle: 'Renamed Manager', entraObjectId: merger.id, customFields: { trainingAssignments: '5' } });
    expect((await api<{ items: User[] }>('users?limit=500')).body.items).toHaveLength(3);

    // Undo the merge: the hand-added user gets back every field the merge (and the rename since) changed.
    const undone = await api<User & { merged: boolean; merge: unknown }>(`users/${hand.body.id}/merge/undo`, { method: 'POST', body: '{}' });
    expect(undone.status).toBe(200);
    const before = hand.body;
    expect(undone.body).toMatchObject({
      id: before.id,
      email: before.email,
      givenName: 'Hand',
      surname: 'Added',
      displayName: before.displayName,
      jobTitle: before.jobTitle,
      department: before.department,
      entraObjectId: null,
      status: 'active',
      source: 'manual',
      customFields: { trainingAssignments: '5', lastCourse: 'Phishing 101' },
      merged: false,
      merge: null,
    });
    expect((await api<User>(`users/${hand.body.id}`)).body).toEqual(undone.body);
    const pending = await api<{ items: Pending[] }>('pending-users/search', { method: 'POST', body: JSON.stringify({ search: newMail }) });
    expect(pending.body.items).toEqual([expect.objectContaining({ id: merger.id, status: 'pending' })] as unknown[]);
    // Undoing again changes nothing; a sync leaves the unlinked user alone.
    expect((await api<User>(`users/${hand.body.id}/merge/undo`, { method: 'POST' })).body).toEqual(undone.body);
    expect(await syncNow()).toMatchObject({ status: 'succeeded' });
    expect((await api<User>(`users/${hand.body.id}`)).body).toMatchObject({ givenName: 'Hand', entraObjectId: null });

    // The audit trail: the admin's approval and merge, then the undo — newest first.
    const audit = (await api<{ items: Array<{ action: string; actor: { subject?: string }; target: { id: string }; details: Record<string, unknown> }> }>('audit?action=approve,merge,merge_undo')).body.items;
    expect(audit[0]).toMatchObject({ action: 'merge_undo', actor: { subject: 'admin-42' }, target: { id: hand.body.id }, details: { entraObjectId: merger.id, returnedToPending: true } });
    expect(audit.find((e) => e.action === 'merge')).toMatchObject({ actor: { subject: 'admin-42' }, target: { id: hand.body.id }, details: { entraObjectId: merger.id } });
    expect(audit.filter((e) => e.action === 'approve').map((e) => e.target.id).sort()).toEqual([merger.id, second.id, third.id].sort());
    expect((await api<{ items: Array<{ action: string }> }>('audit?action=deny')).body.items).toEqual([expect.objectContaining({ action: 'deny', target: expect.objectContaining({ id: mailbox.id }) as unknown })]);
  }, 120_000);
});
