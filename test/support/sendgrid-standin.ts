import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server standing in for SendGrid's v3 API: it records every request and answers
 * `POST /v3/mail/send` with 202 (or whatever `respondWith` sets).
 */

export interface RecordedSendGridRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface SendGridStandIn {
  readonly baseUrl: string;
  readonly requests: RecordedSendGridRequest[];
  /** Status and JSON body of the following responses (default 202, empty). */
  respondWith(status: number, body?: unknown): void;
  close(): Promise<void>;
}

export async function startSendGridStandIn(): Promise<SendGridStandIn> {
  const requests: RecordedSendGridRequest[] = [];
  let response: { status: number; body: unknown } = { status: 202, body: undefined };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text === '' ? undefined : (JSON.parse(text) as unknown);
      } catch {
        // keep the raw text
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (req.method !== 'POST' || req.url !== '/v3/mail/send') {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ errors: [{ message: 'not found' }] }));
        return;
      }
      if (response.body === undefined) {
        res.writeHead(response.status).end();
      } else {
        res.writeHead(response.status, { 'content-type': 'application/json' }).end(JSON.stringify(response.body));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    respondWith(status, body) {
      response = { status, body };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
