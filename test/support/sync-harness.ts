import { randomBytes, randomUUID } from 'node:crypto';
import { JoseTokenVerifier } from '../../src/adapters/auth/jose-token-verifier';
import { CosmosConsentNonceStore } from '../../src/adapters/cosmos/cosmos-consent-nonce-store';
import { CosmosDirectoryUserStore } from '../../src/adapters/cosmos/cosmos-directory-user-store';
import { CosmosIntegrationStore } from '../../src/adapters/cosmos/cosmos-integration-store';
import { CosmosSymbolUserStore } from '../../src/adapters/cosmos/cosmos-symbol-user-store';
import { CosmosNotificationLog } from '../../src/adapters/cosmos/cosmos-notification-log';
import { CosmosSyncRunStore } from '../../src/adapters/cosmos/cosmos-sync-run-store';
import { CosmosSyncStateStore } from '../../src/adapters/cosmos/cosmos-sync-state-store';
import { CosmosUserCountsReader } from '../../src/adapters/cosmos/cosmos-user-counts';
import { createEntraCredentialFactory } from '../../src/adapters/graph/entra-credentials';
import { GraphDirectoryClient } from '../../src/adapters/graph/graph-directory-client';
import { silentLogger } from '../../src/app/logger';
import { Services } from '../../src/app/services';
import { loadConfig } from '../../src/config/config';
import { connect, newIntegration } from '../../src/domain/integration';
import { DEFAULT_SETTINGS, IntegrationSettings } from '../../src/domain/integration-settings';
import { SyncJob } from '../../src/domain/sync-job';
import { queuedRun, SyncRun } from '../../src/domain/sync-run';
import { EntraSimulator, startEntraSimulator } from '../../src/local/entra-simulator';
import { DirectoryClient } from '../../src/ports/directory-client.port';
import { DirectoryUserStore, DirectoryUserWrite, WriteOutcome } from '../../src/ports/directory-user-store.port';
import { jobFor } from '../../src/use-cases/enqueue-sync';
import { runSync, SyncOutcome } from '../../src/use-cases/run-sync';
import { startCosmosTestEnv, CosmosTestEnv } from '../adapters/cosmos/cosmos-test-env';
import { CLIENT_ID, CLIENT_SECRET, loopbackTls } from '../local/entra-simulator/helpers';
import { MemoryMailer, MemoryQueue, StaticSecrets } from './in-memory-ports';
import { TEST_ENV } from './test-services';
import { createLocalJWKSet } from 'jose';
import { CosmosSubscriptionStore } from '../../src/adapters/cosmos/cosmos-subscription-store';
import { CosmosCompanyCatalog } from '../../src/adapters/cosmos/cosmos-company-catalog';
import { CosmosIntegrationLister } from '../../src/adapters/cosmos/cosmos-integration-lister';
import { GraphSubscriptionClient } from '../../src/adapters/graph/graph-subscription-client';
import { startWebhookReceiver, WebhookReceiver } from './webhook-receiver';

/** Counts the directory-user writes a sync makes (the "writes proportional to change" promise). */
export class CountingDirectoryUsers implements DirectoryUserStore {
  puts = 0;
  deletes = 0;
  marks = 0;
  constructor(private readonly inner: DirectoryUserStore) {}
  get getMany() {
    return this.inner.getMany.bind(this.inner);
  }
  get listForReview() {
    return this.inner.listForReview.bind(this.inner);
  }
  get listNotSeenIn() {
    return this.inner.listNotSeenIn.bind(this.inner);
  }
  get listPendingRemovals() {
    return this.inner.listPendingRemovals.bind(this.inner);
  }
  get countSynced() {
    return this.inner.countSynced.bind(this.inner);
  }
  get countActiveApproved() {
    return this.inner.countActiveApproved.bind(this.inner);
  }
  write(companyId: string, writes: readonly DirectoryUserWrite[]): Promise<WriteOutcome[]> {
    for (const w of writes) {
      if (w.op === 'put') this.puts++;
      else if (w.op === 'delete') this.deletes++;
      else this.marks++;
    }
    return this.inner.write(companyId, writes);
  }
  reset(): void {
    this.puts = 0;
    this.deletes = 0;
    this.marks = 0;
  }
  get total(): number {
    return this.puts + this.deletes + this.marks;
  }
}

export interface SyncHarness {
  sim: EntraSimulator;
  cosmos: CosmosTestEnv;
  services: Services;
  queue: MemoryQueue;
  mailer: MemoryMailer;
  directoryUsers: CountingDirectoryUsers;
  tenantId: string;
  /**
   * Where the company subscriptions the worker creates point (NOTIFICATION_URL_BASE): answers the
   * handshake; hands notifications to the real webhook functions only when `forward` is set.
   */
  webhooks: WebhookReceiver;
  /** Connects a company to the simulated tenant (as the consent callback would). */
  connectCompany(companyId: string, settings?: Partial<IntegrationSettings>): Promise<string>;
  /** Queues a run record and runs its job to the end, following continuation messages. */
  sync(companyId: string, options?: { mode?: 'full' | 'delta'; deliveryCount?: number; directory?: DirectoryClient; releaseHeld?: boolean }): Promise<{ outcome: SyncOutcome; run: SyncRun }>;
  close(): Promise<void>;
}

