import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { HttpRequest, HttpResponse, InvocationContext } from '@azure/functions';
import { Services } from '../../src/app/services';
import { graphLifecycle } from '../../src/functions/graph-lifecycle.http';
import { graphNotifications } from '../../src/functions/graph-notifications.http';

/**
 * A loopback stand-in for the public webhook endpoint, for tests that create real subscriptions
 * in the simulated tenant (whose validation handshake and notifications need somewhere to go).
 * By default it only answers: the handshake (echoing the token) and 202 to everything else,
 * recording what arrived. With `forward = true` it hands requests to the real webhook functions.
 */
export interface WebhookReceiver {
  url: string;
  received: Array<{ path: string; body: string }>;
  forward: boolean;
  close(): Promise<void>;
}

export async function startWebhookReceiver(services: () => Services): Promise<WebhookReceiver> {
  const received: WebhookReceiver['received'] = [];
  const receiver: WebhookReceiver = { url: '', received, forward: false, close: () => Promise.resolve() };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const token = url.searchParams.get('validationToken');
    if (!receiver.forward) {
      if (token !== null) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(token);
        return;
      }
      received.push({ path: url.pathname, body: body.toString('utf8') });
      res.writeHead(202);
      res.end();
      return;
    }
    const fn = url.pathname === '/api/graph/lifecycle' ? graphLifecycle : graphNotifications;
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[key] = value;
    const request = new HttpRequest({
      method: req.method ?? 'POST',
      url: `http://127.0.0.1${req.url ?? '/'}`,
      headers,
      body: { bytes: body },
    });
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: fn.name,
      logHandler: () => undefined,
    });
    const response = new HttpResponse(await fn.handle(request, context, services()));
    if (token === null) received.push({ path: url.pathname, body: body.toString('utf8') });
    const out: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      out[key] = value;
    });
    res.writeHead(response.status, out);
    res.end(Buffer.from(await response.arrayBuffer()));
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  };
  return receiver;
}
