import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, Server } from 'node:https';
import { generateDirectory } from '../src/local/entra-simulator';
import { graphPayload } from './graph-payload';

/**
 * A Graph-compatible `users/delta` server for the stack benchmark, with a fixed latency per page.
 *
 * Why not the Entra simulator: the stack gets its tokens from its own simulator, and a second
 * simulator would refuse them; and the simulator answers as fast as it can, while the figure that
 * matters is how the stack behaves when Graph is slower than Cosmos (300 ms per page is typical of
 * a large tenant). This server accepts any bearer token, serves one directory (every tenant sees
 * it) in pages of 200 with absolute nextLinks and deltaLinks, replays changes made with `change()`
 * to delta tokens older than them, and accepts subscriptions (so the first sync's end can
 * subscribe). Every response waits `latencyMs` first.
 */

export interface GraphLatencyServer {
  graphBaseUrl: string;
  pageSize: number;
  /** Changes `count` users (a new job title each), visible to the next delta round. */
  change(count: number): void;
  pagesServed(): number;
  close(): Promise<void>;
}

interface Entry {
  payload: Record<string, unknown>;
  version: number;
}

export async function startGraphLatencyServer(options: { users: number; latencyMs: number; pageSize?: number; tls: { certFile: string; keyFile: string } }): Promise<GraphLatencyServer> {
  const pageSize = options.pageSize ?? 200;
  const entries: Entry[] = generateDirectory({ name: 'Contoso', domain: 'contoso.example', userCount: options.users, seed: 42 }).map((u) => ({ payload: graphPayload(u), version: 0 }));
  let version = 0;
  let pages = 0;
  let origin = '';

  const send = (res: ServerResponse, status: number, body: unknown) => {
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    }, options.latencyMs);
  };

  const delta = (url: URL, res: ServerResponse) => {
    // skiptoken = "<since>:<offset>:<upTo>", deltatoken = "<version>"
    const skip = url.searchParams.get('$skiptoken');
    const deltaToken = url.searchParams.get('$deltatoken');
    let since = -1;
    let offset = 0;
    let upTo = version;
    if (skip !== null) [since, offset, upTo] = skip.split(':').map(Number) as [number, number, number];
    else if (deltaToken !== null) since = Number(deltaToken);
    const matching = since < 0 ? entries : entries.filter((e) => e.version > since && e.version <= upTo);
    const page = matching.slice(offset, offset + pageSize).map((e) => e.payload);
    pages += 1;
    const next = offset + pageSize < matching.length ? `${origin}/v1.0/users/delta?$skiptoken=${since}:${offset + pageSize}:${upTo}` : undefined;
    send(res, 200, {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users',
      value: page,
      ...(next === undefined ? { '@odata.deltaLink': `${origin}/v1.0/users/delta?$deltatoken=${upTo}` } : { '@odata.nextLink': next }),
    });
  };

  const readBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    try {
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };

  const server: Server = createServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      if (!/^Bearer\s+\S+/i.test(req.headers.authorization ?? '')) {
        send(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } });
        return;
      }
      if (req.method === 'GET' && url.pathname === '/v1.0/users/delta') {
        delta(url, res);
        return;
      }
      if (req.method === 'POST' && url.pathname === '/v1.0/subscriptions') {
        const body = await readBody(req);
        send(res, 201, { ...body, id: randomUUID(), applicationId: randomUUID(), creatorId: randomUUID(), latestSupportedTlsVersion: 'v1_2' });
        return;
      }
      if (url.pathname.startsWith('/v1.0/subscriptions/')) {
        const body = await readBody(req);
        if (req.method === 'DELETE') send(res, 204, null);
        else send(res, 200, { id: url.pathname.split('/')[3], resource: '/users', changeType: 'updated,deleted', expirationDateTime: new Date(Date.now() + 41_000 * 60_000).toISOString(), ...body });
        return;
      }
      send(res, 404, { error: { code: 'ResourceNotFound', message: `${req.method ?? ''} ${url.pathname} is not served by the benchmark Graph server` } });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `https://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  return {
    graphBaseUrl: `${origin}/v1.0`,
    pageSize,
    change(count) {
      version += 1;
      for (let i = 0; i < count; i += 1) {
        const entry = entries[(i * 997) % entries.length];
        if (entry === undefined) continue;
        entry.payload = { ...entry.payload, jobTitle: `Benchmark title ${version}-${i}` };
        entry.version = version;
      }
    },
    pagesServed: () => pages,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
