import { DirectoryUserRecord } from '../../src/domain/directory/directory-user';
import { SymbolUser } from '../../src/domain/symbol-user';
import { AppError } from '../../src/domain/app-error';
import { DirectoryClient, DirectoryPage } from '../../src/ports/directory-client.port';
import { symbolUserIdFor } from '../../src/use-cases/symbol-user-effects';
import { startSyncHarness, SyncHarness } from '../support/sync-harness';

/**
 * The sync worker with real parts: the real Graph client against the simulated tenant (HTTPS,
 * real token endpoint) and the real Cosmos client against the local Cosmos-protocol server.
 */

async function records(h: SyncHarness, companyId: string): Promise<DirectoryUserRecord[]> {
  const page = await h.cosmos.database.container('directory-users').items.query<DirectoryUserRecord>({ query: 'SELECT * FROM c WHERE c.companyId = @c', parameters: [{ name: '@c', value: companyId }] }).fetchAll();
  return page.resources;
}

async function approve(h: SyncHarness, companyId: string, ids: string[]): Promise<void> {
  // What the approve API (next issue) will do; here directly through the stores.
  for (const id of ids) {
    const stored = (await h.services.directoryUsers.getMany(companyId, [id])).get(id);
    if (!stored) throw new Error(`no record ${id}`);
    const now = new Date().toISOString();
    const email = stored.value.attributes.mail ?? `${id}@contoso.example`;
    const user: SymbolUser = {
      id: symbolUserIdFor(id), companyId, email, emailKey: email.toLowerCase(), givenName: stored.value.attributes.givenName, surname: stored.value.attributes.surname,
      displayName: stored.value.attributes.displayName, jobTitle: stored.value.attributes.jobTitle, department: stored.value.attributes.department, officeLocation: null, mobilePhone: null,
      country: null, city: null, employeeId: null, managerEntraId: null, entraObjectId: id, status: 'active', source: 'entra', createdAt: now, updatedAt: now, deactivatedAt: null, customFields: {}, links: [],
    };
    await h.services.symbolUsers.save(user, null);
    await h.services.directoryUsers.write(companyId, [{ op: 'put', record: { ...stored.value, status: 'approved', symbolUserId: user.id, decidedAt: now, decidedBy: 'test' }, expectedEtag: stored.etag }]);
  }
}

const people = (h: SyncHarness) => h.sim.directory(h.tenantId).listUsers().filter((u) => u.kind === 'person');

