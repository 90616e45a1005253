import { readdir, readFile } from 'node:fs/promises';
import { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
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
