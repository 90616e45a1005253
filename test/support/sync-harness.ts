import { randomBytes, randomUUID } from 'node:crypto';
import { CosmosUserCounts } from '../../src/adapters/cosmos/cosmos-user-counts';
import { createServices } from '../../src/app/composition-root';
import { silentLogger } from '../../src/app/logger';
import { Services } from '../../src/app/services';
import { DirectoryUserRecord } from '../../src/domain/directory/directory-user';
import { AppConfig, loadConfig } from '../../src/config/config';
import { connect, newIntegration } from '../../src/domain/integration';
import { DEFAULT_SETTINGS, IntegrationSettings } from '../../src/domain/integration-settings';
import { SYNC_JOBS_QUEUE } from '../../src/domain/sync-job';
import { queuedRun, SyncRun } from '../../src/domain/sync-run';
import { EntraSimulator, startEntraSimulator } from '../../src/local/entra-simulator';
import { SimulatedUser } from '../../src/local/entra-simulator/types';
import { DirectoryClient } from '../../src/ports/directory-client.port';
import { DirectoryUserStore, DirectoryUserWrite, WriteOutcome } from '../../src/ports/directory-user-store.port';
import { UserCountsStore } from '../../src/ports/user-counts.port';
import type { Page } from '../../src/ports/sync-run-store.port';
import { enqueueSyncRun } from '../../src/use-cases/enqueue-sync';
import { runSync, SyncOutcome } from '../../src/use-cases/run-sync';
import { startCosmosTestEnv, CosmosTestEnv } from '../adapters/cosmos/cosmos-test-env';
import { CLIENT_ID, CLIENT_SECRET, loopbackTls } from '../local/entra-simulator/helpers';
import { MemoryMailer, MemoryQueue, StaticSecrets } from './in-memory-ports';
import { ManualTime } from './manual-time';
import { TEST_ENV } from './test-services';
import { TestClock, TestScheduler } from './test-time';
import { startWebhookReceiver, WebhookReceiver } from './webhook-receiver';

/**
 * The sync worker with real parts: services from the composition root (the real Graph client
 * against the simulated tenant over HTTPS, the real Cosmos client against the local
 * Cosmos-protocol server), with a test clock, a scheduler that never waits, an in-memory queue
 * and mailer. `sync` plays Service Bus for one company's session: it delivers the run's message,
 * then every continuation and retry, moving the clock to each scheduled time, redelivering a
 * message whose handler threw (up to the max delivery count, then dead-lettering it).
 */

/** Counts the directory-user writes a sync makes (the "writes proportional to change" promise). */
export class CountingDirectoryUsers implements DirectoryUserStore {
  puts = 0;
  deletes = 0;
  constructor(private readonly inner: DirectoryUserStore) {}
  getMany: DirectoryUserStore['getMany'] = (...args) => this.inner.getMany(...args);
  listForReview: DirectoryUserStore['listForReview'] = (...args) => this.inner.listForReview(...args);
  listIds: DirectoryUserStore['listIds'] = (...args) => this.inner.listIds(...args);
  listPendingRemovals: DirectoryUserStore['listPendingRemovals'] = (...args) => this.inner.listPendingRemovals(...args);
  countActiveApproved: DirectoryUserStore['countActiveApproved'] = (...args) => this.inner.countActiveApproved(...args);
  write(companyId: string, writes: readonly DirectoryUserWrite[]): Promise<WriteOutcome[]> {
    for (const w of writes) {
      if (w.op === 'put') this.puts++;
      else this.deletes++;
    }
    return this.inner.write(companyId, writes);
  }
  reset(): void {
    this.puts = 0;
    this.deletes = 0;
  }
  get total(): number {
    return this.puts + this.deletes;
  }
}

/** One delivery of a `sync-jobs` message, as the harness made it. */
export interface Delivery {
  messageId: string;
  deliveryCount: number;
  /** The test clock when it was delivered. */
  at: Date;
  /** What the worker returned, or `threw` (the message went back to the queue). */
  outcome: SyncOutcome | 'threw';
}

export interface SyncOptions {
  mode?: 'full' | 'delta';
  releaseHeld?: boolean;
  /** Stands in for Graph for this sync (e.g. to fail or slow down some pages). */
  directory?: DirectoryClient;
  /** Ports the worker uses for this sync instead of the harness's (e.g. a store that interleaves a race). */
  services?: Partial<Pick<Services, 'symbolUsers' | 'directoryUsers' | 'audit'>>;
  /** Sync settings for this sync only. */
  sync?: Partial<AppConfig['sync']>;
  /** Deliver only the run's first message (continuations and retries stay on the queue). */
  firstDeliveryOnly?: boolean;
}

export interface SyncResult {
  /** The last delivery's outcome, or `dead-lettered`. */
  outcome: SyncOutcome | 'dead-lettered';
  run: SyncRun;
  deliveries: Delivery[];
}

