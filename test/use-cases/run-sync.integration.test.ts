import { randomUUID } from 'node:crypto';
import { silentLogger } from '../../src/app/logger';
import { AppError } from '../../src/domain/app-error';
import { DirectoryUserRecord } from '../../src/domain/directory/directory-user';
import { IntegrationSettings } from '../../src/domain/integration-settings';
import { MAX_TRANSIENT_RETRIES, retryDelayMs } from '../../src/domain/retry-backoff';
import { SymbolUser } from '../../src/domain/symbol-user';
import { SyncJobSchema } from '../../src/domain/sync-job';
import { DirectoryClient, DirectoryPage } from '../../src/ports/directory-client.port';
import { jobFor } from '../../src/use-cases/enqueue-sync';
import { runSync } from '../../src/use-cases/run-sync';
import { retryJitter } from '../../src/use-cases/sync/sync-failure';
import { symbolUserIdFor } from '../../src/use-cases/symbol-user-effects';
import { symbolUser } from '../support/store-fixtures';
import { startSyncHarness, SyncHarness } from '../support/sync-harness';

/**
 * The sync worker with real parts: the real Graph client against the simulated tenant (HTTPS,
 * real token endpoint) and the real Cosmos client against the local Cosmos-protocol server, time
 * from a test clock. Every test sets up its own company (and, when it changes the directory, its
 * own simulated tenant), so the tests run in any order.
 */

/** Tenant 0 is read-only (every test may import it); each test that changes a directory has its own. */
const TENANT = {
  shared: 0,
  incremental: 1,
  follow: 2,
  throttled: 3,
  reset: 4,
  guard: 5,
  revoked: 6,
  episode: 7,
} as const;

async function records(h: SyncHarness, companyId: string): Promise<DirectoryUserRecord[]> {
  const query = { query: 'SELECT * FROM c WHERE c.companyId = @c', parameters: [{ name: '@c', value: companyId }] };
  return (await h.cosmos.database.container('directory-users').items.query<DirectoryUserRecord>(query).fetchAll())
    .resources;
}

/** What the approve API does, directly through the stores. */
async function approve(h: SyncHarness, companyId: string, ids: string[]): Promise<void> {
  for (const id of ids) {
    const stored = (await h.services.directoryUsers.getMany(companyId, [id])).get(id);
    if (!stored) throw new Error(`no record ${id}`);
    const now = h.clock.now().toISOString();
    const a = stored.value.attributes;
    const email = a.mail ?? `${id}@contoso.example`;
    const user: SymbolUser = {
      ...symbolUser(companyId, symbolUserIdFor(id), email, { createdAt: now, updatedAt: now }),
      givenName: a.givenName,
      surname: a.surname,
      displayName: a.displayName,
      jobTitle: a.jobTitle,
      department: a.department,
      entraObjectId: id,
      source: 'entra',
    };
    await h.services.symbolUsers.save(user, null);
    const approved = {
      ...stored.value,
      status: 'approved' as const,
      symbolUserId: user.id,
      decidedAt: now,
      decidedBy: 'test',
    };
    await h.services.directoryUsers.write(companyId, [{ op: 'put', record: approved, expected: stored }]);
  }
}

