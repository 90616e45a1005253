import { randomUUID } from 'node:crypto';
import { silentLogger } from '../../src/app/logger';
import { USER_COUNTS_CONTAINER } from '../../src/adapters/cosmos/cosmos-schema';
import { IntegrationSettings } from '../../src/domain/integration-settings';
import { DirectoryClient } from '../../src/ports/directory-client.port';
import { Principal } from '../../src/ports/token-verifier.port';
import { UserCountsStore } from '../../src/ports/user-counts.port';
import { getIntegrationStatus, updateSettings } from '../../src/use-cases/integration-status';
import { approvePendingUsers, denyPendingUsers, restorePendingUsers } from '../../src/use-cases/pending-users';
import { addSymbolUser } from '../../src/use-cases/symbol-users';
import { AppError } from '../../src/domain/app-error';
import { expectMaintainedCountsTrue, storedCounts } from '../support/counts-truth';
import { startSyncHarness, SyncHarness } from '../support/sync-harness';

/**
 * The counts the status call and the MSP overview read are maintained with the writes (one
 * document per company, moved by every directory-user and Symbol-user write) — so after every
 * kind of change they must equal the truth, counted here straight from the stored records. Real
 * parts: the real Cosmos client against the local Cosmos-protocol server, the real Graph client
 * against the simulated tenant, the use cases the HTTP routes call.
 */

/** Loses the count increments while `losing` is set, as a process that dies after its writes would. */
class LossyCounts implements UserCountsStore {
  losing = false;
  lost = 0;
  constructor(private readonly inner: UserCountsStore) {}
  countsFor: UserCountsStore['countsFor'] = (companyId) => this.inner.countsFor(companyId);
  recount: UserCountsStore['recount'] = (companyId) => this.inner.recount(companyId);
  add: UserCountsStore['add'] = (companyId, delta) => {
    if (!this.losing) return this.inner.add(companyId, delta);
    this.lost++;
    return Promise.resolve();
  };
}

const ADMIN: Principal = { subject: 'admin-1', email: 'admin@acme.example', companies: '*' };