export interface SyncHarness {
  sim: EntraSimulator;
  cosmos: CosmosTestEnv;
  services: Services;
  config: AppConfig;
  clock: TestClock;
  /** The waits adapters asked for (Graph Retry-After, Cosmos backoff): none really happen. */
  scheduler: TestScheduler;
  queue: MemoryQueue;
  mailer: MemoryMailer;
  directoryUsers: CountingDirectoryUsers;
  /** The first simulated tenant (`tenantIds[0]`). */
  tenantId: string;
  /** One simulated tenant per `tenants` asked for: tests that change a directory use their own. */
  tenantIds: string[];
  /**
   * Where the company subscriptions the worker creates point (NOTIFICATION_URL_BASE): answers the
   * handshake; hands notifications to the real webhook functions only when `forward` is set.
   */
  webhooks: WebhookReceiver;
  /**
   * Lets the simulated tenant post the change notifications it has batched (its batch window and
   * delivery retries run on timers that only this moves) and waits until every POST was answered
   * — with `webhooks.forward`, by the real webhook functions, so the jobs they queue are there.
   * Lifecycle events go out at once: `sim.whenIdle()` waits for them.
   */
  sendNotifications(): Promise<void>;
  /** Connects a company to a simulated tenant (as the consent callback would). */
  connectCompany(companyId: string, settings?: Partial<IntegrationSettings>, tenantId?: string): Promise<string>;
  /** A new company (a random id) connected to a simulated tenant, its first import done; its id. */
  importCompany(settings?: Partial<IntegrationSettings>, tenantId?: string): Promise<string>;
  /** A tenant's people with a mailbox who manage nobody: removing one changes no one else's `manager`. */
  people(tenantId?: string): SimulatedUser[];
  /** Queues a run for the company and delivers its messages until the run stops. */
  sync(companyId: string, options?: SyncOptions): Promise<SyncResult>;
  /** Delivers what waits on the company's session (a run queued by `sync` with `firstDeliveryOnly`, or by a test). */
  deliver(companyId: string, options?: SyncOptions): Promise<Delivery[]>;
  close(): Promise<void>;
}

const MAX_DELIVERIES_PER_SYNC = 200;
const NOTIFICATION_BATCH_WINDOW_MS = 250;

