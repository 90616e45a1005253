// Shared helpers for the Graph adapter tests (not a test file itself).
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { GraphTransport, type GraphTransportOptions } from '../../../src/adapters/graph/graph-transport';
import type { AppConfig } from '../../../src/config/config';
import type { DirectoryClient } from '../../../src/ports/directory-client.port';
import type { SecretName, SecretStore } from '../../../src/ports/secret-store.port';
import type { EntraSimulator } from '../../../src/local/entra-simulator';
import { CLIENT_ID, CLIENT_SECRET, loopbackTls } from '../../local/entra-simulator/helpers';
import { TestClock, TestScheduler } from '../../support/test-time';

export function entraConfig(sim: EntraSimulator, overrides: Partial<AppConfig['entra']> = {}): AppConfig['entra'] {
  return {
    clientId: CLIENT_ID,
    loginBaseUrl: sim.origin,
    authorityHost: sim.authorityHost,
    graphBaseUrl: sim.graphBaseUrl,
    credential: 'client-secret',
    ...overrides,
  };
}

/** A secret store answering from a list of values (the last one repeats); counts reads. */
export class CountingSecrets implements SecretStore {
  reads = 0;
  private readonly values: Array<string | Error>;

  constructor(...values: Array<string | Error>) {
    this.values = values.length > 0 ? values : [CLIENT_SECRET];
  }

  get(name: SecretName): Promise<string> {
    if (name !== 'entra-client-secret') return Promise.reject(new Error(`unexpected secret ${name}`));
    const value = this.values[Math.min(this.reads, this.values.length - 1)];
    this.reads += 1;
    return value instanceof Error ? Promise.reject(value) : Promise.resolve(value ?? '');
  }

  find(name: SecretName): Promise<string | null> {
    return name === 'entra-client-secret' ? this.get(name) : Promise.resolve(null);
  }
}

/** A credential that hands out a fixed token (for servers that do not check it). */
export function stubCredential(token = 'stub-token'): TokenCredential {
  return {
    getToken: (): Promise<AccessToken> => Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
}

export interface Round {
  items: Array<Record<string, unknown>>;
  pages: number;
  links: string[];
  deltaLink: string;
}

/** Follows a whole round through the port. */
export async function fullRound(
  client: DirectoryClient,
  tenantId: string,
  start: string | null = null,
): Promise<Round> {
  const items: Array<Record<string, unknown>> = [];
  const links: string[] = [];
  let link = start;
  for (let pages = 1; pages < 1000; pages++) {
    const page = await client.deltaPage(tenantId, link);
    items.push(...(page.items as Array<Record<string, unknown>>));
    if (page.deltaLink !== null) return { items, pages, links, deltaLink: page.deltaLink };
    if (page.nextLink === null) throw new Error('page with neither link');
    links.push(page.nextLink);
    link = page.nextLink;
  }
  throw new Error('too many pages');
}

export interface SeenRequest {
  url: string;
  authorization: string | undefined;
}

export interface ScriptedReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (until the server closes): for timeouts. */
  hang?: boolean;
}

/** A tiny HTTPS server (the loopback certificate) answering scripted replies in order; default 200 `{}`. */
export interface ScriptedServer {
  origin: string;
  seen: SeenRequest[];
  replies: ScriptedReply[];
  close(): Promise<void>;
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  const seen: SeenRequest[] = [];
  const replies: ScriptedReply[] = [];
  const server: Server = createHttpsServer(loopbackTls(), (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const reply = replies.shift() ?? { status: 200, body: '{}' };
    if (reply.hang) return;
    res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
    res.end(reply.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    replies,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

export interface LogLine {
  event: string;
  fields: Record<string, unknown>;
}

export function logCollector(): { lines: LogLine[]; log: (event: string, fields: Record<string, unknown>) => void } {
  const lines: LogLine[] = [];
  return { lines, log: (event, fields) => lines.push({ event, fields }) };
}

export interface TestTransport {
  transport: GraphTransport;
  logs: LogLine[];
  /** The waits the transport asked for (it never really waits). */
  waits: number[];
  clock: TestClock;
}

/** A Graph transport whose waits are recorded (and cost no time) and whose log lines are collected. */
export function testTransport(options: Omit<GraphTransportOptions, 'log' | 'clock' | 'scheduler'>): TestTransport {
  const { lines, log } = logCollector();
  const clock = new TestClock(new Date());
  const scheduler = new TestScheduler(clock);
  return {
    transport: new GraphTransport({ ...options, log, clock, scheduler }),
    logs: lines,
    waits: scheduler.waits,
    clock,
  };
}
