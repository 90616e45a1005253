/**
 * Graph change notifications at the local host's webhook: N notifications for M companies on
 * tenants shared by a few companies each, posted as fast as the host takes them (bounded
 * concurrency, loopback only), through the whole local stack (`npm start`'s: local host, real
 * handler, Cosmos-protocol server with the real client, in-process broker with duplicate
 * detection); then an anonymous flood of garbage. Prints requests/s, ack latencies, subscription
 * store reads per request and the sync jobs that reached the queue (≈ one per company per window).
 *
 *   npm run bench                                       (a step of the full benchmark)
 *   node scripts/local-ca.mjs tsx bench/webhooks.ts -- [--notifications 10000] [--companies 50]
 *        [--per-tenant 2] [--batch 1] [--concurrency 32] [--window 60] [--flood 2000]
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
  /** Companies per tenant (a holding's subsidiaries): each notification fans out to all of them. */
  companiesPerTenant: number;
  /** Notifications per POST (Graph batches several; 1 is the worst case per notification). */
  batch: number;
  concurrency: number;
  /** WEBHOOK_COALESCE_SECONDS for the run (long, so the jobs wait on the queue instead of running during the measurement). */
  windowSeconds: number;
  /** Anonymous garbage POSTs to send after the legitimate ones (unknown GUIDs, wrong clientStates, non-GUID ids). */
  flood: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

interface Burst {
  requests: number;
  wallMs: number;
  sorted: number[];
  statuses: Map<number, number>;
}

async function post(url: string, bodies: readonly string[], concurrency: number): Promise<Burst> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
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
  return { requests: bodies.length, wallMs: performance.now() - started, sorted: latencies.sort((a, b) => a - b), statuses };
}

function describe(burst: Burst): string {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  return (
    `${burst.requests.toLocaleString('en-US')} requests in ${(burst.wallMs / 1000).toFixed(2)} s = ${Math.round((burst.requests / burst.wallMs) * 1000).toLocaleString('en-US')} requests/s; ` +
    `statuses ${[...burst.statuses].map(([st, n]) => `${st}×${n}`).join(', ')}; ack p50 ${ms(percentile(burst.sorted, 50))}, p99 ${ms(percentile(burst.sorted, 99))}, max ${ms(burst.sorted.at(-1) ?? 0)}`
  );
}

