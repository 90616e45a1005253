/**
 * Graph change notifications at the local host's webhook: N notifications for M companies,
 * posted as fast as the host takes them (bounded concurrency, loopback only), through the whole
 * local stack (`npm start`'s: local host, real handler, Cosmos-protocol server with the real
 * client, in-process broker with duplicate detection). Prints response times and the number of
 * sync jobs that reached the queue (≈ one per company per coalescing window).
 *
 *   npm run bench                                       (a step of the full benchmark)
 *   node scripts/local-ca.mjs tsx bench/webhooks.ts -- [--notifications 10000] [--companies 50]
 *        [--batch 1] [--concurrency 32] [--window 60]
 */
import '../src/local/quiet-functions-test-mode';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { connect, newIntegration } from '../src/domain/integration';
import { subscriptionExpiry } from '../src/domain/graph-subscription';
import { freePort } from '../src/local/free-port';
import { startLocalStack } from '../src/local/local-stack';
import { clientStateHash } from '../src/use-cases/subscription-lookup';

export interface WebhookBenchOptions {
  notifications: number;
  companies: number;
  /** Notifications per POST (Graph batches several; 1 is the worst case per notification). */
  batch: number;
  concurrency: number;
  /** WEBHOOK_COALESCE_SECONDS for the run (long, so the jobs wait on the queue instead of running during the measurement). */
  windowSeconds: number;
}


function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

export async function benchWebhooks(options: WebhookBenchOptions): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-webhooks-'));
  const queued = { jobs: 0, duplicates: 0, windows: new Set<string>(), companies: new Set<string>() };
  const log = (event: string, fields: Record<string, unknown>) => {
    const messageId = typeof fields.messageId === 'string' ? fields.messageId : '';
    if (fields.queue !== 'sync-jobs' || !messageId.startsWith('webhook:')) return;
    if (event === 'queue.scheduled' || event === 'queue.enqueued') {
      const [, companyId = '', bucket = ''] = messageId.split(':');
      queued.jobs++;
      queued.windows.add(bucket);
      queued.companies.add(companyId);
    } else if (event === 'queue.duplicate_dropped') queued.duplicates++;
  };
  const stack = await startLocalStack({ dataDir, port: await freePort(), simulatedUsers: 50, log, env: { ...process.env, WEBHOOK_COALESCE_SECONDS: String(options.windowSeconds) } });
  try {
    const tenantId = stack.simulator?.tenants()[0]?.id ?? '';
    const services = stack.services;
    const nowIso = new Date().toISOString();
    // Companies as the worker leaves them after their first import: connected, with a subscription.
    const companies = await Promise.all(
      Array.from({ length: options.companies }, async (_, i) => {
        const companyId = `bench-${String(i).padStart(3, '0')}`;
        const subscriptionId = randomUUID();
        const clientState = randomBytes(32).toString('base64url');
        const expiresAt = subscriptionExpiry(Date.now());
        const connected = connect(newIntegration(companyId, nowIso), { tenantId, admin: { subject: 'bench', email: null }, nowIso, newConnectionId: randomUUID() }).integration;
        await services.integrations.save({ ...connected, subscription: { id: subscriptionId, expiresAt, lastNotificationAt: null } }, null);
        await services.subscriptionStore.put({ subscriptionId, companyId, tenantId, connectionId: connected.connectionId ?? '', clientStateHash: clientStateHash(clientState), expiresAt, createdAt: nowIso, updatedAt: nowIso });
        return { subscriptionId, clientState };
      }),
    );
    const bodies: string[] = [];
    for (let n = 0; n < options.notifications; n += options.batch) {
      const value = [];
      for (let k = n; k < Math.min(n + options.batch, options.notifications); k++) {
        const c = companies[k % companies.length];
        const userId = randomUUID();
        value.push({ subscriptionId: c?.subscriptionId, subscriptionExpirationDateTime: nowIso, changeType: 'updated', resource: `Users/${userId}`, resourceData: { '@odata.type': '#Microsoft.Graph.User', '@odata.id': `Users/${userId}`, id: userId, organizationId: tenantId }, clientState: c?.clientState, tenantId });
      }
      bodies.push(JSON.stringify({ value }));
    }

    const url = `${stack.url}/api/graph/notifications`;
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++];
          const t = performance.now();
          const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body });
          await response.arrayBuffer();
          latencies.push(performance.now() - t);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }
      }),
    );
    const wallMs = performance.now() - started;
    const sorted = [...latencies].sort((a, b) => a - b);
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    const windows = Math.max(1, queued.windows.size);
    console.log(`Graph notifications at the local host's webhook: ${options.notifications.toLocaleString('en-US')} notifications for ${options.companies} companies, ${options.batch} per POST, ${options.concurrency} in flight (loopback, real handler, local Cosmos, in-process broker):`);
    console.log(`  ${bodies.length.toLocaleString('en-US')} requests in ${(wallMs / 1000).toFixed(2)} s = ${Math.round((bodies.length / wallMs) * 1000).toLocaleString('en-US')} requests/s, ${Math.round((options.notifications / wallMs) * 1000).toLocaleString('en-US')} notifications/s; statuses ${[...statuses].map(([s, n]) => `${s}×${n}`).join(', ')}`);
    console.log(`  response time p50 ${ms(percentile(sorted, 50))}, p90 ${ms(percentile(sorted, 90))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(sorted.at(-1) ?? 0)}`);
    console.log(
      `  sync jobs queued: ${queued.jobs} for ${queued.companies.size} companies in ${queued.windows.size} coalescing window(s) of ${options.windowSeconds} s (${(queued.jobs / windows).toFixed(1)} per window); ` +
        `repeats: ${queued.duplicates} reached the broker and were dropped as duplicates, the rest were never sent (the instance remembers each company's window)\n`,
    );
  } finally {
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      notifications: { type: 'string', default: '10000' },
      companies: { type: 'string', default: '50' },
      batch: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '32' },
      window: { type: 'string', default: '60' },
    },
    strict: true,
  });
  benchWebhooks({ notifications: Number(values.notifications), companies: Number(values.companies), batch: Number(values.batch), concurrency: Number(values.concurrency), windowSeconds: Number(values.window) }).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
