/**
 * Graph's webhook from a cold start: a fresh Node process loads the function app the way the
 * Functions host does (src/index.ts's factories: the full services and the webhook's light ones,
 * against a Cosmos-protocol server), and is asked — as its very first invocations — for Graph's
 * validation handshake and then for a notification. Prints the time from process start to each
 * answer, and how long the full service graph takes to come up in the same process, for
 * comparison (Graph allows 10 s for the handshake and 3 s for a notification).
 *
 *   npm run bench -- --only cold-start            (a step of the full benchmark)
 *   node scripts/local-ca.mjs tsx bench/webhook-cold-start.ts [--runs 5]
 */
import '../src/local/quiet-functions-test-mode';
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const ChildResult = z.object({ loadedMs: z.number(), handshakeMs: z.number(), handshakeStatus: z.number(), notificationMs: z.number(), notificationStatus: z.number(), fullServicesMs: z.number(), jobs: z.number() });
type ChildResult = z.infer<typeof ChildResult>;

/** The child: everything it measures starts at its own process start (performance.timeOrigin). */
async function child(): Promise<void> {
  const env = z.object({ COLD_COSMOS_ENDPOINT: z.string(), COLD_COSMOS_KEY: z.string(), COLD_SUBSCRIPTION: z.string() }).parse(process.env);
  const subscription = z.object({ subscriptionId: z.string(), tenantId: z.string(), clientState: z.string() }).parse(JSON.parse(env.COLD_SUBSCRIPTION));
  const { HttpRequest, InvocationContext } = await import('@azure/functions');
  const { createServices, createWebhookServices } = await import('../src/app/composition-root');
  const { installServicesFactory, installWebhookServicesFactory, resolveServices } = await import('../src/app/services');
  const { loadConfig } = await import('../src/config/config');
  const { graphNotifications } = await import('../src/functions/graph-notifications.http');
  await import('../src/functions');
  const loadedMs = performance.now();
  const sent: unknown[] = [];
  const queue = { send: (_q: string, message: unknown) => Promise.resolve(void sent.push(message)) };
  const config = loadConfig({
    ENTRA_CLIENT_ID: randomUUID(),
    PUBLIC_BASE_URL: 'https://sync.bench.example',
    ADMIN_UI_URL: 'https://admin.bench.example',
    AUTH_ISSUER: 'bench',
    AUTH_AUDIENCE: 'bench',
    AUTH_JWKS_URL: 'https://identity.bench.example/jwks',
    COSMOS_ENDPOINT: env.COLD_COSMOS_ENDPOINT,
    COSMOS_KEY: env.COLD_COSMOS_KEY,
    COSMOS_DISABLE_ENDPOINT_DISCOVERY: 'true',
    COSMOS_DATABASE: 'cold-start',
    QUEUE_BACKEND: 'in-process',
    SECRETS_BACKEND: 'file',
    SECRETS_FILE: '/nonexistent',
    MAIL_BACKEND: 'outbox',
    MAIL_FROM: 'bench@bench.example',
    OUTBOX_DIR: '/nonexistent',
  });
  // What src/index.ts installs, with the in-process queue standing in for Service Bus.
  installServicesFactory(() => createServices(config, { inProcessQueue: queue }));
  installWebhookServicesFactory(() => createWebhookServices(config, { inProcessQueue: queue }));
  const context = () => new InvocationContext({ invocationId: randomUUID(), functionName: 'graph-notifications', logHandler: () => undefined });
  const url = 'https://sync.bench.example/api/graph/notifications';

  const handshake = await graphNotifications.invoke(new HttpRequest({ method: 'POST', url: `${url}?validationToken=${encodeURIComponent('Validation: cold start')}`, body: { string: '' } }), context());
  const handshakeMs = performance.now();
  const body = JSON.stringify({ value: [{ subscriptionId: subscription.subscriptionId, clientState: subscription.clientState, tenantId: subscription.tenantId, changeType: 'updated', resource: `Users/${randomUUID()}` }] });
  const notification = await graphNotifications.invoke(new HttpRequest({ method: 'POST', url, body: { string: body }, headers: { 'content-type': 'application/json' } }), context());
  const notificationMs = performance.now();
  await resolveServices();
  const fullServicesMs = performance.now();
  const result: ChildResult = { loadedMs, handshakeMs, handshakeStatus: handshake.status ?? 0, notificationMs, notificationStatus: notification.status ?? 0, fullServicesMs, jobs: sent.length };
  process.send?.(result);
}

