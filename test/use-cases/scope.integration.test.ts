import { silentLogger } from '../../src/app/logger';
import { ScopeSettingsSchema } from '../../src/domain/directory/scope';
import { idsWithStatus, recordsOf, startSyncHarness, SyncHarness } from '../support/sync-harness';

/**
 * Scope by groups and domains, through the sync worker against the simulated tenant (the real
 * Graph client reading users/delta and groups/delta with members) and the local Cosmos server:
 * only the scope's members are pending; leaving a group is a removal (excluded, or deactivated
 * through the deletion guard); nested groups count; the domain rule; a scope change re-judges
 * everyone; a tenant that did not grant GroupMember.Read.All gets a clear state, not a failed run.
 * Each test has its own tenant.
 */

const TENANT = { pilot: 0, leave: 1, nested: 2, domains: 3, unreadable: 4 } as const;

describe('scope by groups and domains (sync worker, simulated tenant, local Cosmos)', () => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await startSyncHarness({ users: 60, tenants: Object.keys(TENANT).length });
  }, 60_000);
  afterAll(async () => {
    await h.close();
  });

  const tenant = (key: keyof typeof TENANT) => h.tenantIds[TENANT[key]] ?? '';
  const dir = (key: keyof typeof TENANT) => h.sim.directory(tenant(key));
  const group = (key: keyof typeof TENANT, name: string) => {
    const found = dir(key).listGroups(name).find((g) => g.displayName === name);
    if (!found) throw new Error(`no group ${name}`);
    return found;
  };
  const records = (companyId: string) => recordsOf(h.services, companyId);
  const withStatus = idsWithStatus;
  /** Users the directory lists that are members (direct or through nested groups) of a group. */
  function transitiveUsers(key: keyof typeof TENANT, groupId: string, seen = new Set<string>()): Set<string> {
    const users = new Set<string>();
    if (seen.has(groupId)) return users;
    seen.add(groupId);
    const g = dir(key).listGroups().find((x) => x.id === groupId);
    for (const member of g?.memberIds ?? []) {
      if (dir(key).getUser(member)) users.add(member);
      else for (const u of transitiveUsers(key, member, seen)) users.add(u);
    }
    return users;
  }

  it('scope to a group: only its members are pending, everyone else is excluded with the reason', async () => {
    const pilot = group('pilot', 'Security Awareness Pilot');
    await h.connectCompany('pilot', { scope: ScopeSettingsSchema.parse({ groups: [pilot.id] }) }, tenant('pilot'));
    const first = await h.sync('pilot', { mode: 'full' });
    expect(first.outcome).toBe('succeeded');
    const all = await records('pilot');
    expect(withStatus(all, 'pending')).toEqual([...pilot.memberIds].sort());
    const outsiders = withStatus(all, 'excluded');
    expect(outsiders.length).toBe(dir('pilot').listUsers().length - pilot.memberIds.length);
    expect(all.get(outsiders[0] ?? '')?.scope).toEqual({ rule: 'group', domain: expect.any(String) as unknown });
    expect(first.run.counts).toMatchObject({ newPending: pilot.memberIds.length, excluded: outsiders.length });
    const state = (await h.services.syncState.get('pilot'))?.value;
    expect(state?.groups).toMatchObject({ chosen: [pilot.id], tracked: [pilot.id], readable: true });
    expect(state?.scopeApplied).toEqual({ groups: [pilot.id], domains: [] });
  });

  it('a member removed from the group leaves the scope: pending → excluded, approved → deactivated; joining brings a user in', async () => {
    const pilot = group('leave', 'Security Awareness Pilot');
    await h.connectCompany('leave', { scope: ScopeSettingsSchema.parse({ groups: [pilot.id] }), deletionThresholdMinimum: 100 }, tenant('leave'));
    await h.sync('leave', { mode: 'full' });
    const [approvedId, pendingId] = pilot.memberIds;
    const approve = await import('../../src/use-cases/pending-users');
    await approve.approvePendingUsers(h.services, 'leave', [approvedId!], { subject: 'admin', email: 'admin@leave.example', companies: ['leave'] }, silentLogger);
    const outsider = dir('leave').listUsers().find((u) => !pilot.memberIds.includes(u.id) && u.kind === 'person')!;

    dir('leave').removeGroupMember(pilot.id, approvedId!);
    dir('leave').removeGroupMember(pilot.id, pendingId!);
    dir('leave').addGroupMember(pilot.id, outsider.id);
    const next = await h.sync('leave');
    expect(next.outcome).toBe('succeeded');
    const all = await records('leave');
    expect(all.get(pendingId!)).toMatchObject({ status: 'excluded', scope: { rule: 'group' } });
    expect(all.get(approvedId!)).toMatchObject({ status: 'approved', deactivated: { reason: 'out_of_scope' }, scope: { rule: 'group' } });
    const symbolUser = await h.services.symbolUsers.get('leave', all.get(approvedId!)?.symbolUserId ?? '');
    expect(symbolUser?.value.status).toBe('inactive');
    expect(all.get(outsider.id)).toMatchObject({ status: 'pending', scope: null });
    expect(next.run.counts).toMatchObject({ deactivated: 1, newPending: 1 });

    // Back in the group: the approved user is active again.
    dir('leave').addGroupMember(pilot.id, approvedId!);
    await h.sync('leave');
    expect((await records('leave')).get(approvedId!)).toMatchObject({ deactivated: null, scope: null });
  });

  it('nested groups count: members of a group nested under the scope group are in scope, and leave with it', async () => {
    const pilot = group('nested', 'Security Awareness Pilot');
    await h.connectCompany('nested', { scope: ScopeSettingsSchema.parse({ groups: [pilot.id] }) }, tenant('nested'));
    await h.sync('nested', { mode: 'full' });
    const wave2Members = dir('nested').listUsers().filter((u) => !pilot.memberIds.includes(u.id)).slice(0, 3).map((u) => u.id);
    const wave2 = dir('nested').addGroup({ displayName: 'Pilot Wave 2', memberIds: wave2Members });
    dir('nested').addGroupMember(pilot.id, wave2.id);
    await h.sync('nested');
    const all = await records('nested');
    expect(withStatus(all, 'pending')).toEqual([...transitiveUsers('nested', pilot.id)].sort());
    for (const id of wave2Members) expect(all.get(id)?.status).toBe('pending');

    dir('nested').removeGroupMember(pilot.id, wave2.id);
    await h.sync('nested');
    const after = await records('nested');
    for (const id of wave2Members) expect(after.get(id)).toMatchObject({ status: 'excluded', scope: { rule: 'group' } });
  });

  it('scope to domains; changing the scope in the settings re-judges everyone at the next sync', async () => {
    // More users than one re-judging batch (200): the second batch starts after the first's last id.
    for (let i = 0; i < 180; i++) dir('domains').addUser();
    await h.connectCompany('domains', { scope: ScopeSettingsSchema.parse({ domains: ['nowhere.example'] }) }, tenant('domains'));
    await h.sync('domains', { mode: 'full' });
    const before = await records('domains');
    expect(withStatus(before, 'pending')).toEqual([]);
    expect([...before.values()].every((r) => r.status === 'excluded' && r.scope?.rule === 'domain')).toBe(true);

    const stored = (await h.services.integrations.get('domains'))!;
    const domain = dir('domains').listUsers()[0]!.userPrincipalName.split('@')[1]!;
    await h.services.integrations.save({ ...stored.value, settings: { ...stored.value.settings, scope: ScopeSettingsSchema.parse({ domains: [domain] }) } }, stored.etag);
    const next = await h.sync('domains');
    expect(next.outcome).toBe('succeeded');
    const after = await records('domains');
    const inDomain = dir('domains').listUsers().filter((u) => (u.mail ?? u.userPrincipalName).toLowerCase().endsWith(`@${domain}`)).map((u) => u.id);
    expect(after.size).toBeGreaterThan(200);
    expect(inDomain.length).toBeGreaterThan(200);
    for (const id of inDomain) expect(after.get(id)?.scope).toBeNull();
    expect(withStatus(after, 'pending').length).toBeGreaterThan(0);
    expect((await h.services.syncState.get('domains'))?.value.scopeApplied).toEqual({ groups: [], domains: [domain] });
  });

  it('a tenant whose consent lacks GroupMember.Read.All: the run succeeds, nobody is added, the state says why', async () => {
    dir('unreadable').setGroupPermission(false);
    const pilot = group('unreadable', 'Security Awareness Pilot');
    await h.connectCompany('unreadable', { scope: ScopeSettingsSchema.parse({ groups: [pilot.id] }) }, tenant('unreadable'));
    const run = await h.sync('unreadable', { mode: 'full' });
    expect(run.outcome).toBe('succeeded');
    const all = await records('unreadable');
    expect(withStatus(all, 'pending')).toEqual([]);
    expect([...all.values()].every((r) => r.scope?.rule === 'groups_unreadable')).toBe(true);
    expect((await h.services.syncState.get('unreadable'))?.value.groups).toMatchObject({ readable: false });

    // Granted later (the admin connected again): the next sync applies the scope.
    dir('unreadable').setGroupPermission(true);
    await h.sync('unreadable');
    expect(withStatus(await records('unreadable'), 'pending')).toEqual([...pilot.memberIds].sort());
  });
});
