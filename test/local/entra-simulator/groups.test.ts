import type { Client } from '@microsoft/microsoft-graph-client';
import { GraphError } from '@microsoft/microsoft-graph-client';
import type { EntraSimulator, TenantSummary } from '../../../src/local/entra-simulator';
import { graphClient, startSim } from './helpers';

/**
 * The simulated tenant's groups, through the real Graph SDK client: seeded groups (departments,
 * a nested one, a pilot group), `GET /groups` with startswith, `groups/delta` with
 * `members@delta` (full round, then only net membership changes, big groups across pages,
 * nesting, deletion), and the 403 a tenant without GroupMember.Read.All answers.
 */

interface GroupDeltaPage {
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
  value: Array<{ id: string; displayName?: string; '@removed'?: unknown; 'members@delta'?: Array<{ '@odata.type': string; id: string; '@removed'?: unknown }> }>;
}

async function round(client: Client, start: string): Promise<{ items: GroupDeltaPage['value']; pages: number; deltaLink: string }> {
  const items: GroupDeltaPage['value'] = [];
  let url = start;
  for (let pages = 1; pages < 1000; pages++) {
    const page = (await client.api(url).get()) as GroupDeltaPage;
    items.push(...page.value);
    if (page['@odata.deltaLink']) return { items, pages, deltaLink: page['@odata.deltaLink'] };
    url = page['@odata.nextLink'] ?? '';
  }
  throw new Error('too many pages');
}

/** Members of each group over a round, following a group across pages. */
function membersOf(items: GroupDeltaPage['value']): Map<string, Map<string, 'present' | 'removed'>> {
  const out = new Map<string, Map<string, 'present' | 'removed'>>();
  for (const item of items) {
    const members = out.get(item.id) ?? new Map<string, 'present' | 'removed'>();
    for (const m of item['members@delta'] ?? []) members.set(m.id, m['@removed'] ? 'removed' : 'present');
    out.set(item.id, members);
  }
  return out;
}

