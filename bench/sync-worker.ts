/**
 * The benchmark's sync engine process (forked by bench/run.ts): real adapters (Graph client,
 * Cosmos client) against the servers the parent runs, so this process's peak RSS is the
 * engine's own. It runs one sync per request from the parent and answers with figures.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createServices } from '../src/app/composition-root';
import { silentLogger } from '../src/app/logger';
import { Services } from '../src/app/services';
import { loadConfig } from '../src/config/config';
import { connect, newIntegration } from '../src/domain/integration';
import { SyncJob } from '../src/domain/sync-job';
import { queuedRun } from '../src/domain/sync-run';
import { DirectoryClient } from '../src/ports/directory-client.port';
import { DirectoryUserStore } from '../src/ports/directory-user-store.port';
import { JobQueue, OutboundMessage } from '../src/ports/job-queue.port';
import { SubscriptionClient } from '../src/ports/subscription-client.port';
import { jobFor } from '../src/use-cases/enqueue-sync';
import { runSync } from '../src/use-cases/run-sync';
import { requestPreview } from '../src/use-cases/sync-preview';
import { SettingsPatch } from '../src/domain/integration-settings';
import { PreviewStore } from '../src/ports/preview-store.port';

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
  const sent: OutboundMessage[] = [];
  const queue: JobQueue = {
    send: (_q, m) => {
      sent.push(m);
      return Promise.resolve();
    },
  };
  // The production composition, with an in-memory queue and mailer, the client secret given, and
  // Graph subscriptions left out of the engine's figures: the worker's "ensure a subscription"
  // step talks to a stand-in (bench/webhooks.ts measures the webhook path).
  const built = await createServices(config, {}, {
    queue,
    mailer: { send: () => Promise.resolve() },
    secrets: { get: () => Promise.resolve(setup.clientSecret), find: () => Promise.resolve(null) },
    subscriptions: benchSubscriptions,
  });
  const stats = { graphMs: 0, pages: 0, writes: 0, previewWrites: 0 };
  const directory: DirectoryClient = {
    deltaPage: async (tenantId, link) => {
      const t = performance.now();
      try {
        return await built.directory.deltaPage(tenantId, link);
      } finally {
        stats.graphMs += performance.now() - t;
        stats.pages++;
      }
    },
  };
  const inner = built.directoryUsers;
  const directoryUsers: DirectoryUserStore = {
    getMany: (c, ids) => inner.getMany(c, ids),
    listForReview: (c, q) => inner.listForReview(c, q),
    write: (c, writes) => {
      stats.writes += writes.length;
      return inner.write(c, writes);
    },
    listIds: (c, o) => inner.listIds(c, o),
    listPendingRemovals: (c, r, o) => inner.listPendingRemovals(c, r, o),
    countActiveApproved: (c) => inner.countActiveApproved(c),
  };
  const previews: PreviewStore = {
    putChunks: (chunks) => {
      stats.previewWrites += chunks.length;
      return built.previews.putChunks(chunks);
    },
    listChunks: (c, r, category, o) => built.previews.listChunks(c, r, category, o),
    discardFrom: (c, r, from) => built.previews.discardFrom(c, r, from),
  };
  const services: Services = { ...built, directory, directoryUsers, previews };
  return { services, stats, sent };
}

async function main(): Promise<void> {
  const { services, stats, sent } = await build();
  const companyId = 'bench';
  const nowIso = new Date().toISOString();
  const connected = connect(newIntegration(companyId, nowIso), { tenantId: setup.tenantId, admin: { subject: 'bench', email: 'bench@example.com' }, nowIso, newConnectionId: randomUUID() });
  await services.integrations.save(connected.integration, null);

  process.on('message', (message: { phase: string; dryRun?: boolean; settings?: SettingsPatch; mode?: 'full' | 'delta' }) => {
    void (async () => {
      stats.graphMs = 0;
      stats.pages = 0;
      stats.writes = 0;
      stats.previewWrites = 0;
      let job: SyncJob;
      let run;
      if (message.dryRun) {
        // A preview as POST …/entra/sync {dryRun} queues it; the worker runs it like any job.
        const requested = await requestPreview(services, { companyId, settings: message.settings });
        job = sent.find((m) => m.messageId === requested.runId)?.body as SyncJob;
        run = { runId: requested.runId };
      } else {
        run = await services.syncRuns.create(queuedRun({ runId: randomUUID(), companyId, connectionId: connected.integration.connectionId ?? '', trigger: 'manual', mode: message.mode ?? 'delta', nowIso: new Date().toISOString() }));
        job = jobFor(run);
      }
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
        previewWrites: stats.previewWrites,
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
