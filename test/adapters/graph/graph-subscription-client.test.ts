import type { TokenCredential } from '@azure/identity';
import { GraphSubscriptionClient } from '../../../src/adapters/graph/graph-subscription-client';
import { createEntraCredentialFactory } from '../../../src/adapters/graph/entra-credentials';
import type { EntraSimulator } from '../../../src/local/entra-simulator';
import { startSim } from '../../local/entra-simulator/helpers';
import { rejection } from '../../support/app-errors';
import {
  CountingSecrets,
  entraConfig,
  startScriptedServer,
  stubCredential,
  testTransport,
  type ScriptedServer,
  type LogLine,
} from './graph-test-kit';

const TENANT = '0d7c1b9e-0000-4000-8000-000000000001';
const SUB = '9f0a2b3c-0000-4000-8000-000000000001';
const subscription = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: SUB,
    resource: '/users',
    changeType: 'updated,deleted',
    notificationUrl: 'https://hooks.example/api/graph/notifications',
    lifecycleNotificationUrl: 'https://hooks.example/api/graph/lifecycle',
    expirationDateTime: '2026-12-24T10:00:00.1234567Z',
    clientState: 'never-returned-by-the-port',
    ...extra,
  });
const graphError = (code: string, message: string) => JSON.stringify({ error: { code, message } });

describe('GraphSubscriptionClient: Graph statuses → the port’s error codes', () => {
  let server: ScriptedServer;
  let client: GraphSubscriptionClient;
  let logs: LogLine[];

  beforeAll(async () => {
    server = await startScriptedServer();
    const graph = testTransport({
      graphBaseUrl: `${server.origin}/v1.0`,
      credentialFor: () => stubCredential(),
      retry: { maxRetries: 1 },
    });
    client = new GraphSubscriptionClient(graph.transport);
    logs = graph.logs;
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.seen.length = 0;
    server.replies.length = 0;
  });

  const newSub = {
    resource: '/users',
    changeType: 'updated,deleted',
    notificationUrl: 'https://hooks.example/api/graph/notifications',
    lifecycleNotificationUrl: 'https://hooks.example/api/graph/lifecycle',
    clientState: 'secret',
    expirationDateTime: '2026-12-24T10:00:00Z',
  };

  test('create, renew, get, list, reauthorize and delete parse Graph’s answers (and never hand back the clientState)', async () => {
    server.replies.push(
      { status: 201, body: subscription() },
      { status: 200, body: subscription() },
      { status: 200, body: subscription() },
      { status: 200, body: JSON.stringify({ value: [JSON.parse(subscription()) as unknown] }) },
      { status: 204 },
      { status: 204 },
      { status: 404, body: graphError('ResourceNotFound', 'gone') },
    );
    const created = await client.create(TENANT, newSub);
    const { clientState: _, ...withoutClientState } = JSON.parse(subscription()) as Record<string, unknown>;
    expect(created).toEqual(withoutClientState);
    await client.renew(TENANT, SUB, '2026-12-25T10:00:00Z');
    expect(await client.get(TENANT, SUB)).toMatchObject({ id: SUB });
    expect(await client.list(TENANT)).toHaveLength(1);
    await client.reauthorize(TENANT, SUB);
    await client.delete(TENANT, SUB);
    expect(await client.get(TENANT, SUB)).toBeNull();
    expect(server.seen.map((s) => s.url)).toEqual([
      '/v1.0/subscriptions',
      `/v1.0/subscriptions/${SUB}`,
      `/v1.0/subscriptions/${SUB}`,
      '/v1.0/subscriptions',
      `/v1.0/subscriptions/${SUB}/reauthorize`,
      `/v1.0/subscriptions/${SUB}`,
      `/v1.0/subscriptions/${SUB}`,
    ]);
    expect(server.seen.every((s) => s.authorization === 'Bearer stub-token')).toBe(true);
    expect(logs.map((l) => l.fields.operation)).toContain('subscription.reauthorize');
    expect(JSON.stringify(logs)).not.toContain('secret');
  });

  test.each([
    [404, graphError('ResourceNotFound', 'The object was not found.'), 'not_found'],
    [409, graphError('ExtensionError', 'Conflict'), 'conflict'],
    [401, graphError('InvalidAuthenticationToken', 'Access token is empty.'), 'consent_revoked'],
    [
      403,
      graphError('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
      'consent_revoked',
    ],
    [
      403,
      graphError('ExtensionError', 'Subscription limit of 100 per application per tenant reached.'),
      'subscription_rejected',
    ],
    [400, graphError('ValidationError', 'Subscription validation request failed.'), 'subscription_rejected'],
    [500, graphError('generalException', 'boom'), 'dependency_unavailable'],
    [429, graphError('TooManyRequests', 'slow down'), 'directory_throttled'],
    [201, 'not json', 'directory_invalid_response'],
    [201, JSON.stringify({ id: 42 }), 'directory_invalid_response'],
  ])('%i %s → %s', async (status, body, code) => {
    // 429 is retried by the SDK once (maxRetries 1) before it fails.
    server.replies.push(
      { status, body, headers: { 'retry-after': '0' } },
      { status, body, headers: { 'retry-after': '0' } },
    );
    expect((await rejection(client.create(TENANT, newSub))).code).toBe(code);
  });
});

describe('GraphSubscriptionClient: token failures', () => {
  test('a tenant that refuses the app a token (AADSTS7000229) is consent_revoked, like for delta', async () => {
    const refusing: TokenCredential = {
      getToken: () =>
        Promise.reject(new Error('AADSTS7000229: The client application is missing service principal in the tenant.')),
    };
    const client = new GraphSubscriptionClient(
      testTransport({ graphBaseUrl: 'https://127.0.0.1:9/v1.0', credentialFor: () => refusing }).transport,
    );
    expect((await rejection(client.reauthorize(TENANT, SUB))).code).toBe('consent_revoked');
  });
});

describe('GraphSubscriptionClient against the simulated tenant', () => {
  let sim: EntraSimulator;
  beforeAll(async () => {
    sim = await startSim({
      tenants: [{ name: 'Fabrikam', domain: 'fabrikam.example', userCount: 5, seed: 3 }],
      allowHttpNotificationUrls: true,
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  test('an unreachable notification URL fails Graph’s validation handshake: subscription_rejected, nothing created', async () => {
    const tenantId = sim.tenants()[0]!.id;
    sim.directory(tenantId).grantConsent();
    const client = new GraphSubscriptionClient(
      testTransport({
        graphBaseUrl: sim.graphBaseUrl,
        credentialFor: createEntraCredentialFactory({ config: entraConfig(sim), secrets: new CountingSecrets() }),
      }).transport,
    );
    const error = await rejection(
      client.create(tenantId, {
        resource: '/users',
        changeType: 'updated,deleted',
        notificationUrl: 'http://127.0.0.1:9/api/graph/notifications',
        lifecycleNotificationUrl: 'http://127.0.0.1:9/api/graph/lifecycle',
        clientState: 'x',
        expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    );
    expect(error.code).toBe('subscription_rejected');
    expect(await client.list(tenantId)).toEqual([]);
  });
});
