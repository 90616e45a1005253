import type { TokenCredential } from '@azure/identity';
import { GraphDirectoryClient } from '../../../src/adapters/graph/graph-directory-client';
import { tokenFailure } from '../../../src/adapters/graph/graph-errors';
import { GraphTransport, type GraphRetryOptions } from '../../../src/adapters/graph/graph-transport';
import { AppError } from '../../../src/domain/app-error';
import { DIRECTORY_SELECT } from '../../../src/domain/directory/directory-user';
import { freePort } from '../../../src/local/free-port';
import { rejection, thrownBy } from '../../support/app-errors';
import {
  startScriptedServer,
  stubCredential,
  testTransport,
  type ScriptedServer,
  type TestTransport,
} from './graph-test-kit';

const TENANT = '0d7c1b9e-0000-4000-8000-000000000001';

function page(body: Record<string, unknown>): { status: number; body: string } {
  return { status: 200, body: JSON.stringify(body) };
}

describe('GraphDirectoryClient against a scripted HTTPS server', () => {
  let server: ScriptedServer;
  let base: string;
  let client: GraphDirectoryClient;
  let graph: TestTransport;

  const clientOver = (
    options: {
      graphBaseUrl?: string;
      credentialFor?: () => TokenCredential;
      retry?: GraphRetryOptions;
      timeoutMs?: number;
    } = {},
  ) => {
    const test = testTransport({
      graphBaseUrl: options.graphBaseUrl ?? base,
      credentialFor: options.credentialFor ?? (() => stubCredential()),
      ...options,
    });
    return { client: new GraphDirectoryClient(test.transport), ...test };
  };

  beforeAll(async () => {
    server = await startScriptedServer();
    base = `${server.origin}/v1.0`;
    ({ client, ...graph } = clientOver());
  });

  afterAll(async () => {
    await server.close();
  });

  beforeEach(() => {
    server.seen.length = 0;
    server.replies.length = 0;
    graph.waits.length = 0;
  });

  test('links are requested exactly as given (the SDK alone would reorder this query) and carry the bearer token', async () => {
    const link = `${base}/users/delta?$deltatoken=abc%2Bdef%3D%3D&$select=id,displayName&x=1&x=2`;
    const next = `${base}/users/delta?$skiptoken=Zm9v%2F%2B&z=1`;
    server.replies.push(page({ value: [{ id: '1' }], '@odata.nextLink': next }));
    server.replies.push(page({ value: [], '@odata.deltaLink': `${base}/users/delta?$deltatoken=end` }));

    const first = await client.deltaPage(TENANT, link);
    expect(first).toEqual({ items: [{ id: '1' }], nextLink: next, deltaLink: null });
    const last = await client.deltaPage(TENANT, first.nextLink);
    expect(last).toEqual({ items: [], nextLink: null, deltaLink: `${base}/users/delta?$deltatoken=end` });

    expect(server.seen.map((s) => s.url)).toEqual([link.slice(server.origin.length), next.slice(server.origin.length)]);
    expect(server.seen.every((s) => s.authorization === 'Bearer stub-token')).toBe(true);
  });

  test('a new round starts at users/delta with the narrow $select', async () => {
    server.replies.push(page({ value: [], '@odata.deltaLink': `${base}/users/delta?$deltatoken=x` }));
    await client.deltaPage(TENANT, null);
    expect(server.seen[0]!.url).toBe(`/v1.0/users/delta?$select=${DIRECTORY_SELECT.join(',')}`);
  });

  test.each([
    ['not JSON', { status: 200, headers: { 'Content-Type': 'text/html' }, body: '<html>oops</html>' }],
    ['JSON without value', page({ '@odata.deltaLink': 'x' })],
    ['value not an array', page({ value: { id: 1 }, '@odata.nextLink': 'x' })],
    ['a non-string link', page({ value: [], '@odata.nextLink': 42 })],
    ['neither link', page({ value: [] })],
    ['both links', page({ value: [], '@odata.nextLink': 'https://a', '@odata.deltaLink': 'https://b' })],
    [
      'a link to another host',
      page({ value: [], '@odata.nextLink': 'https://evil.example/v1.0/users/delta?$skiptoken=a' }),
    ],
    ['an empty 204', { status: 204 }],
    ['a 404', { status: 404, body: JSON.stringify({ error: { code: 'Request_ResourceNotFound', message: 'nope' } }) }],
    [
      'a 400 Request_UnsupportedQuery',
      { status: 400, body: JSON.stringify({ error: { code: 'Request_UnsupportedQuery', message: 'nope' } }) },
    ],
  ])('garbage (%s) → directory_invalid_response', async (_name, reply) => {
    server.replies.push(reply);
    const error = await rejection(client.deltaPage(TENANT, null));
    expect(error.code).toBe('directory_invalid_response');
  });

  test('401 and 403 → consent_revoked', async () => {
    server.replies.push({
      status: 401,
      body: JSON.stringify({ error: { code: 'InvalidAuthenticationToken', message: 'expired' } }),
    });
    server.replies.push({ status: 403, body: '' });
    expect((await rejection(client.deltaPage(TENANT, null))).meta).toMatchObject({
      status: 401,
      graphCode: 'InvalidAuthenticationToken',
    });
    const forbidden = await rejection(client.deltaPage(TENANT, null));
    expect(forbidden.code).toBe('consent_revoked');
    expect(forbidden.meta).toMatchObject({ status: 403, graphCode: null });
  });

  test('410 without a usable Location → directory_delta_reset with restartLink null', async () => {
    server.replies.push({ status: 410, headers: { Location: 'https://elsewhere.example/users/delta' }, body: '' });
    server.replies.push({ status: 410, body: '' });
    expect((await rejection(client.deltaPage(TENANT, null))).meta).toMatchObject({ status: 410, restartLink: null });
    expect((await rejection(client.deltaPage(TENANT, null))).code).toBe('directory_delta_reset');
  });

  test('503/504 are retried with Retry-After; still failing → directory_throttled; a 500 or 502 → dependency_unavailable', async () => {
    server.replies.push(
      { status: 503, headers: { 'Retry-After': '0' } },
      { status: 504, headers: { 'Retry-After': '0' } },
      page({ value: [], '@odata.deltaLink': `${base}/users/delta?$deltatoken=b` }),
    );
    expect((await client.deltaPage(TENANT, `${base}/users/delta?$deltatoken=a`)).items).toEqual([]);
    expect(server.seen).toHaveLength(3);
    expect(graph.waits).toEqual([0, 0]);

    server.replies.push(...Array.from({ length: 4 }, () => ({ status: 503, headers: { 'Retry-After': '0' } })));
    const throttled = await rejection(client.deltaPage(TENANT, null));
    expect(throttled.code).toBe('directory_throttled');
    expect(throttled.meta).toMatchObject({ status: 503, retryAfterSeconds: 0 });
    expect(server.seen).toHaveLength(3 + 4);

    server.replies.push(
      { status: 500, body: '{"error":{"code":"generalException","message":"x"}}' },
      { status: 502, body: 'bad gateway' },
    );
    expect((await rejection(client.deltaPage(TENANT, null))).code).toBe('dependency_unavailable');
    expect((await rejection(client.deltaPage(TENANT, null))).code).toBe('dependency_unavailable');
    expect(server.seen).toHaveLength(9); // 500 and 502 are not retried
  });

  test('without Retry-After the waits double from delaySeconds, through the scheduler', async () => {
    const patient = clientOver({ retry: { maxRetries: 3, delaySeconds: 2 } });
    server.replies.push(
      ...Array.from({ length: 3 }, () => ({ status: 503 })),
      page({ value: [], '@odata.deltaLink': `${base}/users/delta?$deltatoken=b` }),
    );
    expect((await patient.client.deltaPage(TENANT, null)).deltaLink).toBe(`${base}/users/delta?$deltatoken=b`);
    expect(patient.waits).toEqual([2000, 4000, 8000]);
  });

  test('a Retry-After given as an HTTP date is read against the injected clock', async () => {
    const dated = clientOver({ retry: { maxRetries: 1 } });
    const inSevenSeconds = new Date(dated.clock.now().getTime() + 7_000).toUTCString();
    server.replies.push(
      { status: 429, headers: { 'Retry-After': inSevenSeconds } },
      page({ value: [], '@odata.deltaLink': `${base}/users/delta?$deltatoken=c` }),
    );
    await dated.client.deltaPage(TENANT, null);
    // The date has whole seconds; what is left of the seventh second is rounded up.
    expect(dated.waits).toEqual([7_000]);
  });

  test('a server that does not answer in time → dependency_unavailable', async () => {
    const impatient = clientOver({ timeoutMs: 200 });
    server.replies.push({ status: 200, hang: true });
    const error = await rejection(impatient.client.deltaPage(TENANT, null));
    expect(error.code).toBe('dependency_unavailable');
  });

  test('an unreachable port → dependency_unavailable (logged without the URL)', async () => {
    const port = await freePort();
    const nowhere = clientOver({ graphBaseUrl: `https://127.0.0.1:${port}/v1.0` });
    const error = await rejection(nowhere.client.deltaPage(TENANT, null));
    expect(error.code).toBe('dependency_unavailable');
    expect(nowhere.logs).toEqual([
      {
        event: 'graph.request_failed',
        fields: expect.objectContaining({ host: `127.0.0.1:${port}`, code: 'dependency_unavailable' }) as unknown,
      },
    ]);
  });

  test('token failures are classified; an AppError from the credential (e.g. a missing secret) passes through', async () => {
    const failing = (error: Error) =>
      clientOver({ credentialFor: () => ({ getToken: () => Promise.reject(error) }) }).client;
    const missing = new AppError('configuration_invalid', 'Secret "entra-client-secret" is not set.');
    expect(await rejection(failing(missing).deltaPage(TENANT, null))).toBe(missing);
    expect(
      (
        await rejection(
          failing(new Error('unauthorized_client: AADSTS700016: Application not found')).deltaPage(TENANT, null),
        )
      ).code,
    ).toBe('consent_revoked');
    expect((await rejection(failing(new Error('connect ECONNREFUSED 127.0.0.1:1')).deltaPage(TENANT, null))).code).toBe(
      'dependency_unavailable',
    );
    expect(server.seen).toHaveLength(0);
  });

  test('tokenFailure maps AADSTS codes', () => {
    const code = (message: string) => tokenFailure(new Error(message)).code;
    expect(code('invalid_client: AADSTS7000229: missing service principal')).toBe('consent_revoked');
    expect(code('AADSTS7000112: Application is disabled.')).toBe('consent_revoked');
    expect(code('AADSTS700016: Application not found in the directory')).toBe('consent_revoked');
    expect(code('invalid_client: some other refusal')).toBe('consent_revoked');
    expect(code('invalid_client: AADSTS7000215: Invalid client secret provided.')).toBe('configuration_invalid');
    expect(code('invalid_client: AADSTS7000222: The provided client secret keys are expired.')).toBe(
      'configuration_invalid',
    );
    expect(code('endpoints_resolution_error: See https://aka.ms/msal.js.errors')).toBe('dependency_unavailable');
    expect(tokenFailure(new Error('AADSTS7000112: disabled')).meta.aadsts).toBe('AADSTS7000112');
  });

  test('configuration: the Graph base URL must be https', () => {
    expect(
      thrownBy(
        () => new GraphTransport({ graphBaseUrl: 'http://127.0.0.1:1/v1.0', credentialFor: () => stubCredential() }),
      ).code,
    ).toBe('configuration_invalid');
    expect(
      thrownBy(() => new GraphTransport({ graphBaseUrl: 'not a url', credentialFor: () => stubCredential() })).code,
    ).toBe('configuration_invalid');
  });
});
