import { silentLogger } from '../../src/app/logger';
import { DirectoryUserRecord } from '../../src/domain/directory/directory-user';
import { approvePendingUsers, denyPendingUsers } from '../../src/use-cases/pending-users';
import { startSyncHarness, SyncHarness } from '../support/sync-harness';

/**
 * Admins approving while a sync writes the same users: optimistic concurrency (etags) with
 * retries on both sides means no lost update — every approval stands and every directory
 * change reaches the Symbol user. Real Cosmos client, real Graph client, simulated tenant.
 */
describe('approvals concurrent with a running sync', () => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await startSyncHarness({ users: 150, pageSize: 20 });
    await h.connectCompany('acme');
    await h.sync('acme');
  }, 60_000);
  afterAll(async () => {
    await h.close();
  });

  it('loses no update on either side, and re-syncs change nothing about decisions', async () => {
    const admin = { subject: 'admin-1', email: null, companies: ['acme'] };
    const people = h.sim.directory(h.tenantId).listUsers().filter((u) => u.kind === 'person' && u.mail).slice(0, 40);
    const ids = people.map((u) => u.id);
    for (const u of people) h.sim.directory(h.tenantId).updateUser(u.id, { jobTitle: `Title during race ${u.id.slice(0, 4)}` });

    const [sync, approval] = await Promise.all([h.sync('acme'), approvePendingUsers(h.services, 'acme', ids, admin, silentLogger)]);
    expect(sync.run.status).toBe('succeeded');
    expect(approval.failed).toEqual([]);
    expect(approval.approved).toHaveLength(40);

    const records = await h.services.directoryUsers.getMany('acme', ids);
    for (const u of people) {
      const record = records.get(u.id)?.value as DirectoryUserRecord;
      expect(record.status).toBe('approved');
      expect(record.attributes.jobTitle).toBe(`Title during race ${u.id.slice(0, 4)}`);
      const symbol = await h.services.symbolUsers.get('acme', record.symbolUserId ?? '');
      expect(symbol?.value.jobTitle).toBe(`Title during race ${u.id.slice(0, 4)}`);
    }

    // Deny a shared mailbox, then re-sync in full: decisions stand, nothing is duplicated.
    const shared = h.sim.directory(h.tenantId).listUsers().find((u) => u.kind === 'sharedMailbox');
    expect((await denyPendingUsers(h.services, 'acme', [shared?.id ?? ''], admin, silentLogger)).denied).toHaveLength(1);
    const full = await h.sync('acme', { mode: 'full' });
    expect(full.run).toMatchObject({ status: 'succeeded', mode: 'full', counts: { newPending: 0, removed: 0 } });
    expect((await h.services.directoryUsers.getMany('acme', [shared?.id ?? ''])).get(shared?.id ?? '')?.value.status).toBe('denied');
    const again = await approvePendingUsers(h.services, 'acme', ids, admin, silentLogger);
    expect(again.approved.map((a) => a.userId).sort()).toEqual(approval.approved.map((a) => a.userId).sort());
    const active = await h.services.symbolUsers.list('acme', { status: 'active', limit: 500, cursor: null });
    expect(active.items).toHaveLength(40);
    expect(h.queue.on('notifications').filter((m) => (m.body as { kind: string }).kind === 'new-pending-users')).toHaveLength(1);
  }, 60_000);
});