export async function startSyncHarness(options: { users?: number; pageSize?: number; env?: Record<string, string> } = {}): Promise<SyncHarness> {
  const sim = await startEntraSimulator({
    tls: loopbackTls(),
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    allowedRedirectUris: ['http://localhost/cb'],
    tenants: [{ name: 'Contoso', domain: 'contoso.example', userCount: options.users ?? 120, seed: 7 }],
    deltaPageSize: options.pageSize ?? 50,
    allowHttpNotificationUrls: true,
  });
  const tenantId = sim.tenants()[0]?.id ?? '';
  sim.directory(tenantId).grantConsent();
  const cosmos = await startCosmosTestEnv(`sync-${randomUUID().slice(0, 8)}`);
  const ready: { services?: Services } = {};
  const webhooks = await startWebhookReceiver(() => {
    if (!ready.services) throw new Error('harness services not ready');
    return ready.services;
  });
  const config = loadConfig({ ...TEST_ENV, GRAPH_BASE_URL: sim.graphBaseUrl, AUTHORITY_HOST: sim.authorityHost, ENTRA_CLIENT_ID: CLIENT_ID, NOTIFICATION_URL_BASE: webhooks.url, ...options.env });
  const secrets = new StaticSecrets({ 'state-signing-key': randomBytes(32).toString('base64url'), 'entra-client-secret': CLIENT_SECRET });
  const queue = new MemoryQueue();
  const mailer = new MemoryMailer();
  const directoryUsers = new CountingDirectoryUsers(new CosmosDirectoryUserStore(cosmos.database));
  const graph = new GraphDirectoryClient({ graphBaseUrl: sim.graphBaseUrl, credentialFor: createEntraCredentialFactory({ config: config.entra, secrets }), retry: { maxRetries: 3, delaySeconds: 0 } });
  const services: Services = {
    config,
    clock: { now: () => new Date() },
    ids: { uuid: () => randomUUID(), token: (n) => randomBytes(n).toString('base64url') },
    secrets,
    tokens: new JoseTokenVerifier(createLocalJWKSet({ keys: [] }), 'unused', 'unused'),
    integrations: new CosmosIntegrationStore(cosmos.database),
    consentNonces: new CosmosConsentNonceStore(cosmos.database),
    signIn: { redeem: () => Promise.reject(new Error('no sign-in in sync tests')) },
    syncRuns: new CosmosSyncRunStore(cosmos.database),
    userCounts: new CosmosUserCountsReader(cosmos.database),
    queue,
    mailer,
    directory: graph,
    directoryUsers,
    syncState: new CosmosSyncStateStore(cosmos.database),
    symbolUsers: new CosmosSymbolUserStore(cosmos.database),
    notificationLog: new CosmosNotificationLog(cosmos.database),
    subscriptions: new GraphSubscriptionClient(graph),
    subscriptionStore: new CosmosSubscriptionStore(cosmos.database),
    integrationLister: new CosmosIntegrationLister(cosmos.database),
    companies: new CosmosCompanyCatalog(cosmos.database),
  };
  ready.services = services;

  const harness: SyncHarness = {
    sim,
    cosmos,
    services,
    queue,
    mailer,
    directoryUsers,
    tenantId,
    webhooks,
    connectCompany: async (companyId, settings) => {
      const nowIso = new Date().toISOString();
      const outcome = connect(newIntegration(companyId, nowIso), { tenantId, admin: { subject: 'admin', email: `admin@${companyId}.example` }, nowIso, newConnectionId: randomUUID() });
      await services.integrations.save({ ...outcome.integration, settings: { ...DEFAULT_SETTINGS, ...settings } }, null);
      return outcome.integration.connectionId ?? '';
    },
    sync: async (companyId, opts = {}) => {
      const integration = (await services.integrations.get(companyId))?.value;
      if (!integration?.connectionId) throw new Error('company not connected');
      const run = await services.syncRuns.create(queuedRun({ runId: randomUUID(), companyId, connectionId: integration.connectionId, trigger: 'manual', mode: opts.mode ?? 'delta', nowIso: new Date().toISOString() }));
      let job: SyncJob = { ...jobFor(run), ...(opts.releaseHeld ? { releaseHeld: true } : {}) };
      const runServices = opts.directory ? { ...services, directory: opts.directory } : services;
      for (let invocation = 0; invocation < 100; invocation++) {
        const before = queue.on('sync-jobs').length;
        const outcome = await runSync(runServices, job, { messageId: `${run.runId}:${invocation}`, deliveryCount: opts.deliveryCount ?? 1 }, silentLogger);
        if (outcome !== 'continued') return { outcome, run: (await services.syncRuns.get(companyId, run.runId)) ?? run };
        const continuation = queue.on('sync-jobs')[before];
        if (!continuation) throw new Error('continued without a continuation message');
        job = continuation.body as SyncJob;
      }
      throw new Error('too many continuations');
    },
    close: async () => {
      await sim.close();
      await webhooks.close();
      await cosmos.close();
    },
  };
  return harness;
}
