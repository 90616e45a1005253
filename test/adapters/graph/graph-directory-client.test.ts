import { createEntraCredentialFactory } from '../../../src/adapters/graph/entra-credentials';
import { GraphDirectoryClient } from '../../../src/adapters/graph/graph-directory-client';
import { DIRECTORY_SELECT } from '../../../src/domain/directory/directory-user';
import type { DirectoryControl, EntraSimulator, SimulatedUser } from '../../../src/local/entra-simulator';
import { startSim } from '../../local/entra-simulator/helpers';
import { rejection } from '../../support/app-errors';
import { CountingSecrets, entraConfig, fullRound, testTransport, type LogLine } from './graph-test-kit';

const SELECT = DIRECTORY_SELECT.join(',');
const ALLOWED_KEYS = new Set<string>([...DIRECTORY_SELECT.filter((p) => p !== 'manager'), 'manager@delta']);

describe('GraphDirectoryClient against the simulated tenant (real Graph SDK, real ClientSecretCredential)', () => {
  let sim: EntraSimulator;
  let dir: DirectoryControl;
  let tenantId: string;
  let client: GraphDirectoryClient;
  let logs: LogLine[];
  let waits: number[];
  let people: SimulatedUser[];

  function newClient(retry: { maxRetries?: number; delaySeconds?: number; maxRetryAfterSeconds?: number } = {}): {
    client: GraphDirectoryClient;
    logs: LogLine[];
    waits: number[];
  } {
    const credentialFor = createEntraCredentialFactory({ config: entraConfig(sim), secrets: new CountingSecrets() });
    const { transport, logs, waits } = testTransport({ graphBaseUrl: sim.graphBaseUrl, credentialFor, retry });
    return { client: new GraphDirectoryClient(transport), logs, waits };
  }

  beforeAll(async () => {
    sim = await startSim({
      tenants: [{ name: 'Contoso', domain: 'contoso.example', userCount: 450, seed: 1 }],
      deltaPageSize: 100,
    });
    tenantId = sim.tenants()[0]!.id;
    dir = sim.directory(tenantId);
    dir.grantConsent();
    ({ client, logs, waits } = newClient());
    people = dir.listUsers().filter((u) => u.kind === 'person');
  });

  afterAll(async () => {
    await sim.close();
  });

  beforeEach(() => {
    logs.length = 0;
    waits.length = 0;
  });

  afterEach(() => {
    dir.throttle(0, 0);
    jest.restoreAllMocks();
  });

  test('a full round spans several pages, returns every user once with only the selected properties, and ends with a deltaLink', async () => {
    const fetchSpy = jest.spyOn(globalThis, 'fetch');
    const round = await fullRound(client, tenantId);

    expect(round.pages).toBe(5);
    const users = dir.listUsers();
    expect(round.items).toHaveLength(users.length);
    expect(new Set(round.items.map((u) => u.id))).toEqual(new Set(users.map((u) => u.id)));
    expect(round.deltaLink.startsWith(`${sim.graphBaseUrl}/users/delta?$deltatoken=`)).toBe(true);

    // The URLs that reached the network are exactly the start URL and the nextLinks as given.
    const requested = fetchSpy.mock.calls.map(([input]) =>
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
    );
    expect(requested).toEqual([`${sim.graphBaseUrl}/users/delta?$select=${SELECT}`, ...round.links]);
    expect(round.links.every((l) => l.includes('$skiptoken='))).toBe(true);

    // $select honoured: nothing unselected, manager as manager@delta exactly for users with one.
    const byId = new Map(users.map((u) => [u.id, u]));
    let withManager = 0;
    for (const item of round.items) {
      for (const key of Object.keys(item)) expect(ALLOWED_KEYS.has(key) ? key : `unexpected ${key}`).toBe(key);
      const user = byId.get(item.id as string)!;
      expect(item.userPrincipalName).toBe(user.userPrincipalName);
      if (user.managerId) {
        withManager += 1;
        expect(item['manager@delta']).toEqual([{ '@odata.type': '#microsoft.graph.user', id: user.managerId }]);
      } else {
        expect(item['manager@delta']).toBeUndefined();
      }
    }
    expect(withManager).toBeGreaterThan(100);

    // Logs: host, status, duration, counts — no tokens, URLs or user data.
    const requestLogs = logs.filter((l) => l.event === 'graph.request');
    expect(requestLogs).toHaveLength(5);
    expect(requestLogs[0]!.fields).toMatchObject({
      tenantId,
      host: new URL(sim.origin).host,
      operation: 'users.delta',
      status: 200,
      attempts: 1,
    });
    const pageLogs = logs.filter((l) => l.event === 'graph.delta_page');
    expect(pageLogs.map((l) => l.fields)).toEqual([
      ...Array.from({ length: 4 }, () => ({ tenantId, items: 100, last: false })),
      { tenantId, items: 50, last: true },
    ]);
    const logText = JSON.stringify(logs);
    for (const needle of ['token=', 'Bearer', 'eyJ', '@contoso.example', '/users/delta', people[0]!.displayName])
      expect(logText).not.toContain(needle);
  });

  test('the next round returns just the change (and unselected changes do not make a user reappear)', async () => {
    const first = await fullRound(client, tenantId);
    const [changed, untouched] = [people[5]!, people[6]!];
    dir.updateUser(changed.id, { jobTitle: 'Chief Tea Officer' });
    dir.updateUser(untouched.id, { streetAddress: '1 Elsewhere Road' });
    const next = await fullRound(client, tenantId, first.deltaLink);
    expect(next.items).toEqual([{ id: changed.id, jobTitle: 'Chief Tea Officer' }]);
    expect(next.pages).toBe(1);
    const quiet = await fullRound(client, tenantId, next.deltaLink);
    expect(quiet.items).toEqual([]);
  });

  test('a 429 with Retry-After is waited for (through the scheduler) and retried, then the page succeeds', async () => {
    dir.throttle(1, 1);
    const page = await client.deltaPage(tenantId, null);
    expect(waits).toEqual([1000]);
    expect(page.items).toHaveLength(100);
    expect(logs).toContainEqual({
      event: 'graph.retryable_status',
      fields: expect.objectContaining({ status: 429, attempt: 1, retryAfterSeconds: 1 }) as unknown,
    });
    expect(logs.filter((l) => l.event === 'graph.request').at(-1)!.fields).toMatchObject({ status: 200, attempts: 2 });
  });

  test('throttling that outlasts the retries → directory_throttled with retryAfterSeconds', async () => {
    dir.throttle(10, 0);
    const error = await rejection(client.deltaPage(tenantId, null));
    expect(error.code).toBe('directory_throttled');
    expect(error.meta).toMatchObject({ status: 429, retryAfterSeconds: 0, graphCode: 'TooManyRequests' });
    expect(logs.filter((l) => l.event === 'graph.retryable_status' && l.fields.retryAfterSeconds === 0)).toHaveLength(
      4,
    ); // 1 + 3 retries
    expect(waits).toEqual([0, 0, 0]);
    expect(logs.at(-1)).toEqual({
      event: 'graph.request',
      fields: expect.objectContaining({ status: 429, attempts: 4 }) as unknown,
    });
  });

  test('a Retry-After longer than maxRetryAfterSeconds is not slept on: directory_throttled at once', async () => {
    const quick = newClient({ maxRetries: 3, maxRetryAfterSeconds: 5 });
    dir.throttle(1, 30);
    const error = await rejection(quick.client.deltaPage(tenantId, null));
    expect(quick.waits).toEqual([]);
    expect(error.code).toBe('directory_throttled');
    expect(error.meta.retryAfterSeconds).toBe(30);
  });

  test('resetDeltaState → directory_delta_reset with the restart link from Location, which starts a full round', async () => {
    const round = await fullRound(client, tenantId);
    const midRound = (await client.deltaPage(tenantId, null)).nextLink!;
    dir.resetDeltaState();

    const gone = await rejection(client.deltaPage(tenantId, round.deltaLink));
    expect(gone.code).toBe('directory_delta_reset');
    expect(gone.meta).toMatchObject({
      status: 410,
      graphCode: 'resyncRequired',
      restartLink: `${sim.graphBaseUrl}/users/delta?$select=${SELECT}`,
    });
    const skipGone = await rejection(client.deltaPage(tenantId, midRound));
    expect(skipGone.code).toBe('directory_delta_reset');

    const restart = await fullRound(client, tenantId, gone.meta.restartLink as string);
    expect(restart.items).toHaveLength(dir.listUsers().length);
  });

  test('expireDeltaTokens → directory_delta_reset (syncStateNotFound, no restart link)', async () => {
    const round = await fullRound(client, tenantId);
    dir.expireDeltaTokens();
    const expired = await rejection(client.deltaPage(tenantId, round.deltaLink));
    expect(expired.code).toBe('directory_delta_reset');
    expect(expired.meta).toMatchObject({ status: 400, graphCode: 'syncStateNotFound', restartLink: null });
  });

  test('a link outside the configured Graph endpoint → directory_delta_reset without a restart link (no request made)', async () => {
    const fetchSpy = jest.spyOn(globalThis, 'fetch');
    const error = await rejection(
      client.deltaPage(tenantId, 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc'),
    );
    expect(error.code).toBe('directory_delta_reset');
    expect(error.meta.restartLink).toBeNull();
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  test('revoked consent → consent_revoked: a 403 from Graph with a cached token, and AADSTS7000229 at token time', async () => {
    await client.deltaPage(tenantId, null); // the client now holds a token for the tenant
    dir.revokeConsent();
    try {
      const withCachedToken = await rejection(client.deltaPage(tenantId, null));
      expect(withCachedToken.code).toBe('consent_revoked');
      expect(withCachedToken.meta).toMatchObject({ status: 403, graphCode: 'Authorization_RequestDenied' });

      const fresh = newClient();
      const atTokenTime = await rejection(fresh.client.deltaPage(tenantId, null));
      expect(atTokenTime.code).toBe('consent_revoked');
      expect(atTokenTime.meta.aadsts).toBe('AADSTS7000229');
      expect(fresh.logs.at(-1)).toEqual({
        event: 'graph.request_failed',
        fields: expect.objectContaining({ code: 'consent_revoked', attempts: 0 }) as unknown,
      });
    } finally {
      dir.grantConsent();
    }
    expect((await client.deltaPage(tenantId, null)).items).toHaveLength(100);
  });
});
