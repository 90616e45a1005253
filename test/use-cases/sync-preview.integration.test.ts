import { AppError } from '../../src/domain/app-error';
import { ScopeSettingsSchema } from '../../src/domain/directory/scope';
import { PREVIEW_CATEGORIES, PreviewCategory, PreviewItem } from '../../src/domain/sync-preview';
import { SyncRun } from '../../src/domain/sync-run';
import { DirectoryClient } from '../../src/ports/directory-client.port';
import { previewList, requestPreview } from '../../src/use-cases/sync-preview';
import { SettingsPatch } from '../../src/domain/integration-settings';
import { symbolUser } from '../support/store-fixtures';
import { idsWithStatus, recordsOf, startSyncHarness, SyncHarness, SyncOptions } from '../support/sync-harness';

/**
 * Dry-run previews through the sync worker against the simulated tenant (the real Graph client)
 * and the local Cosmos server: a preview writes no user, no sync state, no membership and no
 * e-mail; what it lists is what the real run then does; proposed settings are judged without
 * being saved; a long preview continues across invocations and ends the same.
 */

const TENANT = { first: 0, guests: 1, scope: 2, merge: 3, long: 4, redo: 5, wide: 6 } as const;

describe('dry-run previews (sync worker, simulated tenant, local Cosmos)', () => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await startSyncHarness({ users: 80, tenants: Object.keys(TENANT).length });
  }, 60_000);
  afterAll(async () => {
    await h.close();
  });

  const tenant = (key: keyof typeof TENANT) => h.tenantIds[TENANT[key]] ?? '';
  const dir = (key: keyof typeof TENANT) => h.sim.directory(tenant(key));

  async function preview(companyId: string, settings?: SettingsPatch, options: SyncOptions = {}): Promise<SyncRun> {
    const { runId } = await requestPreview(h.services, { companyId, settings });
    await h.deliver(companyId, options);
    const run = await h.services.syncRuns.get(companyId, runId);
    if (!run) throw new Error('no preview run');
    return run;
  }

  /** Every item of one list, following the cursor in small pages. */
  async function list(run: SyncRun, category: PreviewCategory): Promise<PreviewItem[]> {
    const items: PreviewItem[] = [];
    let cursor: string | null = null;
    do {
      const page = await previewList(h.services, { companyId: run.companyId, runId: run.runId, category, cursor, limit: 7 });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return items;
  }

  const records = (companyId: string) => recordsOf(h.services, companyId);
  const withStatus = idsWithStatus;
  const ids = (items: readonly PreviewItem[]) => items.map((i) => i.id).sort();

  it('before the first import: writes nothing but the preview, and the real import then does exactly what it listed', async () => {
    await h.connectCompany('first', { autoApprove: 'clean', exclude: { guests: true, disabled: true, unlicensed: false, roleAddresses: false } }, tenant('first'));
    h.directoryUsers.reset();
    const mailsBefore = h.mailer.sent.length;
    const run = await preview('first');
    expect(run).toMatchObject({ status: 'succeeded', dryRun: true, mode: 'full' });
    expect(run.counts.scanned).toBe(dir('first').listUsers().length);
    expect(h.directoryUsers.total).toBe(0);
    expect((await records('first')).size).toBe(0);
    expect((await h.services.symbolUsers.list('first', { status: null, limit: 10, cursor: null })).items).toEqual([]);
    expect(await h.services.syncState.get('first')).toBeNull();
    expect(h.mailer.sent.length).toBe(mailsBefore);
    expect((await h.services.integrations.get('first'))?.value.lastSync).toBeNull();

    const lists = Object.fromEntries(
      await Promise.all(PREVIEW_CATEGORIES.map(async (c) => [c, await list(run, c)] as const)),
    ) as Record<PreviewCategory, PreviewItem[]>;
    expect(lists.newPending.length).toBe(run.counts.newPending);
    expect(lists.autoApproved.length + lists.merged.length).toBe(run.counts.autoApproved);
    expect(lists.excluded.length).toBe(run.counts.excluded);
    expect(lists.newPending.length).toBeGreaterThan(0);
    expect(lists.autoApproved.length).toBeGreaterThan(0);
    expect(lists.excluded.length).toBeGreaterThan(0);
    expect(lists.updated).toEqual([]);
    expect(lists.deactivated).toEqual([]);
    expect(lists.removed).toEqual([]);
    expect(lists.autoApproved[0]?.reasons.map((r) => r.code)).toContain('auto_approved.clean');
    expect(lists.newPending.every((i) => i.reasons.some((r) => r.code.startsWith('pending.')))).toBe(true);
    expect(lists.excluded.every((i) => i.reasons.some((r) => r.code.startsWith('excluded.')))).toBe(true);

    const real = await h.sync('first', { mode: 'full' });
    expect(real.outcome).toBe('succeeded');
    const { scanned, newPending, autoApproved, excluded, updated, deactivated, removed, held } = real.run.counts;
    expect({ scanned, newPending, autoApproved, excluded, updated, deactivated, removed, held }).toEqual({
      scanned: run.counts.scanned,
      newPending: run.counts.newPending,
      autoApproved: run.counts.autoApproved,
      excluded: run.counts.excluded,
      updated: run.counts.updated,
      deactivated: run.counts.deactivated,
      removed: run.counts.removed,
      held: run.counts.held,
    });
    const all = await records('first');
    expect(withStatus(all, 'pending')).toEqual(ids(lists.newPending));
    expect(withStatus(all, 'approved')).toEqual(ids(lists.autoApproved));
    expect(withStatus(all, 'excluded')).toEqual(ids(lists.excluded));
  });

  it('a proposed exclude.guests: the excluded list is exactly the guests, with the setting as the reason; nothing is saved', async () => {
    await h.connectCompany('guests', { exclude: { guests: false, disabled: true, unlicensed: false, roleAddresses: false } }, tenant('guests'));
    await h.sync('guests', { mode: 'full' });
    const before = await records('guests');
    const settingsBefore = (await h.services.integrations.get('guests'))?.value.settings;
    h.directoryUsers.reset();

    const run = await preview('guests', { exclude: { guests: true } });
    expect(run.preview).toMatchObject({ proposed: true, settings: { exclude: { guests: true } } });
    const guests = dir('guests')
      .listUsers()
      .filter((u) => u.userType === 'Guest')
      .map((u) => u.id)
      .sort();
    expect(guests.length).toBeGreaterThan(0);
    const newlyExcluded = (await list(run, 'excluded')).filter((i) => i.reasons.some((r) => r.code === 'excluded.guests'));
    expect(ids(newlyExcluded)).toEqual(guests);
    expect(newlyExcluded[0]?.reasons.find((r) => r.code === 'excluded.guests')?.text).toMatch(/guest/i);
    // Already excluded for other reasons are listed too (as a real run counts them), with their own reasons.
    const excludedBefore = withStatus(before, 'excluded');
    expect(ids(await list(run, 'excluded'))).toEqual([...new Set([...guests, ...excludedBefore])].sort());

    expect(h.directoryUsers.total).toBe(0);
    expect(await records('guests')).toEqual(before);
    expect((await h.services.integrations.get('guests'))?.value.settings).toEqual(settingsBefore);
  });

  it('a proposed scope: only the group’s members stay; approved users outside it would be deactivated, and the guard says whether it would hold', async () => {
    await h.connectCompany('scope', { autoApprove: 'clean', deletionThresholdMinimum: 1, deletionThresholdPercent: 10 }, tenant('scope'));
    await h.sync('scope', { mode: 'full' });
    const before = await records('scope');
    const approved = withStatus(before, 'approved');
    const pilot = dir('scope').listGroups('Security Awareness Pilot')[0];
    if (!pilot) throw new Error('no pilot group');
    const members = new Set(pilot.memberIds);

    const run = await preview('scope', { scope: ScopeSettingsSchema.parse({ groups: [pilot.id] }) });
    const deactivated = await list(run, 'deactivated');
    const outside = approved.filter((id) => !members.has(id));
    expect(outside.length).toBeGreaterThan(0);
    expect(ids(deactivated)).toEqual(outside);
    expect(deactivated[0]?.reasons.map((r) => r.code)).toContain('deactivation.held');
    expect(run.preview?.wouldHold).toBe(true);
    expect(run.counts).toMatchObject({ held: outside.length, deactivated: 0 });
    const pendingOutside = withStatus(before, 'pending').filter((id) => !members.has(id));
    const excluded = await list(run, 'excluded');
    expect(ids(excluded.filter((i) => i.reasons.some((r) => r.code === 'scope.out_of_groups')))).toEqual(
      expect.arrayContaining(pendingOutside),
    );
    expect(excluded.find((i) => i.reasons.some((r) => r.code === 'scope.out_of_groups'))?.reasons.at(-1)?.text).toContain(
      'Security Awareness Pilot',
    );
    // Nothing moved: the scope is only proposed.
    expect(await records('scope')).toEqual(before);
    expect((await h.services.groupMemberships.list('scope', { limit: 10, cursor: null })).items).toEqual([]);
  });

  it('auto-approval by address: the merged list names the existing Symbol user each one would merge into', async () => {
    const target = dir('merge')
      .listUsers()
      .find((u) => u.mail && u.userType === 'Member' && u.accountEnabled);
    if (!target?.mail) throw new Error('no member with a mailbox');
    const now = h.clock.now().toISOString();
    await h.services.symbolUsers.save(
      { ...symbolUser('merge', 'hand-1', target.mail.toUpperCase(), { createdAt: now, updatedAt: now }), source: 'csv' },
      null,
    );
    await h.connectCompany('merge', { autoApprove: 'matched' }, tenant('merge'));
    const run = await preview('merge');
    expect(run.preview?.merged).toBe(1);
    const merged = await list(run, 'merged');
    expect(merged).toEqual([
      expect.objectContaining({ id: target.id, matchedUserId: 'hand-1' }),
    ]);
    expect(merged[0]?.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['auto_approved.matched', 'merged.address']));
    expect((await h.services.symbolUsers.get('merge', 'hand-1'))?.value.entraObjectId).toBeNull();

    const real = await h.sync('merge', { mode: 'full' });
    expect(real.run.counts.autoApproved).toBe(run.counts.autoApproved);
    expect((await h.services.symbolUsers.get('merge', 'hand-1'))?.value.entraObjectId).toBe(target.id);
  });

  it('a long preview continues in follow-up messages and counts and lists the same as one that did not', async () => {
    await h.connectCompany('long', { autoApprove: 'clean' }, tenant('long'));
    const whole = await preview('long');
    // Every page read moves the clock past the time budget: one page per invocation.
    const slow: DirectoryClient = {
      deltaPage: async (tenantId, link) => {
        const page = await h.services.directory.deltaPage(tenantId, link);
        h.clock.advance(2_000);
        return page;
      },
    };
    const split = await preview('long', undefined, { directory: slow, sync: { timeBudgetSeconds: 1 } });
    expect(split.status).toBe('succeeded');
    expect(split.invocations).toBeGreaterThan(2);
    expect(split.counts).toEqual(whole.counts);
    for (const category of PREVIEW_CATEGORIES) expect(ids(await list(split, category))).toEqual(ids(await list(whole, category)));

    // Graph fails once on the second page: the message goes back, the redelivery resumes there.
    let reads = 0;
    const flaky: DirectoryClient = {
      deltaPage: async (tenantId, link) => {
        if (++reads === 2) throw new AppError('dependency_unavailable', 'Graph is having a moment');
        return h.services.directory.deltaPage(tenantId, link);
      },
    };
    const { runId } = await requestPreview(h.services, { companyId: 'long' });
    const deliveries = await h.deliver('long', { directory: flaky });
    expect(deliveries.map((d) => d.outcome)).toEqual(['threw', 'succeeded']);
    const resumed = await h.services.syncRuns.get('long', runId);
    expect(resumed?.counts).toEqual(whole.counts);
    for (const category of PREVIEW_CATEGORIES) expect(ids(await list(resumed!, category))).toEqual(ids(await list(whole, category)));
  });

  it('a redelivery after the directory changed lists only what the redone pages found (nothing left from the failed attempt)', async () => {
    await h.connectCompany('redo', {}, tenant('redo'));
    // A guest on the first page, which the first attempt lists as excluded.
    const firstPage = await h.services.directory.deltaPage(tenant('redo'), null);
    const onFirstPage = (firstPage.items[0] as { id: string }).id;
    dir('redo').updateUser(onFirstPage, { userType: 'Guest' });
    const { runId } = await requestPreview(h.services, { companyId: 'redo', settings: { exclude: { guests: true } } });
    // The first attempt fails on page two, before the run's first save; before the redelivery
    // reads again, every guest becomes a member.
    let reads = 0;
    const flaky: DirectoryClient = {
      deltaPage: async (tenantId, link) => {
        reads++;
        if (reads === 2) throw new AppError('dependency_unavailable', 'Graph is having a moment');
        if (reads === 3) {
          for (const u of dir('redo').listUsers())
            if (u.userType === 'Guest') dir('redo').updateUser(u.id, { userType: 'Member' });
        }
        return h.services.directory.deltaPage(tenantId, link);
      },
    };
    expect((await h.deliver('redo', { directory: flaky })).map((d) => d.outcome)).toEqual(['threw', 'succeeded']);
    const run = await h.services.syncRuns.get('redo', runId);
    expect(run?.counts.excluded).toBe(0);
    expect(await list(run!, 'excluded')).toEqual([]);
    const pending = await list(run!, 'newPending');
    expect(pending.length).toBe(run?.counts.newPending);
    expect(pending.map((i) => i.id)).toContain(onFirstPage.toLowerCase());
  });

  it('a sweep of several batches saved along the way: a failure in the middle resumes after the last save and lists what an unbroken preview lists', async () => {
    // More stored users than one sweep batch (1,000 ids): 1,280 imported, three of them gone since.
    for (let i = 0; i < 1_200; i++) dir('wide').addUser();
    await h.connectCompany('wide', {}, tenant('wide'));
    await h.sync('wide', { mode: 'full' });
    const stored = [...(await records('wide')).keys()].sort();
    expect(stored.length).toBeGreaterThan(1_000);
    const gone = [stored[10], stored[1_100], stored[stored.length - 1]].map((id) => id ?? '');
    for (const id of gone) dir('wide').hardDeleteUser(id);
    const options: SyncOptions = { sync: { checkpointEveryPages: 1 } };
    const unbroken = await preview('wide', undefined, options);
    expect(ids(await list(unbroken, 'removed'))).toEqual([...gone].sort());

    // The second batch of the sweep fails once: the message goes back, the redelivery sweeps on.
    let listings = 0;
    const flaky = { ...h.services.directoryUsers };
    flaky.listIds = (companyId, paging) => {
      if (companyId === 'wide' && ++listings === 2)
        return Promise.reject(new AppError('dependency_unavailable', 'Cosmos is having a moment'));
      return h.services.directoryUsers.listIds(companyId, paging);
    };
    const { runId } = await requestPreview(h.services, { companyId: 'wide' });
    const deliveries = await h.deliver('wide', { ...options, services: { directoryUsers: flaky } });
    expect(deliveries.map((d) => d.outcome)).toEqual(['threw', 'succeeded']);
    const resumed = await h.services.syncRuns.get('wide', runId);
    expect(resumed?.counts).toEqual(unbroken.counts);
    for (const category of PREVIEW_CATEGORIES)
      expect(ids(await list(resumed!, category))).toEqual(ids(await list(unbroken, category)));
  });

  it('users gone from the directory: the preview lists pending ones as removed and approved ones as deactivated, like the real round', async () => {
    const company = 'long';
    await h.sync(company, { mode: 'full' });
    const before = await records(company);
    const [goneApproved] = withStatus(before, 'approved');
    const [gonePending] = withStatus(before, 'pending');
    if (!goneApproved || !gonePending) throw new Error('need an approved and a pending user');
    dir('long').hardDeleteUser(goneApproved);
    dir('long').hardDeleteUser(gonePending);
    const run = await preview(company);
    expect(ids(await list(run, 'removed'))).toEqual([gonePending]);
    expect((await list(run, 'removed'))[0]?.reasons.map((r) => r.code)).toEqual(['removed.not_seen']);
    const deactivated = await list(run, 'deactivated');
    expect(ids(deactivated)).toEqual([goneApproved]);
    expect(deactivated[0]?.reasons.map((r) => r.code)).toContain('deactivation.held');
    expect(run.counts).toMatchObject({ removed: 1, deactivated: 1, held: 0 });
    expect(await records(company)).toEqual(before);
    // The real full round then does the same.
    const real = await h.sync(company, { mode: 'full' });
    expect(real.run.counts).toMatchObject({ removed: 1, deactivated: 1 });
  });

  it('lists: 404 for an unknown run, not_a_preview for a sync, preview_not_ready while queued, a bad cursor is validation_failed', async () => {
    const sync = await h.sync('first', { mode: 'delta' });
    await expect(previewList(h.services, { companyId: 'first', runId: 'nope', category: 'newPending', cursor: null, limit: 5 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(previewList(h.services, { companyId: 'first', runId: sync.run.runId, category: 'newPending', cursor: null, limit: 5 })).rejects.toMatchObject({ code: 'not_a_preview' });
    const { runId } = await requestPreview(h.services, { companyId: 'first' });
    await expect(previewList(h.services, { companyId: 'first', runId, category: 'newPending', cursor: null, limit: 5 })).rejects.toMatchObject({ code: 'preview_not_ready' });
    await h.deliver('first');
    await expect(previewList(h.services, { companyId: 'first', runId, category: 'newPending', cursor: 'bm9wZQ', limit: 5 })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(requestPreview(h.services, { companyId: 'nobody' })).rejects.toMatchObject({ code: 'not_connected' });
  });
});