export async function startSyncHarness(
  options: {
    users?: number;
    pageSize?: number;
    tenants?: number;
    env?: Record<string, string>;
    /** Stands in front of the maintained counts the stores move (e.g. to lose increments, as a crash would). */
    userCounts?: (inner: UserCountsStore) => UserCountsStore;
  } = {},
): Promise<SyncHarness> {
  const tenants = Array.from({ length: options.tenants ?? 1 }, (_, i) => ({
    name: `Contoso ${i + 1}`,
    domain: i === 0 ? 'contoso.example' : `contoso${i + 1}.example`,
    userCount: options.users ?? 120,
    seed: 7 + i,
  }));
  const simTimers = new ManualTime();
  const sim = await startEntraSimulator({
    tls: loopbackTls(),
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    allowedRedirectUris: ['http://localhost/cb'],
    tenants,
    deltaPageSize: options.pageSize ?? 50,
    allowHttpNotificationUrls: true,
    notificationBatchWindowMs: NOTIFICATION_BATCH_WINDOW_MS,
    scheduler: simTimers,
  });
  const tenantIds = sim.tenants().map((t) => t.id);
  for (const id of tenantIds) sim.directory(id).grantConsent();
  const cosmos = await startCosmosTestEnv(`sync-${randomUUID().slice(0, 8)}`);
  const ready: { services?: Services } = {};
  const webhooks = await startWebhookReceiver(() => {
    if (!ready.services) throw new Error('harness services not ready');
    return ready.services;
  });
  const config = loadConfig({
    ...TEST_ENV,
    GRAPH_BASE_URL: sim.graphBaseUrl,
    AUTHORITY_HOST: sim.authorityHost,
    ENTRA_CLIENT_ID: CLIENT_ID,
    NOTIFICATION_URL_BASE: webhooks.url,
    COSMOS_ENDPOINT: cosmos.server.endpoint,
    COSMOS_KEY: cosmos.server.key,
    COSMOS_DISABLE_ENDPOINT_DISCOVERY: 'true',
    COSMOS_DATABASE: cosmos.database.id,
    ...options.env,
  });
  const clock = new TestClock(new Date());
  const scheduler = new TestScheduler(clock);
  const queue = new MemoryQueue(clock);
  const mailer = new MemoryMailer();
  const secrets = new StaticSecrets({
    'state-signing-key': randomBytes(32).toString('base64url'),
    'entra-client-secret': CLIENT_SECRET,
  });
  const counts = new CosmosUserCounts(cosmos.database, clock);
  const userCounts = options.userCounts ? options.userCounts(counts) : counts;
  const built = await createServices(config, { scheduler }, { clock, secrets, queue, mailer, userCounts });
  const directoryUsers = new CountingDirectoryUsers(built.directoryUsers);
  const services: Services = { ...built, directoryUsers };
  ready.services = services;

  const deliver = async (companyId: string, opts: SyncOptions = {}): Promise<Delivery[]> => {
    const runServices: Services = {
      ...services,
      ...opts.services,
      ...(opts.directory ? { directory: opts.directory } : {}),
      config: { ...config, sync: { ...config.sync, ...opts.sync } },
    };
    const deliveries: Delivery[] = [];
    for (let next = queue.take(SYNC_JOBS_QUEUE, companyId); next; next = queue.take(SYNC_JOBS_QUEUE, companyId)) {
      const wait = next.visibleAt.getTime() - clock.now().getTime();
      if (wait > 0) clock.advance(wait);
      for (let deliveryCount = 1; ; deliveryCount++) {
        if (deliveries.length >= MAX_DELIVERIES_PER_SYNC) throw new Error('too many deliveries for one sync');
        const delivery = { messageId: next.message.messageId, deliveryCount, at: clock.now() };
        try {
          const outcome = await runSync(
            runServices,
            next.message.body,
            { messageId: next.message.messageId, deliveryCount },
            silentLogger,
          );
          deliveries.push({ ...delivery, outcome });
          break;
        } catch {
          deliveries.push({ ...delivery, outcome: 'threw' });
          if (deliveryCount >= runServices.config.sync.maxDeliveryCount) return deliveries; // dead-lettered
        }
      }
      if (opts.firstDeliveryOnly) break;
    }
    return deliveries;
  };

  const harness: SyncHarness = {
    sim,
    cosmos,
    services,
    config,
    clock,
    scheduler,
    queue,
    mailer,
    directoryUsers,
    tenantId: tenantIds[0] ?? '',
    tenantIds,
    webhooks,
    sendNotifications: async () => {
      await simTimers.advance(NOTIFICATION_BATCH_WINDOW_MS);
      await sim.whenIdle();
    },
    connectCompany: async (companyId, settings, tenantId = tenantIds[0] ?? '') => {
      const nowIso = clock.now().toISOString();
      const outcome = connect(newIntegration(companyId, nowIso), {
        tenantId,
        admin: { subject: 'admin', email: `admin@${companyId}.example` },
        nowIso,
        newConnectionId: randomUUID(),
      });
      await services.integrations.save(
        { ...outcome.integration, settings: { ...DEFAULT_SETTINGS, ...settings } },
        null,
      );
      return outcome.integration.connectionId ?? '';
    },
    sync: async (companyId, opts = {}) => {
      const integration = (await services.integrations.get(companyId))?.value;
      if (!integration?.connectionId) throw new Error('company not connected');
      const run = queuedRun({
        runId: randomUUID(),
        companyId,
        connectionId: integration.connectionId,
        trigger: 'manual',
        mode: opts.mode ?? 'delta',
        nowIso: clock.now().toISOString(),
      });
      await enqueueSyncRun(services, run, opts.releaseHeld ? { releaseHeld: true } : {});
      const deliveries = await deliver(companyId, opts);
      const last = deliveries.at(-1);
      const stored = (await services.syncRuns.get(companyId, run.runId)) ?? run;
      return {
        outcome: last === undefined ? 'skipped' : last.outcome === 'threw' ? 'dead-lettered' : last.outcome,
        run: stored,
        deliveries,
      };
    },
    deliver,
    importCompany: async (settings = {}, tenantId = tenantIds[0] ?? '') => {
      const companyId = `co-${randomUUID().slice(0, 8)}`;
      await harness.connectCompany(companyId, settings, tenantId);
      const { outcome } = await harness.sync(companyId);
      if (outcome !== 'succeeded') throw new Error(`the first import of ${companyId} ended ${outcome}`);
      return companyId;
    },
    people: (tenantId = tenantIds[0] ?? '') => {
      const users = sim.directory(tenantId).listUsers();
      const managers = new Set(users.map((u) => u.managerId));
      return users.filter((u) => u.kind === 'person' && u.mail && !managers.has(u.id));
    },
    close: async () => {
      await sim.close();
      await webhooks.close();
      await cosmos.close();
    },
  };
  return harness;
}

/** Every stored directory-user record of a company, by id (through the store's own listing). */
export async function recordsOf(
  services: Pick<Services, 'directoryUsers'>,
  companyId: string,
): Promise<Map<string, DirectoryUserRecord>> {
  const out = new Map<string, DirectoryUserRecord>();
  let cursor: string | null = null;
  do {
    const page: Page<string> = await services.directoryUsers.listIds(companyId, { after: null, limit: 500, cursor });
    for (const [id, item] of await services.directoryUsers.getMany(companyId, page.items)) out.set(id, item.value);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return out;
}

/** The ids of the records with this status, sorted. */
export function idsWithStatus(
  all: ReadonlyMap<string, DirectoryUserRecord>,
  status: DirectoryUserRecord['status'],
): string[] {
  return [...all.values()]
    .filter((r) => r.status === status)
    .map((r) => r.id)
    .sort();
}
