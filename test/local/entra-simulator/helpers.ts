// Shared helpers for the Entra simulator tests (not a test file itself).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@microsoft/microsoft-graph-client';
import { startEntraSimulator, type EntraSimulator, type EntraSimulatorOptions } from '../../../src/local/entra-simulator';

export const CLIENT_ID = '11111111-2222-4333-8444-555555555555';
export const CLIENT_SECRET = 'local-test-secret';
export const REDIRECT_URI = 'http://localhost:7071/api/consent/callback';

export function loopbackTls(): { cert: Buffer; key: Buffer } {
  const certFile = process.env.LOCAL_TLS_CERT_FILE;
  const keyFile = process.env.LOCAL_TLS_KEY_FILE;
  if (!certFile || !keyFile) {
    throw new Error('LOCAL_TLS_CERT_FILE / LOCAL_TLS_KEY_FILE are not set: run the tests through `npm run jest -- …` (scripts/local-ca.mjs).');
  }
  return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

export async function startSim(overrides: Partial<EntraSimulatorOptions> = {}): Promise<EntraSimulator> {
  return startEntraSimulator({
    tls: loopbackTls(),
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    allowedRedirectUris: [REDIRECT_URI],
    ...overrides,
  });
}

interface TokenResponse {
  access_token: string;
}

/** A Graph access token for the tenant straight from the token endpoint. */
export async function fetchToken(sim: EntraSimulator, tenantId: string): Promise<string> {
  const res = await fetch(`${sim.authorityHost}/${tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, scope: 'https://graph.microsoft.com/.default' }),
  });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as TokenResponse).access_token;
}

/** The real Graph SDK client against the simulator, with a token from its token endpoint. */
export async function graphClient(sim: EntraSimulator, tenantId: string): Promise<Client> {
  const token = await fetchToken(sim, tenantId);
  return Client.init({
    authProvider: (done) => {
      done(null, token);
    },
    baseUrl: sim.origin,
    defaultVersion: 'v1.0',
    customHosts: new Set([new URL(sim.origin).hostname]),
  });
}

export interface DeltaPage {
  '@odata.context'?: string;
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
  value: Array<Record<string, unknown>>;
}

/** Follows nextLinks from `start` until a deltaLink; returns all items, the page count and the deltaLink. */
export async function deltaRound(client: Client, start: string): Promise<{ items: Array<Record<string, unknown>>; pages: number; deltaLink: string }> {
  const items: Array<Record<string, unknown>> = [];
  let url = start;
  for (let pages = 1; pages < 10_000; pages++) {
    const page = (await client.api(url).get()) as DeltaPage;
    items.push(...page.value);
    if (page['@odata.deltaLink']) return { items, pages, deltaLink: page['@odata.deltaLink'] };
    if (!page['@odata.nextLink']) throw new Error('page without nextLink or deltaLink');
    url = page['@odata.nextLink'];
  }
  throw new Error('too many pages');
}

export interface ReceivedRequest {
  path: string;
  query: URLSearchParams;
  contentType: string;
  body: string;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Status for the next notification POSTs (shifted per request); default 202. */
  failNext: number[];
  /** When false, validation requests get a wrong echo. */
  echoValidation: boolean;
  close(): Promise<void>;
}

/**
 * A tiny plain-http notification endpoint that performs the Graph validation handshake. What the
 * simulator sends by itself has arrived once `sim.whenIdle()` resolves (its POSTs are answered).
 */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const receiver: Receiver = {
    url: '',
    requests,
    failNext: [],
    echoValidation: true,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    },
  };
  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const url = new URL(req.url ?? '/', 'http://receiver.invalid');
    const token = url.searchParams.get('validationToken');
    requests.push({ path: url.pathname, query: url.searchParams, contentType: req.headers['content-type'] ?? '', body });
    if (token !== null) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(receiver.echoValidation ? token : 'nope');
      return;
    }
    const status = receiver.failNext.shift() ?? 202;
    res.writeHead(status);
    res.end();
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
