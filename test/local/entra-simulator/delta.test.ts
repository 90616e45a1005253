import { GraphError, type Client } from '@microsoft/microsoft-graph-client';
import type { DirectoryControl, EntraSimulator, SimulatedUser } from '../../../src/local/entra-simulator';
import { deltaRound, fetchToken, graphClient, startSim, type DeltaPage } from './helpers';

async function graphError(promise: Promise<unknown>): Promise<GraphError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof GraphError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

function byId(items: Array<Record<string, unknown>>): Map<string, Record<string, unknown>> {
  const map = new Map<string, Record<string, unknown>>();
  for (const item of items) map.set(item.id as string, item);
  return map;
}

describe('Entra simulator: users and users/delta through the Graph SDK', () => {
  let sim: EntraSimulator;
  let client: Client;
  let dir: DirectoryControl;
  let people: SimulatedUser[];
  const graphRequests: Array<{ route: unknown; status: unknown }> = [];

  beforeAll(async () => {
    sim = await startSim({
      tenants: [{ name: 'Contoso', domain: 'contoso.example', userCount: 450, seed: 7 }],
      deltaPageSize: 100,
      log: (event, fields) => {
        if (event === 'graph.request') graphRequests.push({ route: fields.route, status: fields.status });
      },
    });
    const tenantId = sim.tenants()[0]!.id;
    dir = sim.directory(tenantId);
    dir.grantConsent();
    client = await graphClient(sim, tenantId);
    people = dir.listUsers().filter((u) => u.kind === 'person');
  });

  afterAll(async () => {
    await sim.close();
  });

  test('a full round spans several pages with absolute nextLinks and ends with a deltaLink', async () => {
    const first = (await client.api('/users/delta').get()) as DeltaPage;
    expect(first.value).toHaveLength(100);
    expect(first['@odata.nextLink']).toMatch(new RegExp(`^${sim.graphBaseUrl.replace(/[.]/g, '\\.')}/users/delta\\?\\$skiptoken=`));
    expect(first['@odata.context']).toBe(`${sim.graphBaseUrl}/$metadata#users`);

    const round = await deltaRound(client, '/users/delta');
    expect(round.pages).toBe(5);
    expect(round.items).toHaveLength(450);
    expect(new Set(round.items.map((u) => u.id)).size).toBe(450);
    expect(round.deltaLink.startsWith(`${sim.graphBaseUrl}/users/delta?$deltatoken=`)).toBe(true);
    // No $select: Graph's default property set.
    const sample = round.items[0]!;
    expect(Object.keys(sample).sort()).toEqual(
      ['businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName'].sort(),
    );
    expect(round.items.some((u) => '@removed' in u)).toBe(false);
  });

  test('the next round returns exactly the changed users, each once, in the right shape', async () => {
    const select = 'displayName,mail,accountEnabled,jobTitle,userPrincipalName';
    const [a, b, c, d, e, f] = people.slice(10, 16) as [SimulatedUser, SimulatedUser, SimulatedUser, SimulatedUser, SimulatedUser, SimulatedUser];
    dir.softDeleteUser(e.id); // gone before the round: not in it
    const first = await deltaRound(client, `/users/delta?$select=${select}`);
    expect(first.items).toHaveLength(449);
    expect(Object.keys(first.items[0]!).sort()).toEqual(['accountEnabled', 'displayName', 'id', 'jobTitle', 'mail', 'userPrincipalName']);
    expect((await deltaRound(client, first.deltaLink)).items).toEqual([]);

    dir.updateUser(a.id, { jobTitle: 'Chief Tea Officer' });
    dir.updateUser(a.id, { mobilePhone: '+1 206 555 0199' }); // not selected
    dir.disableUser(b.id);
    dir.softDeleteUser(c.id);
    dir.hardDeleteUser(d.id);
    const restored = dir.restoreUser(e.id);
    dir.updateUser(f.id, { department: 'Somewhere Else' }); // not selected: f must not reappear
    const added = dir.addUser({ givenName: 'Nova', surname: 'Quinn', jobTitle: 'Analyst' });
    expect(added.userPrincipalName).toBe('nova.quinn@contoso.example');

    const second = await deltaRound(client, first.deltaLink);
    const items = byId(second.items);
    expect(second.items).toHaveLength(6);
    expect(items.get(a.id)).toEqual({ id: a.id, jobTitle: 'Chief Tea Officer' });
    expect(items.get(b.id)).toEqual({ id: b.id, accountEnabled: false });
    expect(items.get(c.id)).toEqual({ id: c.id, '@removed': { reason: 'changed' } });
    expect(items.get(d.id)).toEqual({ id: d.id, '@removed': { reason: 'deleted' } });
    expect(items.get(e.id)).toEqual({
      id: e.id,
      displayName: restored.displayName,
      mail: restored.mail,
      accountEnabled: restored.accountEnabled,
      jobTitle: restored.jobTitle,
      userPrincipalName: restored.userPrincipalName,
    });
    expect(items.get(added.id)).toEqual({
      id: added.id,
      displayName: 'Nova Quinn',
      mail: 'nova.quinn@contoso.example',
      accountEnabled: true,
      jobTitle: 'Analyst',
      userPrincipalName: 'nova.quinn@contoso.example',
    });
    expect(items.has(f.id)).toBe(false);
    expect((await deltaRound(client, second.deltaLink)).items).toEqual([]);
  });

  test('$deltatoken=latest returns an empty page with a deltaLink "from now"', async () => {
    const page = (await client.api('/users/delta?$deltatoken=latest&$select=displayName').get()) as DeltaPage;
    expect(page.value).toEqual([]);
    expect(page['@odata.deltaLink']).toBeDefined();
    const target = people[20]!;
    dir.updateUser(target.id, { displayName: 'Renamed Person' });
    const round = await deltaRound(client, page['@odata.deltaLink']!);
    expect(round.items).toEqual([{ id: target.id, displayName: 'Renamed Person' }]);
  });

  test('manager is returned as manager@delta and manager changes come through', async () => {
    const round = await deltaRound(client, '/users/delta?$select=displayName,manager');
    const users = new Map(dir.listUsers().map((u) => [u.id, u]));
    let withManager = 0;
    for (const item of round.items) {
      const user = users.get(item.id as string)!;
      if (user.managerId) {
        withManager += 1;
        expect(item['manager@delta']).toEqual([{ '@odata.type': '#microsoft.graph.user', id: user.managerId }]);
      } else {
        expect(item['manager@delta']).toBeUndefined();
      }
    }
    expect(withManager).toBeGreaterThan(300);

    const [x, y, z] = [people[30]!, people[31]!, people[32]!];
    dir.updateUser(x.id, { managerId: y.id });
    dir.updateUser(z.id, { managerId: null });
    const next = byId((await deltaRound(client, round.deltaLink)).items);
    expect(next.get(x.id)).toEqual({ id: x.id, 'manager@delta': [{ '@odata.type': '#microsoft.graph.user', id: y.id }] });
    expect(next.get(z.id)).toEqual({
      id: z.id,
      'manager@delta': [{ '@odata.type': '#microsoft.graph.user', id: z.managerId, '@removed': { reason: 'deleted' } }],
    });
  });

  test('a round stays consistent when the directory changes while it is being paged', async () => {
    const start = await deltaRound(client, '/users/delta?$select=jobTitle');
    const changed = people.slice(100, 250);
    for (const u of changed) dir.updateUser(u.id, { jobTitle: `Title ${u.id.slice(0, 4)}` });

    const page1 = (await client.api(start.deltaLink).get()) as DeltaPage;
    expect(page1['@odata.nextLink']).toBeDefined();
    // While the client pages: re-change a user from the second page and add a new one.
    const late = changed[changed.length - 1]!;
    dir.updateUser(late.id, { jobTitle: 'Changed Again' });
    const newcomer = dir.addUser({ displayName: 'Late Arrival' });
    const rest = await deltaRound(client, page1['@odata.nextLink']!);
    const all = [...page1.value, ...rest.items];
    expect(all).toHaveLength(150);
    expect(new Set(all.map((i) => i.id))).toEqual(new Set(changed.map((u) => u.id)));
    expect(all.some((i) => i.id === newcomer.id)).toBe(false);

    const after = byId((await deltaRound(client, rest.deltaLink)).items);
    expect(after.get(late.id)).toEqual({ id: late.id, jobTitle: 'Changed Again' });
    expect(after.get(newcomer.id)).toEqual({ id: newcomer.id, jobTitle: null });
    expect(after.size).toBe(2);
  });

  test('unsupported query options, unknown properties and garbled tokens are 400s', async () => {
    for (const q of ['$top=5', '$expand=manager', '$orderby=displayName']) {
      const err = await graphError(client.api(`/users/delta?${q}`).get());
      expect(err.statusCode).toBe(400);
      expect(err.code).toBe('Request_UnsupportedQuery');
    }
    const unknown = await graphError(client.api('/users/delta?$select=displayName,shoeSize').get());
    expect(unknown.statusCode).toBe(400);
    expect(unknown.message).toContain('shoeSize');
    const garbled = await graphError(client.api('/users/delta?$deltatoken=not-a-real-token').get());
    expect(garbled.statusCode).toBe(400);
    expect(garbled.code).toBe('badRequest');
    const round = await deltaRound(client, '/users/delta?$select=displayName');
    const tampered = round.deltaLink.replace(/\$deltatoken=(.)/, (_m, c: string) => `$deltatoken=${c === 'A' ? 'B' : 'A'}`);
    expect((await graphError(client.api(tampered).get())).code).toBe('badRequest');
  });

  test('resetDeltaState → 410 Gone with a fresh start in Location; expireDeltaTokens → syncStateNotFound', async () => {
    const round = await deltaRound(client, '/users/delta?$select=displayName,mail');
    dir.resetDeltaState();
    const gone = await graphError(client.api(round.deltaLink).get());
    expect(gone.statusCode).toBe(410);
    expect(gone.headers?.get('location')).toBe(`${sim.graphBaseUrl}/users/delta?$select=displayName,mail`);
    const restart = await deltaRound(client, gone.headers!.get('location')!);
    expect(restart.items.length).toBe(dir.listUsers().length);

    dir.expireDeltaTokens();
    const expired = await graphError(client.api(restart.deltaLink).get());
    expect(expired.statusCode).toBe(400);
    expect(expired.code).toBe('syncStateNotFound');
    expect(expired.body).toBeDefined();
  });

  // The wait itself is the client's: the application's Graph transport waits Retry-After through
  // an injected scheduler (test/adapters/graph); here the SDK's own RetryHandler, which sleeps on a
  // real timer, is given Retry-After 0 so that it retries at once.
  test('throttle → 429 with Retry-After and Graph error shape; the SDK RetryHandler retries it', async () => {
    const token = await fetchToken(sim, dir.tenantId);
    dir.throttle(1, 7);
    const raw = await fetch(`${sim.graphBaseUrl}/users?$top=1`, { headers: { Authorization: `Bearer ${token}`, 'client-request-id': 'abc-123' } });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('7');
    const body = (await raw.json()) as { error: { code: string; message: string; innerError: Record<string, string> } };
    expect(body.error.code).toBe('TooManyRequests');
    expect(body.error.innerError['client-request-id']).toBe('abc-123');
    expect(body.error.innerError['request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);

    dir.throttle(1, 0);
    const before = graphRequests.length;
    const page = (await client.api('/users?$top=5').get()) as DeltaPage;
    expect(page.value).toHaveLength(5);
    expect(graphRequests.slice(before)).toEqual([
      { route: '/users', status: 429 },
      { route: '/users', status: 200 },
    ]);
  });

  test('GET /users: $top, $select, absolute nextLink paging and limits', async () => {
    const total = dir.listUsers().length;
    const seen: Array<Record<string, unknown>> = [];
    let url: string | undefined = '/users?$top=200&$select=id,displayName,accountEnabled';
    let pages = 0;
    while (url) {
      const page = (await client.api(url).get()) as DeltaPage;
      pages += 1;
      if (pages === 1) expect(page['@odata.context']).toBe(`${sim.graphBaseUrl}/$metadata#users(id,displayName,accountEnabled)`);
      seen.push(...page.value);
      url = page['@odata.nextLink'];
      if (url) expect(url.startsWith(`${sim.graphBaseUrl}/users?$skiptoken=`)).toBe(true);
    }
    expect(pages).toBe(Math.ceil(total / 200));
    expect(seen).toHaveLength(total);
    expect(Object.keys(seen[0]!).sort()).toEqual(['accountEnabled', 'displayName', 'id']);
    const defaultPage = (await client.api('/users').get()) as DeltaPage;
    expect(defaultPage.value).toHaveLength(100);
    expect((await graphError(client.api('/users?$top=1000').get())).statusCode).toBe(400);

    const one = people[40]!;
    const byUpn = (await client.api(`/users/${one.userPrincipalName}?$select=id,mail`).get()) as Record<string, unknown>;
    expect(byUpn.id).toBe(one.id);
    expect((await graphError(client.api('/users/00000000-0000-4000-8000-000000000000').get())).code).toBe('Request_ResourceNotFound');
  });
});

describe('Entra simulator: delta tokens expire after 7 days', () => {
  test('a 7-day-old delta token answers 400 syncStateNotFound', async () => {
    let clock = new Date('2025-03-01T12:00:00Z').getTime();
    const sim = await startSim({ tenants: [{ name: 'Tiny', domain: 'tiny.example', userCount: 12, seed: 3 }], now: () => new Date(clock) });
    try {
      const tenantId = sim.tenants()[0]!.id;
      sim.directory(tenantId).grantConsent();
      const get = async (url: string): Promise<Response> => fetch(url, { headers: { Authorization: `Bearer ${await fetchToken(sim, tenantId)}` } });
      const first = (await (await get(`${sim.graphBaseUrl}/users/delta`)).json()) as DeltaPage;
      expect(first.value).toHaveLength(12);
      const link = first['@odata.deltaLink']!;
      clock += 6 * 24 * 3600 * 1000;
      expect((await get(link)).status).toBe(200);
      clock += 2 * 24 * 3600 * 1000;
      const res = await get(link);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('syncStateNotFound');
    } finally {
      await sim.close();
    }
  });
});
