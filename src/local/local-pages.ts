import { readdir, readFile } from 'node:fs/promises';
import { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { escapeHtml } from '../domain/emails/html';
import { InProcessBroker } from './queue/in-process-broker';
import { QueueName } from '../ports/job-queue.port';

/** Local-only inspection pages and endpoints; none of this exists in production. */

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body, null, 2));
}

/** `GET /_local/queues` — what is waiting, scheduled and dead-lettered on each queue. */
export function queuesEndpoint(broker: InProcessBroker, queues: readonly QueueName[]) {
  return (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'GET only' });
      return Promise.resolve();
    }
    sendJson(res, 200, Object.fromEntries(queues.map((q) => [q, broker.peek(q)])));
    return Promise.resolve();
  };
}

/** `GET /_local/outbox` — the captured e-mails, newest last. */
export function outboxEndpoint(dir: string) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let files: string[] = [];
    try {
      files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
    } catch {
      files = [];
    }
    const messages = await Promise.all(files.map(async (f) => ({ file: f, ...(JSON.parse(await readFile(join(dir, f), 'utf8')) as object) })));
    sendJson(res, 200, { dir, messages });
  };
}

/**
 * `/_local/admin-ui/...` — stands in for Symbol's admin UI where the consent flow ends, so a
 * newcomer's browser lands on a page that says what happened instead of a dead link.
 */
export function adminUiStandIn(apiBase: string) {
  return (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const status = url.searchParams.get('status') ?? '';
    const code = url.searchParams.get('code');
    const company = /\/companies\/([^/]+)\//.exec(url.pathname)?.[1];
    const ok = status === 'connected';
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Symbol admin UI (local stand-in)</title></head>
<body style="font-family:Segoe UI,Arial,sans-serif;max-width:680px;margin:40px auto">
<p style="color:#666">Local stand-in for the Symbol admin UI</p>
<h1 style="color:${ok ? '#15803d' : '#b91c1c'}">${ok ? 'Entra ID connected' : 'Entra ID was not connected'}</h1>
${code ? `<p>Error code: <code>${escapeHtml(code)}</code></p>` : ''}
${company ? `<p>Company: <code>${escapeHtml(decodeURIComponent(company))}</code></p><p>Status: <code>curl -H "Authorization: Bearer $TOKEN" ${escapeHtml(apiBase)}/api/companies/${escapeHtml(decodeURIComponent(company))}/entra</code></p>` : ''}
<p>Queued jobs: <a href="/_local/queues">/_local/queues</a> · E-mails: <a href="/_local/outbox">/_local/outbox</a></p>
</body></html>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
    return Promise.resolve();
  };
}
