import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectThroughConsent, localToken, startStackProcess, StackProcess, waitFor } from '../support/local-stack-process';

/**
 * Foresight end to end through the local stack and its simulated tenants, over HTTP only:
 * - Contoso, connected with importOnConnect off: a preview before the first import lists what the
 *   import then does (same counts, same users); a preview of exclude.guests lists exactly the guests.
 * - Fabrikam, scoped to its "Security Awareness Pilot" group: only the members are pending; a member
 *   removed from the group is deactivated (approved) at the next sync, with the reason.
 */

interface Run {
  runId: string;
  status: string;
  mode: string;
  dryRun: boolean;
  counts: Record<string, number>;
  preview: { merged: number; wouldHold: boolean; proposedSettings: boolean } | null;
}
interface Item {
  id: string;
  reasons: Array<{ code: string; text: string }>;
}
interface SimUser {
  id: string;
  userType: string;
}

describe('e2e: scope and dry-run previews through the local stack', () => {
  let dataDir: string;
  let stack: StackProcess;
  let token: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'entra-sync-e2e-preview-'));
    stack = await startStackProcess({ dataDir, args: ['--users', '120'], env: { WEBHOOK_COALESCE_SECONDS: '600' } });
    token = await localToken(dataDir, ['--companies', 'contoso-co,fabrikam-co', '--email', 'admin@symbol.example']);
  }, 60_000);

  afterAll(async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${stack.url}/api/${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
  const sim = (path: string, init: RequestInit = {}) => fetch(`${stack.url}/_local/entra/${path}`, { ...init, headers: { 'content-type': 'application/json' } });
  const json = async <T>(response: Promise<Response>): Promise<T> => (await (await response).json()) as T;

  async function finished(companyId: string, runId: string): Promise<Run> {
    return waitFor(async () => {
      const run = await json<Run>(api(`companies/${companyId}/entra/sync-runs/${runId}`));
      return run.status === 'succeeded' || run.status === 'failed' || run.status === 'held' ? run : undefined;
    }, `run ${runId}`);
  }
  async function post(companyId: string, body: unknown): Promise<string> {
    const response = await api(`companies/${companyId}/entra/sync`, { method: 'POST', body: JSON.stringify(body) });
    expect(response.status).toBe(202);
    return ((await response.json()) as { runId: string }).runId;
  }
  async function list(companyId: string, runId: string, category: string): Promise<Item[]> {
    const items: Item[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Item[]; nextCursor: string | null } = await json(
        api(`companies/${companyId}/entra/sync-runs/${runId}/preview?category=${category}&limit=50${cursor ? `&cursor=${cursor}` : ''}`),
      );
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return items;
  }
  async function entries(companyId: string, status: string): Promise<Item[]> {
    const items: Item[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Item[]; nextCursor: string | null } = await json(
        api(`companies/${companyId}/pending-users?status=${status}&limit=200${cursor ? `&cursor=${cursor}` : ''}`),
      );
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return items;
  }
  const ids = (items: readonly { id: string }[]) => items.map((i) => i.id).sort();
  async function tenantUsers(tenantId: string): Promise<SimUser[]> {
    return (await json<{ users: SimUser[] }>(sim(`tenants/${tenantId}/users?limit=1000`))).users;
  }

  it('a preview before the first import lists what the import then does; a preview of exclude.guests lists exactly the guests', async () => {
    const patched = await api('companies/contoso-co/entra/settings', { method: 'PATCH', body: JSON.stringify({ importOnConnect: false, autoApprove: 'clean' }) });
    expect(patched.status).toBe(200);
    const tenant = await connectThroughConsent(stack.url, token, 'contoso-co', 0);
    const status = await json<{ status: string; lastSync: unknown }>(api('companies/contoso-co/entra'));
    expect(status).toMatchObject({ status: 'connected', lastSync: null });

    const preview = await finished('contoso-co', await post('contoso-co', { dryRun: true }));
    expect(preview).toMatchObject({ status: 'succeeded', dryRun: true, preview: { proposedSettings: false } });
    const users = await tenantUsers(tenant);
    expect(preview.counts.scanned).toBe(users.length);
    const wouldPend = await list('contoso-co', preview.runId, 'newPending');
    const wouldApprove = await list('contoso-co', preview.runId, 'autoApproved');
    expect(wouldPend.length).toBeGreaterThan(0);
    expect(wouldApprove.length).toBeGreaterThan(0);
    // Nothing happened: no entries, no users, still no last sync.
    expect(await entries('contoso-co', 'pending')).toEqual([]);
    expect((await json<{ items: unknown[] }>(api('companies/contoso-co/users'))).items).toEqual([]);
    expect((await json<{ lastSync: unknown }>(api('companies/contoso-co/entra'))).lastSync).toBeNull();

    const guests = await finished('contoso-co', await post('contoso-co', { dryRun: true, settings: { exclude: { guests: true } } }));
    expect(guests.preview).toMatchObject({ proposedSettings: true });
    const excludedGuests = (await list('contoso-co', guests.runId, 'excluded')).filter((i) => i.reasons.some((r) => r.code === 'excluded.guests'));
    expect(ids(excludedGuests)).toEqual(users.filter((u) => u.userType === 'Guest').map((u) => u.id).sort());
    expect(excludedGuests.length).toBeGreaterThan(0);

    // Now the real import (Sync Now): the same counts, the same users.
    const real = await finished('contoso-co', await post('contoso-co', {}));
    expect(real.status).toBe('succeeded');
    for (const name of ['scanned', 'newPending', 'autoApproved', 'excluded', 'updated', 'deactivated', 'removed', 'held'])
      expect({ [name]: real.counts[name] }).toEqual({ [name]: preview.counts[name] });
    expect(ids(await entries('contoso-co', 'pending'))).toEqual(ids(wouldPend));
    const approved = (await json<{ items: Array<{ entraObjectId: string }> }>(api('companies/contoso-co/users?limit=500'))).items;
    expect(approved.map((u) => u.entraObjectId).sort()).toEqual(ids(wouldApprove));
  });

  it('scoped to a group: only its members are pending; a member removed from the group is deactivated at the next sync', async () => {
    const tenants = await json<Array<{ id: string; name: string }>>(sim('tenants'));
    const fabrikam = tenants.find((t) => t.name === 'Fabrikam');
    if (!fabrikam) throw new Error('no Fabrikam tenant');
    const groups = await json<Array<{ id: string; displayName: string; memberIds: string[] }>>(sim(`tenants/${fabrikam.id}/groups`));
    const pilot = groups.find((g) => g.displayName === 'Security Awareness Pilot');
    if (!pilot) throw new Error('no pilot group');
    const set = await api('companies/fabrikam-co/entra/settings', { method: 'PATCH', body: JSON.stringify({ scope: { groups: [pilot.id] } }) });
    expect(set.status).toBe(200);
    await connectThroughConsent(stack.url, token, 'fabrikam-co', 1);
    const first = await finished('fabrikam-co', (await json<{ lastSync: { runId: string } }>(api('companies/fabrikam-co/entra'))).lastSync.runId);
    expect(first.status).toBe('succeeded');
    const pending = await entries('fabrikam-co', 'pending');
    expect(ids(pending)).toEqual([...pilot.memberIds].sort());
    const excluded = await entries('fabrikam-co', 'excluded');
    expect(excluded.length).toBe((first.counts.scanned ?? 0) - pilot.memberIds.length);
    expect(excluded[0]?.reasons.map((r) => r.code)).toContain('scope.out_of_groups');
    const status = await json<{ scope: { state: string } }>(api('companies/fabrikam-co/entra'));
    expect(status.scope.state).toBe('applied');

    const [leaver] = pilot.memberIds;
    const approve = await json<{ approved: Array<{ id: string; userId: string }> }>(
      api('companies/fabrikam-co/pending-users/approve', { method: 'POST', body: JSON.stringify({ ids: [leaver] }) }),
    );
    expect(approve.approved).toHaveLength(1);
    const removed = await sim(`tenants/${fabrikam.id}/groups/${pilot.id}/members/${leaver ?? ''}`, { method: 'DELETE' });
    expect(removed.status).toBe(200);

    const next = await finished('fabrikam-co', await post('fabrikam-co', {}));
    expect(next).toMatchObject({ status: 'succeeded', counts: { deactivated: 1 } });
    const user = await json<{ status: string; entraObjectId: string }>(api(`companies/fabrikam-co/users/${approve.approved[0]?.userId ?? ''}`));
    expect(user).toMatchObject({ status: 'inactive', entraObjectId: leaver });
    const entry = (await entries('fabrikam-co', 'approved')).find((e) => e.id === leaver);
    expect(entry).toMatchObject({ status: 'approved' });
    expect(entry?.reasons.map((r) => r.code)).toContain('deactivated.out_of_scope');
  });
});