export async function benchWebhooks(options: WebhookBenchOptions): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-webhooks-'));
  const queued = { jobs: 0, duplicates: 0, windows: new Set<string>(), companies: new Set<string>() };
  /** Store reads of subscription records per request, as the webhook reports them. */
  const reads = { legitimate: [] as number[], flood: [] as number[], phase: 'legitimate' as 'legitimate' | 'flood' };
  const log = (event: string, fields: Record<string, unknown>) => {
    if (event === 'function.log' && typeof fields.message === 'string' && fields.message.includes('"graph.notifications')) {
      const storeReads = /"storeReads":(\d+)/.exec(fields.message)?.[1];
      if (storeReads !== undefined) reads[reads.phase].push(Number(storeReads));
      return;
    }
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
    const services = stack.services;
    const nowIso = new Date().toISOString();
    const expiresAt = subscriptionExpiry(Date.now());
    // Tenants as the worker leaves them after the first imports: one subscription per tenant,
    // `companiesPerTenant` companies connected to each.
    const tenantCount = Math.ceil(options.companies / options.companiesPerTenant);
    const tenants = await Promise.all(
      Array.from({ length: tenantCount }, async () => {
        const tenantId = randomUUID();
        const subscriptionId = randomUUID();
        const clientState = randomBytes(32).toString('base64url');
        await services.subscriptionStore.put({ subscriptionId, tenantId, clientStateHash: clientStateHash(clientState), expiresAt, createdAt: nowIso, updatedAt: nowIso });
        return { tenantId, subscriptionId, clientState };
      }),
    );
    for (let i = 0; i < options.companies; i++) {
      const tenant = tenants[Math.floor(i / options.companiesPerTenant)];
      const companyId = `bench-${String(i).padStart(3, '0')}`;
      const connected = connect(newIntegration(companyId, nowIso), { tenantId: tenant?.tenantId ?? '', admin: { subject: 'bench', email: null }, nowIso, newConnectionId: randomUUID() }).integration;
      await services.integrations.save({ ...connected, subscription: { id: tenant?.subscriptionId ?? '', expiresAt, lastNotificationAt: null } }, null);
    }
    const item = (t: { tenantId: string; subscriptionId: string; clientState: string }) => {
      const userId = randomUUID();
      return { subscriptionId: t.subscriptionId, subscriptionExpirationDateTime: nowIso, changeType: 'updated', resource: `Users/${userId}`, resourceData: { '@odata.type': '#Microsoft.Graph.User', '@odata.id': `Users/${userId}`, id: userId, organizationId: t.tenantId }, clientState: t.clientState, tenantId: t.tenantId };
    };
    const bodies: string[] = [];
    for (let n = 0; n < options.notifications; n += options.batch) {
      const value = [];
      for (let k = n; k < Math.min(n + options.batch, options.notifications); k++) value.push(item(tenants[k % tenants.length] ?? { tenantId: '', subscriptionId: '', clientState: '' }));
      bodies.push(JSON.stringify({ value }));
    }
    const url = `${stack.url}/api/graph/notifications`;
    const legitimate = await post(url, bodies, options.concurrency);

    // An anonymous flood: each POST carries 100 items — unknown GUID-shaped subscriptions, known
    // subscriptions with a wrong clientState, and ids that are not GUIDs at all.
    reads.phase = 'flood';
    const garbage: string[] = [];
    for (let n = 0; n < options.flood; n++) {
      const value = Array.from({ length: 100 }, (_, k) => {
        if (k % 3 === 0) return { ...item({ tenantId: randomUUID(), subscriptionId: randomUUID(), clientState: 'guess' }) };
        if (k % 3 === 1) return { ...item(tenants[k % tenants.length] ?? { tenantId: '', subscriptionId: '', clientState: '' }), clientState: randomBytes(32).toString('base64url') };
        return { ...item({ tenantId: 'not-a-tenant', subscriptionId: `sub-${String(n)}-${String(k)}`, clientState: 'x' }) };
      });
      garbage.push(JSON.stringify({ value }));
    }
    const flood = garbage.length > 0 ? await post(url, garbage, options.concurrency) : null;

    const windows = Math.max(1, queued.windows.size);
    const perRequest = (values: readonly number[]) => `max ${Math.max(0, ...values)}, mean ${(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)).toFixed(2)}`;
    console.log(
      `Graph notifications at the local host's webhook: ${options.notifications.toLocaleString('en-US')} notifications for ${options.companies} companies on ${tenantCount} tenants (${options.companiesPerTenant} per tenant, one subscription each), ${options.batch} per POST, ${options.concurrency} in flight (loopback, real handler, local Cosmos, in-process broker):`,
    );
    console.log(`  legitimate: ${describe(legitimate)}`);
    console.log(`    subscription store reads per request: ${perRequest(reads.legitimate)} (cached after the first)`);
    console.log(
      `    sync jobs queued: ${queued.jobs} for ${queued.companies.size} companies in ${queued.windows.size} coalescing window(s) of ${options.windowSeconds} s (${(queued.jobs / windows).toFixed(1)} per window); ` +
        `repeats: ${queued.duplicates} reached the broker and were dropped as duplicates, the rest were never sent (the instance remembers each company's window)`,
    );
    if (flood) {
      console.log(`  anonymous flood (100 garbage items per POST): ${describe(flood)}`);
      console.log(`    subscription store reads per request: ${perRequest(reads.flood)}; sync jobs queued by the flood: none beyond the ${queued.jobs} above\n`);
    }
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
      'per-tenant': { type: 'string', default: '2' },
      flood: { type: 'string', default: '2000' },
      batch: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '32' },
      window: { type: 'string', default: '60' },
    },
    strict: true,
  });
  benchWebhooks({ notifications: Number(values.notifications), companies: Number(values.companies), companiesPerTenant: Number(values['per-tenant']), flood: Number(values.flood), batch: Number(values.batch), concurrency: Number(values.concurrency), windowSeconds: Number(values.window) }).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