describe('sync worker (Graph delta → diff → Cosmos)', () => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await startSyncHarness({ users: 120, pageSize: 25 });
  }, 60_000);
  afterAll(async () => {
    await h.close();
  });

  it('first sync imports every directory user into pending, flagged, and queues one e-mail', async () => {
    await h.connectCompany('acme');
    const { outcome, run } = await h.sync('acme');
    const total = h.sim.directory(h.tenantId).listUsers().length;
    expect(outcome).toBe('succeeded');
    expect(run).toMatchObject({ status: 'succeeded', mode: 'full', counts: { scanned: total, newPending: total, updated: 0, deactivated: 0, invalid: 0 } });
    expect(run.pages).toBeGreaterThan(3);
    const stored = await records(h, 'acme');
    expect(stored).toHaveLength(total);
    expect(stored.every((r) => r.status === 'pending')).toBe(true);
    const guest = stored.find((r) => r.attributes.userType === 'Guest');
    expect(guest?.flags).toContain('guest');
    expect(stored.some((r) => r.flags.includes('unlicensed'))).toBe(true);
    expect(stored.some((r) => r.flags.includes('role_address'))).toBe(true);
    const mails = h.queue.on('notifications').filter((m) => (m.body as { companyId: string }).companyId === 'acme');
    expect(mails).toHaveLength(1);
    expect(mails[0]?.body).toMatchObject({ kind: 'new-pending-users', count: total, to: ['admin@acme.example'] });
    expect((await h.services.syncState.get('acme'))?.value.deltaLink).toMatch(/deltatoken/i);
    expect((await h.services.integrations.get('acme'))?.value.lastSync).toMatchObject({ runId: run.runId, status: 'succeeded' });
  });

  it('a re-run with no changes writes nothing', async () => {
    h.directoryUsers.reset();
    const { run } = await h.sync('acme');
    expect(run.status).toBe('succeeded');
    expect(run.mode).toBe('delta');
    expect(run.counts.scanned).toBe(0);
    expect(h.directoryUsers.total).toBe(0);
  });

  it('an incremental change costs writes only for what changed', async () => {
    const all = people(h);
    const managers = new Set(h.sim.directory(h.tenantId).listUsers().map((u) => u.managerId));
    // Deleting a manager would also change their reports (manager@delta): pick people who manage nobody.
    const [a, b] = all.filter((u) => !managers.has(u.id));
    h.sim.directory(h.tenantId).updateUser(a?.id ?? '', { jobTitle: 'Chief Sync Officer' });
    h.sim.directory(h.tenantId).addUser({ givenName: 'Ada', surname: 'Lovelace', department: 'R&D' });
    h.sim.directory(h.tenantId).hardDeleteUser(b?.id ?? '');
    h.directoryUsers.reset();
    const { run } = await h.sync('acme');
    expect(run.counts).toMatchObject({ scanned: 3, updated: 1, newPending: 1, removed: 1 });
    expect(h.directoryUsers.total).toBe(3);
    const stored = await records(h, 'acme');
    expect(stored.find((r) => r.id === a?.id)?.attributes.jobTitle).toBe('Chief Sync Officer');
    expect(stored.find((r) => r.id === b?.id)).toBeUndefined();
    expect(stored.find((r) => r.attributes.displayName === 'Ada Lovelace')?.status).toBe('pending');
  });

  it('approved users follow the directory: disabled → deactivated, re-enabled → reactivated, renamed → same Symbol user', async () => {
    const [, , c] = people(h);
    const id = c?.id ?? '';
    await approve(h, 'acme', [id]);
    h.sim.directory(h.tenantId).disableUser(id);
    await h.sync('acme');
    expect((await h.services.symbolUsers.get('acme', symbolUserIdFor(id)))?.value.status).toBe('inactive');
    expect((await h.services.directoryUsers.getMany('acme', [id])).get(id)?.value.deactivated?.reason).toBe('disabled');

    h.sim.directory(h.tenantId).enableUser(id);
    h.sim.directory(h.tenantId).updateUser(id, { mail: 'renamed.person@contoso.example', userPrincipalName: 'renamed.person@contoso.example', surname: 'Renamed' });
    const { run } = await h.sync('acme');
    expect(run.status).toBe('succeeded');
    const symbol = (await h.services.symbolUsers.get('acme', symbolUserIdFor(id)))?.value;
    expect(symbol).toMatchObject({ status: 'active', email: 'renamed.person@contoso.example', surname: 'Renamed', entraObjectId: id });
  });

  it('honours 429 with Retry-After and still succeeds', async () => {
    h.sim.directory(h.tenantId).throttle(2, 0);
    h.sim.directory(h.tenantId).updateUser(people(h)[3]?.id ?? '', { department: 'Throttled' });
    const { run } = await h.sync('acme');
    expect(run.status).toBe('succeeded');
    expect(run.counts.updated).toBe(1);
  });

  it('an expired/reset delta state falls back to a full round and sweeps users it did not return', async () => {
    const victim = people(h)[4];
    // Removed while we are not looking: the delta that would have told us is lost with the reset.
    h.sim.directory(h.tenantId).hardDeleteUser(victim?.id ?? '');
    h.sim.directory(h.tenantId).resetDeltaState();
    const { run } = await h.sync('acme');
    expect(run).toMatchObject({ status: 'succeeded', mode: 'full' });
    expect(run.counts.removed).toBeGreaterThanOrEqual(1);
    expect((await h.services.directoryUsers.getMany('acme', [victim?.id ?? ''])).size).toBe(0);
    h.sim.directory(h.tenantId).expireDeltaTokens();
    const again = await h.sync('acme');
    expect(again.run).toMatchObject({ status: 'succeeded', mode: 'full', counts: { removed: 0, newPending: 0 } });
  });

  it('a crash mid-run loses nothing: the redelivery resumes from the checkpoint and ends in the same state', async () => {
    await h.connectCompany('crashy');
    await h.connectCompany('control');
    const real = h.services.directory;
    let pages = 0;
    const crashing: DirectoryClient = {
      deltaPage: async (tenantId: string, link: string | null): Promise<DirectoryPage> => {
        pages++;
        if (pages === 3) throw new AppError('dependency_unavailable', 'worker killed');
        return real.deltaPage(tenantId, link);
      },
    };
    Object.assign(h.services.config.sync, { checkpointEveryPages: 1 });
    try {
      await expect(h.sync('crashy', { directory: crashing })).rejects.toThrow('worker killed');
    } finally {
      Object.assign(h.services.config.sync, { checkpointEveryPages: 10 });
    }
    const state = (await h.services.syncState.get('crashy'))?.value;
    expect(state?.round?.pages).toBe(2);
    // Redelivery of the same job (the harness re-creates the message; the round is adopted).
    const resumed = await h.sync('crashy', { directory: crashing });
    expect(resumed.run.status).toBe('succeeded');
    await h.sync('control');
    const strip = (rs: DirectoryUserRecord[]) => rs.map((r) => ({ id: r.id, status: r.status, hash: r.hash, flags: r.flags })).sort((x, y) => x.id.localeCompare(y.id));
    expect(strip(await records(h, 'crashy'))).toEqual(strip(await records(h, 'control')));
  });

  it('a time budget that runs out continues in a follow-up message on the same session', async () => {
    await h.connectCompany('slow');
    const before = h.queue.on('sync-jobs').length;
    const real = h.services.directory;
    const slow: DirectoryClient = {
      deltaPage: async (t, l) => {
        await new Promise((r) => setTimeout(r, 300));
        return real.deltaPage(t, l);
      },
    };
    Object.assign(h.services.config.sync, { timeBudgetSeconds: 1 });
    try {
      const { run } = await h.sync('slow', { directory: slow });
      expect(run.status).toBe('succeeded');
      expect(run.invocations).toBeGreaterThan(1);
      const continuations = h.queue.on('sync-jobs').slice(before);
      expect(continuations.length).toBe(run.invocations - 1);
      expect(continuations.every((m) => m.sessionId === 'slow' && (m.body as { trigger: string }).trigger === 'continuation')).toBe(true);
      expect(run.counts.newPending).toBe(h.sim.directory(h.tenantId).listUsers().length);
    } finally {
      Object.assign(h.services.config.sync, { timeBudgetSeconds: 240 });
    }
  });

  it('the deletion guard holds a mass deactivation and tells the admins; an admin releases it, or raises the threshold', async () => {
    await h.connectCompany('guarded', { deletionThresholdPercent: 20, deletionThresholdMinimum: 3 });
    await h.sync('guarded');
    const ids = people(h).slice(10, 20).map((u) => u.id);
    await approve(h, 'guarded', ids);
    for (const id of ids.slice(0, 5)) h.sim.directory(h.tenantId).disableUser(id);
    const { run } = await h.sync('guarded');
    expect(run.status).toBe('held');
    expect(run.counts.held).toBe(5);
    for (const id of ids.slice(0, 5)) expect((await h.services.symbolUsers.get('guarded', symbolUserIdFor(id)))?.value.status).toBe('active');
    expect(h.queue.on('notifications').some((m) => (m.body as { kind: string; companyId: string }).kind === 'deactivations-held' && (m.body as { companyId: string }).companyId === 'guarded')).toBe(true);

    // The admin releases what was held (POST …/entra/held-deactivations/release queues this).
    const released = await h.sync('guarded', { releaseHeld: true });
    expect(released.run).toMatchObject({ status: 'succeeded', counts: { deactivated: 5, held: 0 } });
    for (const id of ids.slice(0, 5)) expect((await h.services.symbolUsers.get('guarded', symbolUserIdFor(id)))?.value.status).toBe('inactive');

    // Back again, then gone again: held again; this time the admin raises the threshold instead.
    for (const id of ids.slice(0, 5)) h.sim.directory(h.tenantId).enableUser(id);
    expect((await h.sync('guarded')).run.status).toBe('succeeded');
    for (const id of ids.slice(0, 5)) expect((await h.services.symbolUsers.get('guarded', symbolUserIdFor(id)))?.value.status).toBe('active');
    for (const id of ids.slice(0, 5)) h.sim.directory(h.tenantId).disableUser(id);
    expect((await h.sync('guarded')).run.status).toBe('held');
    const integration = await h.services.integrations.get('guarded');
    await h.services.integrations.save({ ...integration!.value, settings: { ...integration!.value.settings, deletionThresholdPercent: 100 } }, integration!.etag);
    const next = await h.sync('guarded');
    expect(next.run).toMatchObject({ status: 'succeeded', counts: { deactivated: 5 } });
    for (const id of ids.slice(0, 5)) expect((await h.services.symbolUsers.get('guarded', symbolUserIdFor(id)))?.value.status).toBe('inactive');
    for (const id of ids.slice(0, 5)) h.sim.directory(h.tenantId).enableUser(id);
  });

  it('revoked consent: run failed with consent_revoked, integration marked, admins e-mailed once; later jobs are skipped', async () => {
    await h.connectCompany('revoked');
    await h.sync('revoked');
    h.sim.directory(h.tenantId).revokeConsent();
    try {
      h.sim.directory(h.tenantId).updateUser(people(h)[30]?.id ?? '', { department: 'Gone' });
      const { outcome, run } = await h.sync('revoked');
      expect(outcome).toBe('failed');
      expect(run).toMatchObject({ status: 'failed', error: { code: 'consent_revoked' } });
      expect((await h.services.integrations.get('revoked'))?.value.status).toBe('consent_revoked');
      const mails = () => h.queue.on('notifications').filter((m) => (m.body as { kind: string; companyId: string }).kind === 'consent-revoked' && (m.body as { companyId: string }).companyId === 'revoked');
      expect(mails()).toHaveLength(1);
      const later = await h.sync('revoked');
      expect(later.outcome).toBe('skipped');
      expect(mails()).toHaveLength(1);
    } finally {
      h.sim.directory(h.tenantId).grantConsent();
    }
  });

  it('a transient failure is retried by the queue; on the last delivery the run is marked failed with a safe code', async () => {
    await h.connectCompany('flaky');
    const failing: DirectoryClient = { deltaPage: () => Promise.reject(new AppError('dependency_unavailable', 'graph down at 10.0.0.1')) };
    await expect(h.sync('flaky', { directory: failing, deliveryCount: 10 })).rejects.toThrow();
    const runs = await h.services.syncRuns.list('flaky', { limit: 5, cursor: null });
    expect(runs.items[0]).toMatchObject({ status: 'failed', error: { code: 'dependency_unavailable' } });
    expect(JSON.stringify(runs.items[0]?.error)).not.toContain('10.0.0.1');
  });

  it('auto-approval (matched) merges directory users into existing Symbol users through the same approve path', async () => {
    const target = people(h).find((u) => u.mail);
    const now = new Date().toISOString();
    const email = (target?.mail ?? '').toUpperCase();
    await h.services.symbolUsers.save(
      { id: 'hand-1', companyId: 'auto', email, emailKey: email.toLowerCase(), givenName: 'Hand', surname: 'Added', displayName: null, jobTitle: null, department: null, officeLocation: null, mobilePhone: null, country: null, city: null, employeeId: null, managerEntraId: null, entraObjectId: null, status: 'active', source: 'csv', createdAt: now, updatedAt: now, deactivatedAt: null, customFields: { training: 'kept' }, links: [] },
      null,
    );
    await h.connectCompany('auto', { autoApprove: 'matched' });
    const { run } = await h.sync('auto');
    expect(run.counts.autoApproved).toBe(1);
    const record = (await h.services.directoryUsers.getMany('auto', [target?.id ?? ''])).get(target?.id ?? '')?.value;
    expect(record).toMatchObject({ status: 'approved', symbolUserId: 'hand-1', decidedBy: 'auto-approval' });
    const merged = (await h.services.symbolUsers.get('auto', 'hand-1'))?.value;
    expect(merged).toMatchObject({ entraObjectId: target?.id, source: 'csv', customFields: { training: 'kept' }, givenName: target?.givenName });
    expect(merged?.links[0]).toMatchObject({ by: 'auto-approval', merged: true });
    expect((await h.services.symbolUsers.list('auto', { status: null, limit: 10, cursor: null })).items).toHaveLength(1);
  });
});
