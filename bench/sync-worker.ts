/**
 * The benchmark's sync engine process (forked by bench/run.ts): real adapters (Graph client,
 * Cosmos client) against the servers the parent runs, so this process's peak RSS is the
 * engine's own. It runs one sync per request from the parent and answers with figures.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createLocalJWKSet } from 'jose';
import { JoseTokenVerifier } from '../src/adapters/auth/jose-token-verifier';
import { createCosmosClient } from '../src/adapters/cosmos/cosmos-client';
import { CosmosConsentNonceStore } from '../src/adapters/cosmos/cosmos-consent-nonce-store';
import { CosmosDirectoryUserStore } from '../src/adapters/cosmos/cosmos-directory-user-store';
import { CosmosIntegrationStore } from '../src/adapters/cosmos/cosmos-integration-store';
import { ensureCosmosSchema } from '../src/adapters/cosmos/cosmos-schema';
import { CosmosSymbolUserStore } from '../src/adapters/cosmos/cosmos-symbol-user-store';
import { CosmosNotificationLog } from '../src/adapters/cosmos/cosmos-notification-log';
import { CosmosSyncRunStore } from '../src/adapters/cosmos/cosmos-sync-run-store';
import { CosmosSyncStateStore } from '../src/adapters/cosmos/cosmos-sync-state-store';
import { CosmosUserCountsReader } from '../src/adapters/cosmos/cosmos-user-counts';
import { createEntraCredentialFactory } from '../src/adapters/graph/entra-credentials';
import { GraphDirectoryClient } from '../src/adapters/graph/graph-directory-client';
import { silentLogger } from '../src/app/logger';
import { Services } from '../src/app/services';
import { loadConfig } from '../src/config/config';
import { connect, newIntegration } from '../src/domain/integration';
import { SyncJob } from '../src/domain/sync-job';
import { queuedRun } from '../src/domain/sync-run';
import { DirectoryClient } from '../src/ports/directory-client.port';
import { DirectoryUserStore, DirectoryUserWrite } from '../src/ports/directory-user-store.port';
import { JobQueue, OutboundMessage } from '../src/ports/job-queue.port';
import { jobFor } from '../src/use-cases/enqueue-sync';
import { runSync } from '../src/use-cases/run-sync';
import { CosmosSubscriptionStore } from '../src/adapters/cosmos/cosmos-subscription-store';
import { CosmosCompanyCatalog } from '../src/adapters/cosmos/cosmos-company-catalog';
import { CosmosIntegrationLister } from '../src/adapters/cosmos/cosmos-integration-lister';
import { SubscriptionClient } from '../src/ports/subscription-client.port';

interface Setup {
  graphBaseUrl: string;
  authorityHost: string;
  cosmosEndpoint: string;
  cosmosKey: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

const setup = JSON.parse(process.env.BENCH_SETUP ?? '{}') as Setup;

const benchSubscriptions: SubscriptionClient = {
  create: (_tenantId, s) => Promise.resolve({ id: randomUUID(), resource: s.resource, changeType: s.changeType, notificationUrl: s.notificationUrl, lifecycleNotificationUrl: s.lifecycleNotificationUrl, expirationDateTime: s.expirationDateTime }),
  renew: (_tenantId, id, expirationDateTime) => Promise.resolve({ id, resource: '/users', changeType: 'updated,deleted', notificationUrl: '', lifecycleNotificationUrl: null, expirationDateTime }),
  reauthorize: () => Promise.resolve(),
  delete: () => Promise.resolve(),
  get: () => Promise.resolve(null),
  list: () => Promise.resolve([]),
};

async function build() {
  const config = loadConfig({
    ENTRA_CLIENT_ID: setup.clientId,
    AUTHORITY_HOST: setup.authorityHost,
    GRAPH_BASE_URL: setup.graphBaseUrl,
    PUBLIC_BASE_URL: 'http://127.0.0.1:1',
    ADMIN_UI_URL: 'http://127.0.0.1:1',
    AUTH_ISSUER: 'bench',
    AUTH_AUDIENCE: 'bench',
    AUTH_JWKS_URL: 'http://127.0.0.1:1/jwks',
    COSMOS_ENDPOINT: setup.cosmosEndpoint,
    COSMOS_KEY: setup.cosmosKey,
    COSMOS_DISABLE_ENDPOINT_DISCOVERY: 'true',
    QUEUE_BACKEND: 'in-process',
    SECRETS_BACKEND: 'file',
    SECRETS_FILE: '/unused',
    MAIL_BACKEND: 'outbox',
    MAIL_FROM: 'bench@example.com',
    OUTBOX_DIR: '/unused',
    SYNC_TIME_BUDGET_SECONDS: '3600',
  });
  const cosmos = createCosmosClient(config.cosmos);
  const database = await ensureCosmosSchema(cosmos, config.cosmos.database);
  const secrets = { get: () => Promise.resolve(setup.clientSecret), find: () => Promise.resolve(setup.clientSecret) };
  const graph = new GraphDirectoryClient({ graphBaseUrl: config.entra.graphBaseUrl, credentialFor: createEntraCredentialFactory({ config: config.entra, secrets }) });
  const stats = { graphMs: 0, pages: 0, writes: 0 };
  const directory: DirectoryClient = {
    deltaPage: async (tenantId, link) => {
      const t = performance.now();
      try {
        return await graph.deltaPage(tenantId, link);
      } finally {
        stats.graphMs += performance.now() - t;
        stats.pages++;
      }
    },
  };
  const inner = new CosmosDirectoryUserStore(database);
  const directoryUsers: DirectoryUserStore = {
    getMany: (c, ids) => inner.getMany(c, ids),
    listForReview: (c, q) => inner.listForReview(c, q),
    write: (c, writes: readonly DirectoryUserWrite[]) => {
      stats.writes += writes.length;
      return inner.write(c, writes);
    },
    listNotSeenIn: (c, r, o) => inner.listNotSeenIn(c, r, o),
    listPendingRemovals: (c, r, o) => inner.listPendingRemovals(c, r, o),
    countSynced: (c) => inner.countSynced(c),
    countActiveApproved: (c) => inner.countActiveApproved(c),
  };
  const sent: OutboundMessage[] = [];
  const queue: JobQueue = {
    send: (_q, m) => {
      sent.push(m);
      return Promise.resolve();
    },
  };
  const services: Services = {
    config,
    clock: { now: () => new Date() },
    ids: { uuid: () => randomUUID(), token: (n) => randomBytes(n).toString('base64url') },
    secrets: { get: () => Promise.resolve('x'.repeat(32)), find: () => Promise.resolve(null) },
    tokens: new JoseTokenVerifier(createLocalJWKSet({ keys: [] }), 'bench', 'bench'),
    integrations: new CosmosIntegrationStore(database),
    consentNonces: new CosmosConsentNonceStore(database),
    signIn: { redeem: () => Promise.reject(new Error('no sign-in in the benchmark')) },
    syncRuns: new CosmosSyncRunStore(database),
    userCounts: new CosmosUserCountsReader(database),
    queue,
    mailer: { send: () => Promise.resolve() },
    directory,
    directoryUsers,
    syncState: new CosmosSyncStateStore(database),
    symbolUsers: new CosmosSymbolUserStore(database),
    notificationLog: new CosmosNotificationLog(database),
    // The engine's figures leave Graph subscriptions out: the worker's "ensure a subscription" step
    // talks to this stand-in (bench/webhooks.ts measures the webhook path).
    subscriptions: benchSubscriptions,
    subscriptionStore: new CosmosSubscriptionStore(database),
    integrationLister: new CosmosIntegrationLister(database),
    companies: new CosmosCompanyCatalog(database),
  };
  return { services, stats };
}

async function main(): Promise<void> {
  const { services, stats } = await build();
  const companyId = 'bench';
  const nowIso = new Date().toISOString();
  const connected = connect(newIntegration(companyId, nowIso), { tenantId: setup.tenantId, admin: { subject: 'bench', email: 'bench@example.com' }, nowIso, newConnectionId: randomUUID() });
  await services.integrations.save(connected.integration, null);

  process.on('message', (message: { phase: string }) => {
    void (async () => {
      Object.assign(stats, { graphMs: 0, pages: 0, writes: 0 });
      const run = await services.syncRuns.create(queuedRun({ runId: randomUUID(), companyId, connectionId: connected.integration.connectionId ?? '', trigger: 'manual', mode: 'delta', nowIso: new Date().toISOString() }));
      const job: SyncJob = jobFor(run);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const outcome = await runSync(services, job, { messageId: run.runId, deliveryCount: 1 }, silentLogger);
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const final = await services.syncRuns.get(companyId, run.runId);
      process.send?.({
        phase: message.phase,
        outcome,
        wallMs,
        graphMs: stats.graphMs,
        pages: stats.pages,
        writes: stats.writes,
        cpuMs: (cpu.user + cpu.system) / 1000,
        counts: final?.counts,
        maxRssMb: process.resourceUsage().maxRSS / 1024,
      });
    })().catch((error: unknown) => {
      process.send?.({ phase: message.phase, error: error instanceof Error ? error.stack : String(error) });
    });
  });
  process.send?.({ phase: 'ready' });
}

main().catch((error: unknown) => {
  process.send?.({ phase: 'ready', error: error instanceof Error ? error.stack : String(error) });
});
