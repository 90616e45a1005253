import { randomUUID } from 'node:crypto';
import { silentLogger } from '../../src/app/logger';
import { AppError } from '../../src/domain/app-error';
import { AuditAction, AuditEntry } from '../../src/domain/audit';
import { IntegrationSettings } from '../../src/domain/integration-settings';
import { AuditStore } from '../../src/ports/audit-store.port';
import { releaseHeldDeactivations } from '../../src/use-cases/held-deactivations';
import { approvePendingUsers } from '../../src/use-cases/pending-users';
import { symbolUserIdFor } from '../../src/use-cases/symbol-user-effects';
import { pageAll, symbolUser } from '../support/store-fixtures';
import { startSyncHarness, SyncHarness } from '../support/sync-harness';
import { ADMIN_PRINCIPAL } from '../support/test-services';

/**
 * What the sync worker records in the audit trail, with real parts (the real Graph client against
 * the simulated tenant, the real Cosmos client and the Cosmos audit store against the local
 * Cosmos-protocol server): auto-approvals and the merges they make, deactivations (held, then
 * released) and reactivations — each by `sync` with the run's id.
 */

const TENANT = { auto: 0, follow: 1, guard: 2 } as const;

describe('the sync worker’s audit trail', () => {
  let h: SyncHarness;
  const tenant = (key: keyof typeof TENANT) => h.tenantIds[TENANT[key]] ?? '';
  const dir = (key: keyof typeof TENANT) => h.sim.directory(tenant(key));
  const people = (key: keyof typeof TENANT) => h.people(tenant(key));
  const imported = (key: keyof typeof TENANT, settings: Partial<IntegrationSettings> = {}) => h.importCompany(settings, tenant(key));
  const trail = async (companyId: string, actions: AuditAction[] | null = null): Promise<AuditEntry[]> =>
    (await pageAll((cursor) => h.services.audit.list(companyId, { actions, actor: null, target: null, from: null, to: null, limit: 200, cursor }))).flat();

  beforeAll(async () => {
    h = await startSyncHarness({ users: 60, pageSize: 25, tenants: Object.keys(TENANT).length });
  }, 60_000);
  afterAll(async () => {
    await h.close();
  });

  it('records each auto-approval by the run, with the rule, and the merge it made into an existing user', async () => {
    const companyId = `co-${randomUUID().slice(0, 8)}`;
    const target = people('auto')[3];
    if (!target?.mail) throw new Error('no person');
    const now = h.clock.now().toISOString();
    await h.services.symbolUsers.save({ ...symbolUser(companyId, 'hand-1', target.mail.toUpperCase(), { createdAt: now, updatedAt: now }), givenName: 'Hand', surname: 'Added' }, null);
    await h.connectCompany(companyId, { autoApprove: 'clean_or_matched' }, tenant('auto'));
    const { run } = await h.sync(companyId);
    expect(run.status).toBe('succeeded');

    const approvals = await trail(companyId, ['auto_approve']);
    expect(approvals).toHaveLength(run.counts.autoApproved);
    expect(approvals.length).toBeGreaterThan(10);
    for (const entry of approvals) {
      expect(entry).toMatchObject({ actor: { type: 'sync', runId: run.runId }, target: { type: 'directory_user' }, details: { rule: 'clean_or_matched' } });
      expect(entry.target.name).toEqual(expect.any(String));
    }
    expect(approvals.find((e) => e.target.id === target.id)).toMatchObject({ details: { symbolUserId: 'hand-1', merged: true } });
    const [merge] = await trail(companyId, ['merge']);
    expect(merge).toMatchObject({
      actor: { type: 'sync', runId: run.runId },
      target: { type: 'symbol_user', id: 'hand-1', email: target.mail },
      details: { entraObjectId: target.id, changed: { givenName: { before: 'Hand', after: target.givenName }, entraObjectId: { before: null, after: target.id } } },
    });

    // A re-run decides nothing new, so records nothing new.
    expect((await h.sync(companyId, { mode: 'full' })).run.status).toBe('succeeded');
    expect(await trail(companyId)).toHaveLength(approvals.length + 1);
  });

  it('records a deactivation by the directory (disabled, deleted) and a reactivation, by the run that applied it', async () => {
    const companyId = await imported('follow');
    const [off, gone] = people('follow').slice(5, 7);
    if (!off || !gone) throw new Error('no people');
    await approvePendingUsers(h.services, companyId, [off.id, gone.id], ADMIN_PRINCIPAL, silentLogger);
    dir('follow').disableUser(off.id);
    dir('follow').hardDeleteUser(gone.id);
    const removal = await h.sync(companyId);
    expect(removal.run).toMatchObject({ status: 'succeeded', counts: { deactivated: 2 } });
    const deactivations = await trail(companyId, ['deactivate']);
    expect(deactivations.map((e) => [e.target.id, e.details]).sort()).toEqual(
      [
        [symbolUserIdFor(off.id), { entraObjectId: off.id, reason: 'disabled', released: false }],
        [symbolUserIdFor(gone.id), { entraObjectId: gone.id, reason: 'deleted', released: false }],
      ].sort(),
    );
    for (const entry of deactivations) expect(entry).toMatchObject({ actor: { type: 'sync', runId: removal.run.runId }, target: { type: 'symbol_user', name: expect.any(String) as unknown } });

    dir('follow').enableUser(off.id);
    const back = await h.sync(companyId);
    expect(await trail(companyId, ['reactivate'])).toEqual([
      expect.objectContaining({ actor: { type: 'sync', runId: back.run.runId }, target: expect.objectContaining({ type: 'symbol_user', id: symbolUserIdFor(off.id) }) as unknown, details: { entraObjectId: off.id } }),
    ]);
    // The admin's approvals are in the same trail.
    expect((await trail(companyId, ['approve'])).map((e) => e.actor)).toEqual([
      { type: 'user', subject: ADMIN_PRINCIPAL.subject, email: ADMIN_PRINCIPAL.email },
      { type: 'user', subject: ADMIN_PRINCIPAL.subject, email: ADMIN_PRINCIPAL.email },
    ]);
  });

  it('records nothing while the deletion guard holds; then the admin’s release and each deactivation it let through', async () => {
    const companyId = await imported('guard', { deletionThresholdPercent: 20, deletionThresholdMinimum: 2 });
    const ids = people('guard')
      .slice(0, 4)
      .map((u) => u.id);
    await approvePendingUsers(h.services, companyId, ids, ADMIN_PRINCIPAL, silentLogger);
    for (const id of ids.slice(0, 3)) dir('guard').disableUser(id);
    expect((await h.sync(companyId)).run).toMatchObject({ status: 'held', counts: { held: 3 } });
    expect(await trail(companyId, ['deactivate'])).toEqual([]);

    h.clock.advance(60_000);
    const release = await releaseHeldDeactivations(h.services, companyId, ADMIN_PRINCIPAL, silentLogger);
    const deliveries = await h.deliver(companyId);
    expect(deliveries.at(-1)?.outcome).toBe('succeeded');
    expect(await trail(companyId, ['held_release'])).toEqual([expect.objectContaining({ actor: expect.objectContaining({ subject: ADMIN_PRINCIPAL.subject }) as unknown, details: { runId: release.runId, held: 3 } })]);
    const deactivations = await trail(companyId, ['deactivate']);
    expect(deactivations.map((e) => e.target.id).sort()).toEqual(ids.slice(0, 3).map(symbolUserIdFor).sort());
    for (const entry of deactivations) expect(entry).toMatchObject({ actor: { type: 'sync', runId: release.runId }, details: { reason: 'disabled', released: true } });
  });

  it('a sync whose audit cannot be written still applies every decision', async () => {
    const failing: AuditStore = {
      record: () => Promise.reject(new AppError('dependency_unavailable', 'audit down')),
      list: (...args) => h.services.audit.list(...args),
    };
    const companyId = `co-${randomUUID().slice(0, 8)}`;
    await h.connectCompany(companyId, { autoApprove: 'clean' }, tenant('auto'));
    const { run } = await h.sync(companyId, { services: { audit: failing } });
    expect(run.status).toBe('succeeded');
    expect(run.counts.autoApproved).toBeGreaterThan(10);
    const active = await h.services.symbolUsers.list(companyId, { status: 'active', limit: 500, cursor: null });
    expect(active.items).toHaveLength(run.counts.autoApproved);
    expect(await trail(companyId)).toEqual([]);
  });
});