async function parent(runs: number): Promise<void> {
  const { startLocalCosmos } = await import('../src/local/cosmos/local-cosmos-server');
  const { createCosmosClient } = await import('../src/adapters/cosmos/cosmos-client');
  const { ensureCosmosSchema } = await import('../src/adapters/cosmos/cosmos-schema');
  const { CosmosSubscriptionStore } = await import('../src/adapters/cosmos/cosmos-subscription-store');
  const { CosmosIntegrationStore } = await import('../src/adapters/cosmos/cosmos-integration-store');
  const { connect, newIntegration } = await import('../src/domain/integration');
  const { clientStateHash } = await import('../src/use-cases/subscription-lookup');
  const cosmos = await startLocalCosmos();
  try {
    const database = await ensureCosmosSchema(createCosmosClient({ auth: 'key', endpoint: cosmos.endpoint, key: cosmos.key, database: 'cold-start', disableEndpointDiscovery: true }), 'cold-start');
    const tenantId = randomUUID();
    const subscription = { subscriptionId: randomUUID(), tenantId, clientState: randomBytes(32).toString('base64url') };
    const nowIso = new Date().toISOString();
    await new CosmosSubscriptionStore(database).put({ subscriptionId: subscription.subscriptionId, tenantId, clientStateHash: clientStateHash(subscription.clientState), expiresAt: new Date(Date.now() + 86_400_000).toISOString(), createdAt: nowIso, updatedAt: nowIso });
    await new CosmosIntegrationStore(database).save(connect(newIntegration('cold', nowIso), { tenantId, admin: { subject: 'bench', email: null }, nowIso, newConnectionId: randomUUID() }).integration, null);

    const results: ChildResult[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      const result = await new Promise<ChildResult>((resolve, reject) => {
        const proc = fork(__filename, ['--child'], {
          execArgv: ['--import', 'tsx'],
          env: { ...process.env, COLD_COSMOS_ENDPOINT: cosmos.endpoint, COLD_COSMOS_KEY: cosmos.key, COLD_SUBSCRIPTION: JSON.stringify(subscription) },
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        });
        proc.once('message', (message) => {
          resolve(ChildResult.parse(message));
          proc.kill();
        });
        proc.once('exit', (code) => {
          reject(new Error(`the cold-start child exited (${String(code)}) without a result`));
        });
      });
      results.push(result);
      if (performance.now() - started > 60_000) break;
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const ms = (v: number) => `${Math.round(v)} ms`;
    console.log(`Graph's webhook from a cold start (${String(results.length)} fresh processes loading the function app through tsx; times from process start):`);
    console.log(`  function app loaded:           median ${ms(median(results.map((r) => r.loadedMs)))} (Node start and module loading, through tsx here; compiled JS in Azure)`);
    console.log(`  validation handshake answered: median ${ms(median(results.map((r) => r.handshakeMs)))} (statuses ${[...new Set(results.map((r) => r.handshakeStatus))].join(',')}) — no service resolved`);
    console.log(`  first notification answered:   median ${ms(median(results.map((r) => r.notificationMs)))} (statuses ${[...new Set(results.map((r) => r.notificationStatus))].join(',')}, ${String(results.reduce((n, r) => n + r.jobs, 0))} jobs queued) — light services: one point read, one fan-out query`);
    console.log(`  full service graph ready:      median ${ms(median(results.map((r) => r.fullServicesMs)))} (schema check of every container; locally no managed-identity token or Key Vault, which add to it in Azure)\n`);
  } finally {
    await cosmos.close();
  }
}

if (require.main === module) {
  const { values } = parseArgs({ options: { child: { type: 'boolean', default: false }, runs: { type: 'string', default: '5' } }, strict: true });
  (values.child ? child() : parent(Number(values.runs))).then(
    () => {
      if (!values.child) process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

export { parent as benchWebhookColdStart };