describe('sync worker (Graph delta → diff → Cosmos)', () => {
  let h: SyncHarness;
  const tenant = (key: keyof typeof TENANT) => h.tenantIds[TENANT[key]] ?? '';
  const dir = (key: keyof typeof TENANT) => h.sim.directory(tenant(key));
  /** People who manage nobody (deleting a manager would also change their reports' manager@delta). */
  const people = (key: keyof typeof TENANT) => {
    const users = dir(key).listUsers();
    const managers = new Set(users.map((u) => u.managerId));
    return users.filter((u) => u.kind === 'person' && !managers.has(u.id));
  };
  const mails = (companyId: string, kind: string) =>
    h.queue
      .on('notifications')
      .filter(
        (m) =>
          (m.body as { kind: string; companyId: string }).kind === kind &&
          (m.body as { companyId: string }).companyId === companyId,
      );

  /** A new company connected to the tenant, with its first import done. */
  async function imported(key: keyof typeof TENANT, settings: Partial<IntegrationSettings> = {}): Promise<string> {
    const companyId = `co-${randomUUID().slice(0, 8)}`;
    await h.connectCompany(companyId, settings, tenant(key));
    expect((await h.sync(companyId)).outcome).toBe('succeeded');
    return companyId;
  }

  beforeAll(async () => {
    h = await startSyncHarness({ users: 120, pageSize: 25, tenants: Object.keys(TENANT).length });
  }, 60_000);
  afterAll(async () => {
    await h.close();
  });

  it('first sync imports every directory user into pending, flagged, and queues one e-mail', async () => {
    await h.connectCompany('first-import', {}, tenant('shared'));
    const { outcome, run } = await h.sync('first-import');
    const total = dir('shared').listUsers().length;
    expect(outcome).toBe('succeeded');
    expect(run).toMatchObject({
      status: 'succeeded',
      mode: 'full',
      counts: { scanned: total, newPending: total, updated: 0, deactivated: 0, invalid: 0 },
    });
    expect(run.pages).toBeGreaterThan(3);
    const stored = await records(h, 'first-import');
    expect(stored).toHaveLength(total);
    expect(stored.every((r) => r.status === 'pending')).toBe(true);
    expect(stored.find((r) => r.attributes.userType === 'Guest')?.flags).toContain('guest');
    expect(stored.some((r) => r.flags.includes('unlicensed'))).toBe(true);
    expect(stored.some((r) => r.flags.includes('role_address'))).toBe(true);
    expect(mails('first-import', 'new-pending-users')).toEqual([
      expect.objectContaining({
        body: expect.objectContaining({ count: total, to: ['admin@first-import.example'] }) as unknown,
      }),
    ]);
    expect((await h.services.syncState.get('first-import'))?.value.deltaLink).toMatch(/deltatoken/i);
    expect((await h.services.integrations.get('first-import'))?.value.lastSync).toMatchObject({
      runId: run.runId,
      status: 'succeeded',
    });
  });

  it('a re-run with no changes writes nothing', async () => {
    const company = await imported('shared');
    h.directoryUsers.reset();
    const { run } = await h.sync(company);
    expect(run).toMatchObject({ status: 'succeeded', mode: 'delta', counts: { scanned: 0 } });
    expect(h.directoryUsers.total).toBe(0);
  });

  it('a full round with no changes writes no user: the ids it sees are kept in one chunk per checkpoint', async () => {
    const company = await imported('shared');
    h.directoryUsers.reset();
    const { run } = await h.sync(company, { mode: 'full', sync: { checkpointEveryPages: 2 } });
    const total = dir('shared').listUsers().length;
    expect(run).toMatchObject({ status: 'succeeded', mode: 'full', counts: { scanned: total, unchanged: total } });
    expect(h.directoryUsers.total).toBe(0);
    const state = (await h.services.syncState.get(company))?.value;
    expect(state?.round).toBeNull();
    // 5 pages of 25, a checkpoint every 2 pages and at the last: 3 chunks, every user in them.
    const chunks = await h.cosmos.database
      .container('round-seen')
      .items.query<{ ids: string[] }>({
        query: 'SELECT * FROM c WHERE c.companyId = @c',
        parameters: [{ name: '@c', value: company }],
      })
      .fetchAll();
    expect(chunks.resources).toHaveLength(3);
    expect(new Set(chunks.resources.flatMap((c) => c.ids)).size).toBe(total);
  });

  it('fetches the next page while the current one is written: one page ahead, never more', async () => {
    await h.connectCompany('ahead', {}, tenant('shared'));
    // What had been written when each page was asked for (read at the moment of the request).
    const writtenAtRequest: number[] = [];
    const watching: DirectoryClient = {
      deltaPage: (t, l) => {
        writtenAtRequest.push(h.directoryUsers.puts);
        return h.services.directory.deltaPage(t, l);
      },
    };
    h.directoryUsers.reset();
    const { run } = await h.sync('ahead', { directory: watching });
    expect(run).toMatchObject({ status: 'succeeded', pages: 5 });
    // Page n+1 is requested before page n is written, and not before page n−1 is: 5 pages of 25.
    expect(writtenAtRequest).toEqual([0, 0, 25, 50, 75]);
  });

  it('an incremental change costs writes only for what changed', async () => {
    const company = await imported('incremental');
    const [a, b] = people('incremental');
    dir('incremental').updateUser(a?.id ?? '', { jobTitle: 'Chief Sync Officer' });
    dir('incremental').addUser({ givenName: 'Ada', surname: 'Lovelace', department: 'R&D' });
    dir('incremental').hardDeleteUser(b?.id ?? '');
    h.directoryUsers.reset();
    const { run } = await h.sync(company);
    expect(run.counts).toMatchObject({ scanned: 3, updated: 1, newPending: 1, removed: 1 });
    expect(h.directoryUsers.total).toBe(3);
    const stored = await records(h, company);
    expect(stored.find((r) => r.id === a?.id)?.attributes.jobTitle).toBe('Chief Sync Officer');
    expect(stored.find((r) => r.id === b?.id)).toBeUndefined();
    expect(stored.find((r) => r.attributes.displayName === 'Ada Lovelace')?.status).toBe('pending');
  });

  it('approved users follow the directory: disabled → deactivated, re-enabled → reactivated, renamed → same Symbol user (keeping its address when the new one is taken)', async () => {
    const company = await imported('follow');
    const id = people('follow')[2]?.id ?? '';
    await approve(h, company, [id]);
    dir('follow').disableUser(id);
    await h.sync(company);
    expect((await h.services.symbolUsers.get(company, symbolUserIdFor(id)))?.value.status).toBe('inactive');
    expect((await h.services.directoryUsers.getMany(company, [id])).get(id)?.value.deactivated?.reason).toBe(
      'disabled',
    );

    dir('follow').enableUser(id);
    dir('follow').updateUser(id, {
      mail: 'renamed.person@contoso3.example',
      userPrincipalName: 'renamed.person@contoso3.example',
      surname: 'Renamed',
    });
    const { run } = await h.sync(company);
    expect(run.status).toBe('succeeded');
    const symbol = (await h.services.symbolUsers.get(company, symbolUserIdFor(id)))?.value;
    expect(symbol).toMatchObject({
      status: 'active',
      email: 'renamed.person@contoso3.example',
      surname: 'Renamed',
      entraObjectId: id,
    });

    // Renamed to an address another Symbol user already holds: the address stays, the rest follows.
    const now = h.clock.now().toISOString();
    await h.services.symbolUsers.save(
      symbolUser(company, 'manual-holder', 'taken@contoso3.example', { createdAt: now, updatedAt: now }),
      null,
    );
    dir('follow').updateUser(id, { mail: 'taken@contoso3.example', jobTitle: 'Renamed Again' });
    const again = await h.sync(company);
    expect(again.run.status).toBe('succeeded');
    expect((await h.services.symbolUsers.get(company, symbolUserIdFor(id)))?.value).toMatchObject({
      email: 'renamed.person@contoso3.example',
      jobTitle: 'Renamed Again',
      entraObjectId: id,
    });
    expect((await h.services.symbolUsers.get(company, 'manual-holder'))?.value).toMatchObject({
      email: 'taken@contoso3.example',
      entraObjectId: null,
    });
  });

  it('honours 429 with Retry-After (waiting through the scheduler) and still succeeds', async () => {
    const company = await imported('throttled');
    dir('throttled').throttle(2, 7);
    dir('throttled').updateUser(people('throttled')[3]?.id ?? '', { department: 'Throttled' });
    h.scheduler.waits.length = 0;
    const { run } = await h.sync(company);
    expect(run).toMatchObject({ status: 'succeeded', counts: { updated: 1 } });
    expect(h.scheduler.waits).toEqual([7_000, 7_000]);
  });

  it('an expired/reset delta state falls back to a full round and sweeps users it did not return', async () => {
    const company = await imported('reset');
    const [victim, approvedVictim] = [people('reset')[4], people('reset')[5]];
    await approve(h, company, [approvedVictim?.id ?? '']);
    // Removed while we are not looking: the delta that would have told us is lost with the reset.
    dir('reset').hardDeleteUser(victim?.id ?? '');
    dir('reset').hardDeleteUser(approvedVictim?.id ?? '');
    dir('reset').resetDeltaState();
    const { run } = await h.sync(company);
    expect(run).toMatchObject({ status: 'succeeded', mode: 'full', counts: { removed: 1, deactivated: 1 } });
    expect((await h.services.directoryUsers.getMany(company, [victim?.id ?? ''])).size).toBe(0);
    // The approved user is kept, deactivated (history kept), and so is its Symbol user.
    const kept = (await h.services.directoryUsers.getMany(company, [approvedVictim?.id ?? ''])).get(
      approvedVictim?.id ?? '',
    );
    expect(kept?.value).toMatchObject({
      status: 'approved',
      pendingRemoval: null,
      deactivated: { reason: 'not_seen' },
    });
    expect((await h.services.symbolUsers.get(company, symbolUserIdFor(approvedVictim?.id ?? '')))?.value.status).toBe(
      'inactive',
    );
    dir('reset').expireDeltaTokens();
    const again = await h.sync(company);
    expect(again.run).toMatchObject({
      status: 'succeeded',
      mode: 'full',
      counts: { removed: 0, newPending: 0, deactivated: 0 },
    });
  });

  describe('time', () => {
    /** Graph as the worker sees it, each page taking `msPerPage` of (test) time. */
    const slow = (msPerPage: number): DirectoryClient => ({
      deltaPage: (t, l) => {
        h.clock.advance(msPerPage);
        return h.services.directory.deltaPage(t, l);
      },
    });

    it('a time budget that runs out continues in a follow-up message on the same session', async () => {
      await h.connectCompany('slow', {}, tenant('shared'));
      const { run, deliveries } = await h.sync('slow', { directory: slow(300), sync: { timeBudgetSeconds: 1 } });
      expect(run.status).toBe('succeeded');
      // 120 users in pages of 25: 5 pages at 300 ms each against a 1 s budget → 4 pages, then 1.
      expect(deliveries.map((d) => d.outcome)).toEqual(['continued', 'succeeded']);
      expect(run.invocations).toBe(2);
      const continuations = h.queue
        .on('sync-jobs')
        .filter((m) => m.sessionId === 'slow' && SyncJobSchema.parse(m.body).trigger === 'continuation');
      expect(continuations.map((m) => m.messageId)).toEqual([`${run.runId}:1`]);
      expect(run.counts.newPending).toBe(dir('shared').listUsers().length);
    });

    it('a crash mid-run loses nothing: the redelivered message resumes from the checkpoint and ends in the same state', async () => {
      await h.connectCompany('crashy', {}, tenant('shared'));
      const control = await imported('shared');
      // The first invocation applies 2 pages, checkpointing each, then "dies": its continuation is
      // lost. (Each page's 400 ms pass while the page before it is applied: the next page is
      // fetched ahead, so the third fetch has already used up the 1 s budget.)
      const first = await h.sync('crashy', {
        directory: slow(400),
        sync: { timeBudgetSeconds: 1, checkpointEveryPages: 1 },
        firstDeliveryOnly: true,
      });
      expect(first.outcome).toBe('continued');
      expect(h.queue.take('sync-jobs', 'crashy')).toBeDefined();
      expect((await h.services.syncState.get('crashy'))?.value.round?.pages).toBe(2);

      // Service Bus redelivers the original message: the round is resumed, not started over.
      h.directoryUsers.reset();
      const redelivered = await runSync(
        h.services,
        jobFor(first.run),
        { messageId: first.run.runId, deliveryCount: 2 },
        silentLogger,
      );
      expect(redelivered).toBe('succeeded');
      expect(h.directoryUsers.puts).toBe(dir('shared').listUsers().length - 2 * 25);
      // One run, every user counted once, as new (the e-mail says so).
      const finished = await h.services.syncRuns.get('crashy', first.run.runId);
      expect(finished?.counts).toMatchObject({
        newPending: dir('shared').listUsers().length,
        unchanged: 0,
        scanned: dir('shared').listUsers().length,
      });
      const strip = (rs: DirectoryUserRecord[]) =>
        rs
          .map((r) => ({ id: r.id, status: r.status, hash: r.hash, flags: r.flags }))
          .sort((x, y) => x.id.localeCompare(y.id));
      expect(strip(await records(h, 'crashy'))).toEqual(strip(await records(h, control)));
    });
  });

  describe('failures', () => {
    const failing = (failures: number, error: () => Error): DirectoryClient & { calls: number } => {
      const client = {
        calls: 0,
        deltaPage: (t: string, l: string | null): Promise<DirectoryPage> =>
          ++client.calls <= failures ? Promise.reject(error()) : h.services.directory.deltaPage(t, l),
      };
      return client;
    };
    const graphDown = () =>
      new AppError('dependency_unavailable', 'Graph could not be reached (10.0.0.1: ECONNRESET).');

    it('a job that fails transiently three times then succeeds ends succeeded, its retries spaced as scheduled', async () => {
      await h.connectCompany('flaky', {}, tenant('shared'));
      const { outcome, run, deliveries } = await h.sync('flaky', { directory: failing(3, graphDown) });
      expect(outcome).toBe('succeeded');
      expect(run).toMatchObject({ status: 'succeeded', invocations: 4, error: null });
      expect(deliveries.map((d) => [d.messageId, d.deliveryCount, d.outcome])).toEqual([
        [run.runId, 1, 'retrying'],
        [`${run.runId}:retry:1`, 1, 'retrying'],
        [`${run.runId}:retry:2`, 1, 'retrying'],
        [`${run.runId}:retry:3`, 1, 'succeeded'],
      ]);
      const gaps = deliveries.slice(1).map((d, i) => d.at.getTime() - (deliveries[i]?.at.getTime() ?? 0));
      expect(gaps).toEqual([1, 2, 3].map((n) => retryDelayMs(n, retryJitter(run.runId, n))));
      // 30 s → 1 min → 2 min, each within ±20 %.
      expect(gaps.map((g, i) => Math.abs(g - 30_000 * 2 ** i) <= 0.2 * 30_000 * 2 ** i)).toEqual([true, true, true]);
      expect(
        h.queue
          .on('sync-jobs')
          .filter((m) => m.sessionId === 'flaky')
          .every((m) => m.subject !== 'sync:retry' || m.scheduledEnqueueTime !== undefined),
      ).toBe(true);
    });

    it('Graph throttling with a long Retry-After: the retry waits as long as Graph asked', async () => {
      await h.connectCompany('throttled', {}, tenant('shared'));
      const throttled = () =>
        new AppError('directory_throttled', 'Graph is throttling (429).', { meta: { retryAfterSeconds: 600 } });
      const { outcome, deliveries } = await h.sync('throttled', { directory: failing(1, throttled) });
      expect(outcome).toBe('succeeded');
      expect(deliveries.map((d) => d.outcome)).toEqual(['retrying', 'succeeded']);
      expect((deliveries[1]?.at.getTime() ?? 0) - (deliveries[0]?.at.getTime() ?? 0)).toBe(600_000);
    });

    it('a permanent failure ends failed on the first delivery, with its code and the progress made', async () => {
      await h.connectCompany('broken', {}, tenant('shared'));
      let brokenPages = 0;
      // Two pages are read and checkpointed, then Graph answers something that is not a delta page.
      const broken: DirectoryClient = {
        deltaPage: (t, l) =>
          l !== null && l.includes('skiptoken') && (brokenPages += 1) > 1
            ? Promise.reject(new AppError('directory_invalid_response', 'Graph answered 404.'))
            : h.services.directory.deltaPage(t, l),
      };
      const { outcome, run, deliveries } = await h.sync('broken', {
        directory: broken,
        sync: { checkpointEveryPages: 1 },
      });
      expect(outcome).toBe('failed');
      expect(deliveries).toHaveLength(1);
      expect(run).toMatchObject({
        status: 'failed',
        invocations: 1,
        pages: 2,
        counts: { scanned: 50 },
        error: { code: 'directory_invalid_response' },
      });
      expect((await h.services.integrations.get('broken'))?.value.lastSync).toMatchObject({
        runId: run.runId,
        status: 'failed',
      });
    });

    it('transient failures that outlast the retries end failed with a safe code, after the last retry', async () => {
      await h.connectCompany('down', {}, tenant('shared'));
      const { outcome, run, deliveries } = await h.sync('down', { directory: failing(1000, graphDown) });
      expect(outcome).toBe('failed');
      expect(deliveries).toHaveLength(MAX_TRANSIENT_RETRIES + 1);
      expect(deliveries.every((d) => d.deliveryCount === 1)).toBe(true);
      expect(run).toMatchObject({ status: 'failed', error: { code: 'dependency_unavailable' } });
      expect(JSON.stringify(run.error)).not.toContain('10.0.0.1');
      // About an hour in all: 30 s, 1, 2, 4, 8 min, then three at the 15-minute cap (each −20 %…+20 %).
      const elapsed = (deliveries.at(-1)?.at.getTime() ?? 0) - (deliveries[0]?.at.getTime() ?? 0);
      expect(elapsed).toBeGreaterThan(0.8 * 60 * 60_000);
      expect(elapsed).toBeLessThan(1.1 * 60 * 60_000);
    });

    it('when even the retry cannot be queued, the message goes back to the queue and is redelivered', async () => {
      await h.connectCompany('queue-down', {}, tenant('shared'));
      const directory = failing(1, graphDown);
      const original = h.services.queue.send.bind(h.services.queue);
      const sendSpy = jest.spyOn(h.services.queue, 'send').mockImplementation((queue, message) => {
        if (message.subject === 'sync:retry')
          return Promise.reject(new AppError('dependency_unavailable', 'Service Bus down'));
        return original(queue, message);
      });
      try {
        const { outcome, run, deliveries } = await h.sync('queue-down', { directory });
        expect(deliveries.map((d) => [d.deliveryCount, d.outcome])).toEqual([
          [1, 'threw'],
          [2, 'succeeded'],
        ]);
        expect(outcome).toBe('succeeded');
        expect(run.status).toBe('succeeded');
      } finally {
        sendSpy.mockRestore();
      }
    });

    it('revoked consent: run failed with consent_revoked, integration marked, admins e-mailed once; later jobs are skipped', async () => {
      const company = await imported('revoked');
      dir('revoked').revokeConsent();
      try {
        dir('revoked').updateUser(people('revoked')[30]?.id ?? '', { department: 'Gone' });
        const { outcome, run } = await h.sync(company);
        expect(outcome).toBe('failed');
        expect(run).toMatchObject({ status: 'failed', error: { code: 'consent_revoked' } });
        expect((await h.services.integrations.get(company))?.value.status).toBe('consent_revoked');
        expect(mails(company, 'consent-revoked')).toHaveLength(1);
        const later = await h.sync(company);
        expect(later.outcome).toBe('skipped');
        expect(mails(company, 'consent-revoked')).toHaveLength(1);
      } finally {
        dir('revoked').grantConsent();
      }
    });
  });

  describe('the deletion guard', () => {
    const statusOf = async (company: string, id: string) =>
      (await h.services.symbolUsers.get(company, symbolUserIdFor(id)))?.value.status;

    it('holds a mass deactivation and tells the admins; an admin releases it, or raises the threshold', async () => {
      const company = await imported('guard', { deletionThresholdPercent: 20, deletionThresholdMinimum: 3 });
      const ids = people('guard')
        .slice(10, 20)
        .map((u) => u.id);
      const gone = ids.slice(0, 5);
      await approve(h, company, ids);
      for (const id of gone) dir('guard').disableUser(id);
      const { run } = await h.sync(company);
      expect(run).toMatchObject({ status: 'held', counts: { held: 5 } });
      for (const id of gone) expect(await statusOf(company, id)).toBe('active');
      expect(mails(company, 'deactivations-held')).toHaveLength(1);

      // The admin releases what was held (POST …/entra/held-deactivations/release queues this).
      const released = await h.sync(company, { releaseHeld: true });
      expect(released.run).toMatchObject({ status: 'succeeded', counts: { deactivated: 5, held: 0 } });
      for (const id of gone) expect(await statusOf(company, id)).toBe('inactive');

      // Back again, then gone again: held again; this time the admin raises the threshold instead.
      for (const id of gone) dir('guard').enableUser(id);
      expect((await h.sync(company)).run.status).toBe('succeeded');
      for (const id of gone) expect(await statusOf(company, id)).toBe('active');
      for (const id of gone) dir('guard').disableUser(id);
      expect((await h.sync(company)).run.status).toBe('held');
      const integration = (await h.services.integrations.get(company))!;
      await h.services.integrations.save(
        { ...integration.value, settings: { ...integration.value.settings, deletionThresholdPercent: 100 } },
        integration.etag,
      );
      const next = await h.sync(company);
      expect(next.run).toMatchObject({ status: 'succeeded', counts: { deactivated: 5 } });
      for (const id of gone) expect(await statusOf(company, id)).toBe('inactive');
    });

    it('e-mails the admins once per episode: later runs that still hold send nothing until the episode ends', async () => {
      const company = await imported('episode', { deletionThresholdPercent: 20, deletionThresholdMinimum: 3 });
      const ids = people('episode')
        .slice(10, 20)
        .map((u) => u.id);
      await approve(h, company, ids);
      for (const id of ids.slice(0, 4)) dir('episode').disableUser(id);
      const first = await h.sync(company);
      expect(first.run).toMatchObject({ status: 'held', counts: { held: 4 } });
      expect(mails(company, 'deactivations-held').map((m) => m.messageId)).toEqual([`held:${first.run.runId}`]);

      // The same episode: a quiet run, then one more user gone — still held, no new e-mail.
      expect((await h.sync(company)).run.status).toBe('held');
      dir('episode').disableUser(ids[4] ?? '');
      expect((await h.sync(company)).run).toMatchObject({ status: 'held', counts: { held: 5 } });
      expect(mails(company, 'deactivations-held')).toHaveLength(1);

      // Released: the episode ends. The next mass removal is a new episode with its own e-mail.
      expect((await h.sync(company, { releaseHeld: true })).run.status).toBe('succeeded');
      expect((await h.services.syncState.get(company))?.value.heldSince).toBeNull();
      for (const id of ids.slice(0, 5)) dir('episode').enableUser(id);
      expect((await h.sync(company)).run.status).toBe('succeeded');
      for (const id of ids.slice(5, 10)) dir('episode').disableUser(id);
      const second = await h.sync(company);
      expect(second.run.status).toBe('held');
      expect(mails(company, 'deactivations-held').map((m) => m.messageId)).toEqual([
        `held:${first.run.runId}`,
        `held:${second.run.runId}`,
      ]);
    });
  });

  it('auto-approval (matched) merges directory users into existing Symbol users through the same approve path', async () => {
    const target = people('shared').find((u) => u.mail);
    const now = h.clock.now().toISOString();
    const email = (target?.mail ?? '').toUpperCase();
    await h.services.symbolUsers.save(
      {
        ...symbolUser('auto', 'hand-1', email, { createdAt: now, updatedAt: now }),
        givenName: 'Hand',
        surname: 'Added',
        source: 'csv',
        customFields: { training: 'kept' },
      },
      null,
    );
    await h.connectCompany('auto', { autoApprove: 'matched' }, tenant('shared'));
    const { run } = await h.sync('auto');
    expect(run.counts.autoApproved).toBe(1);
    const record = (await h.services.directoryUsers.getMany('auto', [target?.id ?? ''])).get(target?.id ?? '')?.value;
    expect(record).toMatchObject({ status: 'approved', symbolUserId: 'hand-1', decidedBy: 'auto-approval' });
    const merged = (await h.services.symbolUsers.get('auto', 'hand-1'))?.value;
    expect(merged).toMatchObject({
      entraObjectId: target?.id,
      source: 'csv',
      customFields: { training: 'kept' },
      givenName: target?.givenName,
    });
    expect(merged?.links[0]).toMatchObject({ by: 'auto-approval', merged: true });
    expect((await h.services.symbolUsers.list('auto', { status: null, limit: 10, cursor: null })).items).toHaveLength(
      1,
    );
  });
});