describe('Entra simulator: groups and groups/delta', () => {
  let sim: EntraSimulator;
  let contoso: TenantSummary;
  let client: Client;

  beforeAll(async () => {
    sim = await startSim({ tenants: [{ name: 'Contoso', domain: 'contoso.example', userCount: 600, seed: 3 }] });
    [contoso] = sim.tenants() as [TenantSummary];
    sim.directory(contoso.id).grantConsent();
    client = await graphClient(sim, contoso.id);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('seeds department groups, All Staff, a nested Customer Facing group and a small pilot group; GET /groups finds them by name prefix', async () => {
    const dir = sim.directory(contoso.id);
    const names = dir.listGroups().map((g) => g.displayName);
    expect(names).toEqual(expect.arrayContaining(['All Staff', 'Customer Facing', 'Security Awareness Pilot', 'Sales', 'Customer Support', 'Engineering']));
    const facing = dir.listGroups('Customer Facing')[0]!;
    const sales = dir.listGroups('Sales')[0]!;
    expect(facing.memberIds).toContain(sales.id);

    const found = (await client.api('/groups').filter("startswith(displayName,'cust')").select('id,displayName,mail').get()) as { value: Array<{ id: string; displayName: string; mail: string | null }> };
    expect(found.value.map((g) => g.displayName)).toEqual(['Customer Facing', 'Customer Support']);
    expect(Object.keys(found.value[0] ?? {}).sort()).toEqual(['displayName', 'id', 'mail']);
    await expect(client.api('/groups').filter("displayName eq 'x'").get()).rejects.toMatchObject({ statusCode: 400 });
  });

  it('a full round lists the requested groups with every member, a big group across several pages', async () => {
    const dir = sim.directory(contoso.id);
    const all = dir.listGroups('All Staff')[0]!;
    const pilot = dir.listGroups('Security Awareness Pilot')[0]!;
    expect(all.memberIds.length).toBeGreaterThan(300);
    const full = await round(client, `/groups/delta?$select=displayName,members&$filter=id eq '${all.id}' or id eq '${pilot.id}'`);
    expect(full.pages).toBeGreaterThan(1);
    const members = membersOf(full.items);
    expect([...members.keys()].sort()).toEqual([all.id, pilot.id].sort());
    expect([...(members.get(all.id)?.keys() ?? [])].sort()).toEqual([...all.memberIds].sort());
    expect(full.items.find((i) => i.id === pilot.id)?.displayName).toBe('Security Awareness Pilot');
    expect(full.items.flatMap((i) => i['members@delta'] ?? []).every((m) => m['@odata.type'] === '#microsoft.graph.user')).toBe(true);
  });

  it('a later round reports only the net membership changes, nesting as group members, and deleted groups', async () => {
    const dir = sim.directory(contoso.id);
    const pilot = dir.listGroups('Security Awareness Pilot')[0]!;
    const facing = dir.listGroups('Customer Facing')[0]!;
    const start = await round(client, `/groups/delta?$select=displayName,members&$filter=id eq '${pilot.id}' or id eq '${facing.id}'`);
    expect((await round(client, start.deltaLink)).items).toEqual([]);

    const [stays, leaves] = pilot.memberIds;
    const outsider = dir.listUsers().find((u) => !pilot.memberIds.includes(u.id))!;
    dir.removeGroupMember(pilot.id, leaves!);
    dir.addGroupMember(pilot.id, outsider.id);
    dir.addGroupMember(pilot.id, leaves!);
    dir.removeGroupMember(pilot.id, leaves!);
    const extra = dir.addGroup({ displayName: 'Pilot Wave 2', memberIds: [stays!] });
    dir.addGroupMember(pilot.id, extra.id);
    const next = await round(client, start.deltaLink);
    const changes = membersOf(next.items).get(pilot.id);
    expect(Object.fromEntries(changes ?? [])).toEqual({ [leaves!]: 'removed', [outsider.id]: 'present', [extra.id]: 'present' });
    expect(next.items.flatMap((i) => i['members@delta'] ?? []).find((m) => m.id === extra.id)?.['@odata.type']).toBe('#microsoft.graph.group');

    dir.deleteGroup(facing.id);
    const afterDelete = await round(client, next.deltaLink);
    expect(afterDelete.items.find((i) => i.id === facing.id)?.['@removed']).toEqual({ reason: 'changed' });
  });

  it('a deleted user leaves its groups (reported as a removal)', async () => {
    const dir = sim.directory(contoso.id);
    const pilot = dir.listGroups('Security Awareness Pilot')[0]!;
    const start = await round(client, `/groups/delta?$select=members&$filter=id eq '${pilot.id}'`);
    const member = pilot.memberIds.find((id) => dir.getUser(id) !== undefined)!;
    dir.softDeleteUser(member);
    const next = await round(client, start.deltaLink);
    expect(membersOf(next.items).get(pilot.id)?.get(member)).toBe('removed');
  });

  it('a tenant whose consent lacks GroupMember.Read.All answers 403 on groups', async () => {
    const dir = sim.directory(contoso.id);
    dir.setGroupPermission(false);
    try {
      const error = (await client.api('/groups/delta').get().catch((e: unknown) => e)) as GraphError;
      expect(error.statusCode).toBe(403);
      expect(error.code).toBe('Authorization_RequestDenied');
      expect(((await client.api('/users').top(1).get()) as { value: unknown[] }).value).toHaveLength(1);
    } finally {
      dir.setGroupPermission(true);
    }
  });

  it('filters are bounded and tokens tamper-evident', async () => {
    const ids = Array.from({ length: 51 }, (_, i) => `id eq '00000000-0000-4000-8000-${String(i).padStart(12, '0')}'`).join(' or ');
    await expect(client.api(`/groups/delta?$filter=${ids}`).get()).rejects.toMatchObject({ statusCode: 400 });
    await expect(client.api('/groups/delta?$deltatoken=forged.token').get()).rejects.toMatchObject({ statusCode: 400 });
  });
});
