import { createEntraCredentialFactory } from '../../../src/adapters/graph/entra-credentials';
import { GraphGroupClient, MAX_DELTA_FILTER_IDS } from '../../../src/adapters/graph/graph-group-client';
import type { DirectoryControl, EntraSimulator } from '../../../src/local/entra-simulator';
import type { GroupDeltaPage } from '../../../src/ports/group-directory.port';
import { startSim } from '../../local/entra-simulator/helpers';
import { rejection } from '../../support/app-errors';
import {
  CountingSecrets,
  entraConfig,
  startScriptedServer,
  stubCredential,
  testTransport,
  type ScriptedServer,
} from './graph-test-kit';

/** Every page of a groups/delta round, from its start to its deltaLink. */
async function round(
  client: GraphGroupClient,
  tenantId: string,
  from: { groupIds: readonly string[] } | { link: string },
): Promise<{ items: unknown[]; deltaLink: string; pages: number }> {
  const items: unknown[] = [];
  let page: GroupDeltaPage = await client.groupsDeltaPage(tenantId, from);
  let pages = 1;
  items.push(...page.items);
  while (page.nextLink !== null) {
    page = await client.groupsDeltaPage(tenantId, { link: page.nextLink });
    pages++;
    items.push(...page.items);
  }
  return { items, deltaLink: page.deltaLink ?? '', pages };
}

/** The user ids a round lists as members of `groupId` (added, not removed). */
function membersIn(items: unknown[], groupId: string): string[] {
  const ids: string[] = [];
  for (const item of items as Array<Record<string, unknown>>) {
    if (item.id !== groupId) continue;
    for (const m of (item['members@delta'] ?? []) as Array<Record<string, unknown>>) {
      if (m['@removed'] === undefined) ids.push(String(m.id));
    }
  }
  return ids.sort();
}

describe('GraphGroupClient against the simulated tenant (real Graph transport and credential)', () => {
  let sim: EntraSimulator;
  let dir: DirectoryControl;
  let tenantId: string;
  let client: GraphGroupClient;

  beforeAll(async () => {
    sim = await startSim({ tenants: [{ name: 'Contoso', domain: 'contoso.example', userCount: 30, seed: 7 }] });
    tenantId = sim.tenants()[0]!.id;
    dir = sim.directory(tenantId);
    dir.grantConsent();
    const credentialFor = createEntraCredentialFactory({ config: entraConfig(sim), secrets: new CountingSecrets() });
    client = new GraphGroupClient(testTransport({ graphBaseUrl: sim.graphBaseUrl, credentialFor }).transport);
  });

  afterAll(async () => {
    await sim.close();
  });

  afterEach(() => {
    dir.setGroupPermission(true);
  });

  it('searches groups by display-name prefix, case-insensitively, quotes included, at most `limit`', async () => {
    dir.addGroup({ displayName: "O'Brien Sales" });
    dir.addGroup({ displayName: 'Sales EMEA' });
    dir.addGroup({ displayName: 'Sales APAC' });

    const sales = await client.searchGroups(tenantId, '  sales ', 10);
    const expected = dir.listGroups('Sales').map((g) => g.displayName);
    expect(sales.map((g) => g.displayName)).toEqual(expected);
    expect(expected).toEqual(expect.arrayContaining(['Sales APAC', 'Sales EMEA']));
    expect(sales.every((g) => g.id === g.id.toLowerCase())).toBe(true);

    expect((await client.searchGroups(tenantId, "o'brien", 10)).map((g) => g.displayName)).toEqual(["O'Brien Sales"]);
    expect(await client.searchGroups(tenantId, 'Sales', 1)).toHaveLength(1);
    const all = await client.searchGroups(tenantId, '', 999);
    expect(all.map((g) => g.id).sort()).toEqual(
      dir
        .listGroups()
        .map((g) => g.id.toLowerCase())
        .sort(),
    );
  });

  it('looks groups up by id, in the order asked; a group that does not exist is left out', async () => {
    const a = dir.addGroup({ displayName: 'Lookup A' });
    const b = dir.addGroup({ displayName: 'Lookup B' });
    const missing = '6e3c1d2a-0000-4000-8000-00000000dead';
    const found = await client.getGroups(tenantId, [b.id.toUpperCase(), missing, a.id]);
    expect(found).toEqual([
      { id: b.id.toLowerCase(), displayName: 'Lookup B', mail: null },
      { id: a.id.toLowerCase(), displayName: 'Lookup A', mail: null },
    ]);
    expect(await rejection(client.getGroups(tenantId, ['not-a-guid']))).toMatchObject({ code: 'validation_failed' });
  });

  it('reads a full round of the chosen groups with their members, then only the changes from its deltaLink', async () => {
    const users = dir.listUsers().filter((u) => u.kind === 'person');
    const pilot = dir.addGroup({ displayName: 'Pilot', memberIds: [users[0]!.id, users[1]!.id] });
    const other = dir.addGroup({ displayName: 'Other', memberIds: [users[2]!.id] });

    const first = await round(client, tenantId, { groupIds: [pilot.id.toUpperCase(), pilot.id] });
    expect(first.deltaLink.startsWith(sim.graphBaseUrl)).toBe(true);
    expect(first.items.map((g) => (g as { id: string }).id)).toEqual([pilot.id]);
    expect(membersIn(first.items, pilot.id)).toEqual([users[0]!.id, users[1]!.id].sort());
    expect(membersIn(first.items, other.id)).toEqual([]);

    dir.addGroupMember(pilot.id, users[3]!.id);
    dir.addGroupMember(other.id, users[4]!.id);
    const next = await round(client, tenantId, { link: first.deltaLink });
    expect(membersIn(next.items, pilot.id)).toEqual([users[3]!.id]);
    expect(membersIn(next.items, other.id)).toEqual([]);
  });

  it('says group_permission_missing (not a revoked consent) when the consent lacks GroupMember.Read.All', async () => {
    const group = dir.addGroup({ displayName: 'Unreadable' });
    dir.setGroupPermission(false);
    expect(await rejection(client.searchGroups(tenantId, 'Un', 5))).toMatchObject({ code: 'group_permission_missing' });
    expect(await rejection(client.getGroups(tenantId, [group.id]))).toMatchObject({ code: 'group_permission_missing' });
    expect(await rejection(client.groupsDeltaPage(tenantId, { groupIds: [group.id] }))).toMatchObject({
      code: 'group_permission_missing',
    });
  });

  it('treats a stored link to another host as a lost delta state (a full groups round follows)', async () => {
    const error = await rejection(
      client.groupsDeltaPage(tenantId, { link: 'https://graph.example.org/v1.0/groups/delta?$deltatoken=x' }),
    );
    expect(error).toMatchObject({ code: 'directory_delta_reset', meta: { restartLink: null } });
  });
});