describe('maintained counts (one document per company, moved with the writes)', () => {
  let h: SyncHarness;
  let counts: LossyCounts;
  const dir = () => h.sim.directory(h.tenantId);
  const people = () => {
    const users = dir().listUsers();
    const managers = new Set(users.map((u) => u.managerId));
    return users.filter((u) => u.kind === 'person' && u.accountEnabled && u.mail && !managers.has(u.id));
  };

  beforeAll(async () => {
    h = await startSyncHarness({
      users: 150,
      pageSize: 20,
      userCounts: (inner) => (counts = new LossyCounts(inner)),
    });
  }, 60_000);
  afterAll(async () => {
    await h.close();
  });

  const expectCountsTrue = (companyId: string) => expectMaintainedCountsTrue(h, companyId);
  const stored = (companyId: string) => storedCounts(h, companyId);

  async function connected(settings: Partial<IntegrationSettings> = {}): Promise<string> {
    const companyId = `co-${randomUUID().slice(0, 8)}`;
    await h.connectCompany(companyId, settings);
    return companyId;
  }

  it('after an import, approve, deny, restore, a merge, a deactivation, held and released removals', async () => {
    const company = await connected({ deletionThresholdPercent: 20, deletionThresholdMinimum: 3 });
    // A user added by hand before the integration: active, billable, and a merge target.
    const [merging, ...others] = people();
    await addSymbolUser(h.services, company, { email: (merging?.mail ?? '').toUpperCase(), source: 'manual' });
    // The status call before the first import derives the counts (one active user) and stores them.
    expect((await getIntegrationStatus(h.services, company)).counts).toMatchObject({ pending: 0, activeUsers: 1 });

    expect((await h.sync(company)).run.status).toBe('succeeded');
    const imported = await expectCountsTrue(company);
    expect(imported.pending).toBeGreaterThan(100);

    const ids = others.slice(0, 12).map((u) => u.id);
    const approved = await approvePendingUsers(h.services, company, [merging?.id ?? '', ...ids], ADMIN, silentLogger);
    expect(approved.failed).toEqual([]);
    expect(approved.approved.filter((a) => a.merged)).toHaveLength(1);
    expect(await expectCountsTrue(company)).toMatchObject({ pending: imported.pending - 13, activeUsers: 13 });

    const denyIds = others.slice(20, 25).map((u) => u.id);
    expect((await denyPendingUsers(h.services, company, denyIds, ADMIN, silentLogger)).failed).toEqual([]);
    expect((await expectCountsTrue(company)).denied).toBe(5);
    expect((await restorePendingUsers(h.services, company, denyIds.slice(0, 2), ADMIN, silentLogger)).failed).toEqual(
      [],
    );
    expect((await expectCountsTrue(company)).denied).toBe(3);

    // One approved user disabled in Entra: deactivated (under the threshold).
    dir().disableUser(ids[0] ?? '');
    expect((await h.sync(company)).run).toMatchObject({ status: 'succeeded', counts: { deactivated: 1 } });
    expect((await expectCountsTrue(company)).activeUsers).toBe(12);

    // Five more at once: the deletion guard holds them; then an admin releases them.
    for (const id of ids.slice(1, 6)) dir().disableUser(id);
    expect((await h.sync(company)).run).toMatchObject({ status: 'held', counts: { held: 5 } });
    expect(await expectCountsTrue(company)).toMatchObject({ held: 5, activeUsers: 12 });
    expect((await h.sync(company, { releaseHeld: true })).run.status).toBe('succeeded');
    expect(await expectCountsTrue(company)).toMatchObject({ held: 0, activeUsers: 7 });

    // Back in Entra: reactivated. A pending user deleted in Entra: gone from the list.
    for (const id of ids.slice(0, 6)) dir().enableUser(id);
    dir().hardDeleteUser(others[30]?.id ?? '');
    expect((await h.sync(company)).run).toMatchObject({ status: 'succeeded', counts: { removed: 1 } });
    expect(await expectCountsTrue(company)).toMatchObject({ activeUsers: 13 });
  });

  it('a full round repairs a deliberately corrupted count (a delta round leaves it as it is)', async () => {
    const company = await connected();
    expect((await h.sync(company)).run.status).toBe('succeeded');
    const right = await expectCountsTrue(company);
    await h.cosmos.database.container(USER_COUNTS_CONTAINER).items.upsert({
      id: company,
      companyId: company,
      ...right,
      pending: 3,
      held: 40,
      derivedAt: h.clock.now().toISOString(),
    });
    // Reads show what is stored (no live count behind them) …
    expect((await getIntegrationStatus(h.services, company)).counts).toMatchObject({ pending: 3, held: 40 });
    // … a delta round moves it but does not derive it …
    expect((await h.sync(company)).run.mode).toBe('delta');
    expect(await stored(company)).toMatchObject({ pending: 3, held: 40 });
    // … and the next full round derives it from the records.
    expect((await h.sync(company, { mode: 'full' })).run).toMatchObject({ status: 'succeeded', mode: 'full' });
    await expectCountsTrue(company);
  });

  it('a round whose increments were lost (it failed after writing) counts its users once and derives the counts when it ends', async () => {
    const company = await connected();
    expect((await h.sync(company)).run.status).toBe('succeeded');
    await expectCountsTrue(company);
    // 30 new users: a delta round of two pages. The first page is written, its count increments
    // are lost, and fetching the second fails: the invocation ends without a checkpoint after it.
    for (let i = 0; i < 30; i++) dir().addUser({ givenName: 'New', surname: `Person ${i}`, department: 'Lost' });
    let calls = 0;
    const failingOnce: DirectoryClient = {
      deltaPage: (tenantId, link) => {
        calls++;
        if (calls >= 3) counts.losing = false; // the retry
        return calls === 2
          ? Promise.reject(new AppError('dependency_unavailable', 'Graph could not be reached (ECONNRESET).'))
          : h.services.directory.deltaPage(tenantId, link);
      },
    };
    counts.losing = true;
    counts.lost = 0;
    const { run, deliveries } = await h.sync(company, { directory: failingOnce });
    expect(deliveries.map((d) => d.outcome)).toEqual(['retrying', 'succeeded']);
    expect(counts.lost).toBe(1);
    // The retry read the first page again and found its users written: counted once, as new, not as unchanged.
    expect(run).toMatchObject({ mode: 'delta', counts: { scanned: 30, newPending: 30, unchanged: 0 } });
    const newUserMail = h.queue.on('notifications').find((m) => m.messageId === `new-pending:${run.runId}`);
    expect(newUserMail?.body).toMatchObject({ count: 30 });
    // A delta round does not derive the counts, except one an attempt left uncleanly: this one.
    await expectCountsTrue(company);
  });

  it('after scope changes (a group, a member leaving it, a domain nobody has, everyone again)', async () => {
    const company = await connected({
      autoApprove: 'clean',
      deletionThresholdMinimum: 5,
      deletionThresholdPercent: 20,
    });
    expect((await h.sync(company)).run.status).toBe('succeeded');
    const imported = await expectCountsTrue(company);
    expect(imported.activeUsers).toBeGreaterThan(0);

    const pilot = dir().listGroups('Security Awareness Pilot')[0];
    if (!pilot) throw new Error('no pilot group');
    const scope = (groups: string[], domains: string[] = []) =>
      updateSettings(h.services, company, { scope: { groups, domains } }, ADMIN, silentLogger);
    // Scoped to the pilot group: everyone else is excluded or (approved) flagged, through the guard.
    await scope([pilot.id]);
    const scoped = await h.sync(company);
    expect(['succeeded', 'held']).toContain(scoped.run.status);
    const afterScope = await expectCountsTrue(company);
    expect(afterScope.excluded).toBeGreaterThan(imported.excluded);
    if (scoped.run.status === 'held') {
      // Released: the held deactivations apply.
      expect((await h.sync(company, { releaseHeld: true })).run.status).toBe('succeeded');
      await expectCountsTrue(company);
    }
    // A member leaves the group.
    dir().removeGroupMember(pilot.id, pilot.memberIds[0] ?? '');
    await h.sync(company);
    await expectCountsTrue(company);
    // A domain nobody has, then everyone again.
    await scope([], ['nobody.example']);
    await h.sync(company, { releaseHeld: true });
    await expectCountsTrue(company);
    await scope([], []);
    await h.sync(company, { releaseHeld: true });
    expect(await expectCountsTrue(company)).toMatchObject({ excluded: imported.excluded });
  });
});