describe('GraphGroupClient against a scripted HTTPS server (answers Graph should not give)', () => {
  const TENANT = '0d7c1b9e-0000-4000-8000-000000000001';
  const GROUP = '6e3c1d2a-0000-4000-8000-000000000001';
  let server: ScriptedServer;
  let base: string;
  let client: GraphGroupClient;

  beforeAll(async () => {
    server = await startScriptedServer();
    base = `${server.origin}/v1.0`;
    client = new GraphGroupClient(
      testTransport({ graphBaseUrl: base, credentialFor: () => stubCredential() }).transport,
    );
  });

  afterAll(async () => {
    await server.close();
  });

  beforeEach(() => {
    server.seen.length = 0;
    server.replies.length = 0;
  });

  const page = (body: unknown) => ({ status: 200, body: JSON.stringify(body) });

  it('asks for exactly the chosen groups with their members, as an OData filter', async () => {
    server.replies.push(page({ value: [], '@odata.deltaLink': `${base}/groups/delta?$deltatoken=1` }));
    await client.groupsDeltaPage(TENANT, { groupIds: [GROUP] });
    const url = new URL(`https://x${server.seen[0]!.url}`);
    expect(url.pathname).toBe('/v1.0/groups/delta');
    expect(url.searchParams.get('$select')).toBe('displayName,members');
    expect(url.searchParams.get('$filter')).toBe(`id eq '${GROUP}'`);
    expect(server.seen[0]!.authorization).toBe('Bearer stub-token');
  });

  it('refuses a round over no groups, too many groups or ids that are not GUIDs, before asking Graph', async () => {
    const tooMany = Array.from(
      { length: MAX_DELTA_FILTER_IDS + 1 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    for (const groupIds of [[], tooMany, ["x' or id ne 'y"]]) {
      expect(await rejection(client.groupsDeltaPage(TENANT, { groupIds }))).toMatchObject({
        code: 'validation_failed',
      });
    }
    expect(server.seen).toEqual([]);
  });

  it.each([
    ['a body that is not a delta page', () => ({ value: 'nope' })],
    [
      'both nextLink and deltaLink',
      () => ({ value: [], '@odata.nextLink': `${base}/n`, '@odata.deltaLink': `${base}/d` }),
    ],
    ['neither nextLink nor deltaLink', () => ({ value: [] })],
    ['a nextLink outside the Graph endpoint', () => ({ value: [], '@odata.nextLink': 'https://evil.example/groups' })],
  ])('refuses %s as directory_invalid_response', async (_name, body) => {
    server.replies.push(page(body()));
    expect(await rejection(client.groupsDeltaPage(TENANT, { groupIds: [GROUP] }))).toMatchObject({
      code: 'directory_invalid_response',
    });
  });

  it('refuses a group lookup answered with another group', async () => {
    server.replies.push(page({ id: '6e3c1d2a-0000-4000-8000-000000000002', displayName: 'Other', mail: null }));
    expect(await rejection(client.getGroups(TENANT, [GROUP]))).toMatchObject({ code: 'directory_invalid_response' });
    expect(server.seen[0]?.url).toBe(`/v1.0/groups/${GROUP}?$select=id,displayName,mail`);
  });

  it('refuses a group list that is not one', async () => {
    server.replies.push(page({ value: [{ id: '', displayName: 'x' }] }));
    expect(await rejection(client.searchGroups(TENANT, 'x', 5))).toMatchObject({ code: 'directory_invalid_response' });
  });

  it.each([
    ['410 Gone', { status: 410, body: '{}' }],
    [
      'a 400 with syncStateNotFound',
      { status: 400, body: JSON.stringify({ error: { code: 'syncStateNotFound', message: 'gone' } }) },
    ],
  ])('maps %s to a lost delta state', async (_name, reply) => {
    server.replies.push(reply);
    expect(
      await rejection(client.groupsDeltaPage(TENANT, { link: `${base}/groups/delta?$deltatoken=old` })),
    ).toMatchObject({ code: 'directory_delta_reset', meta: { restartLink: null } });
  });
});
