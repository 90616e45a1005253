import { randomBytes, randomUUID } from 'node:crypto';
import { DefaultAzureCredential, ManagedIdentityCredential, TokenCredential } from '@azure/identity';
import { AppConfig } from '../config/config';
import { AppError } from '../domain/app-error';
import { JoseTokenVerifier } from '../adapters/auth/jose-token-verifier';
import { createCosmosClient } from '../adapters/cosmos/cosmos-client';
import { CosmosConsentNonceStore } from '../adapters/cosmos/cosmos-consent-nonce-store';
import { CosmosIntegrationStore } from '../adapters/cosmos/cosmos-integration-store';
import { ensureCosmosSchema } from '../adapters/cosmos/cosmos-schema';
import { CosmosSyncRunStore } from '../adapters/cosmos/cosmos-sync-run-store';
import { CosmosUserCounts } from '../adapters/cosmos/cosmos-user-counts';
import { CosmosRoundSeenStore } from '../adapters/cosmos/cosmos-round-seen-store';
import { CosmosDirectoryUserStore } from '../adapters/cosmos/cosmos-directory-user-store';
import { CosmosSyncStateStore } from '../adapters/cosmos/cosmos-sync-state-store';
import { CosmosSymbolUserStore } from '../adapters/cosmos/cosmos-symbol-user-store';
import { CosmosNotificationLog } from '../adapters/cosmos/cosmos-notification-log';
import { CosmosSubscriptionStore } from '../adapters/cosmos/cosmos-subscription-store';
import { CosmosCompanyCatalog } from '../adapters/cosmos/cosmos-company-catalog';
import { CosmosIntegrationLister } from '../adapters/cosmos/cosmos-integration-lister';
import { CosmosAuditStore } from '../adapters/cosmos/cosmos-audit-store';
import { GraphSubscriptionClient } from '../adapters/graph/graph-subscription-client';
import { createClientAuthentication, createEntraCredentialFactory } from '../adapters/graph/entra-credentials';
import { OidcEntraSignIn } from '../adapters/identity/oidc-entra-sign-in';
import { GraphDirectoryClient } from '../adapters/graph/graph-directory-client';
import { GraphGroupClient } from '../adapters/graph/graph-group-client';
import { CosmosGroupMembershipStore } from '../adapters/cosmos/cosmos-group-membership-store';
import { CosmosPreviewStore } from '../adapters/cosmos/cosmos-preview-store';
import { GraphTransport } from '../adapters/graph/graph-transport';
import { systemClock, systemScheduler } from '../adapters/time/system-time';
import { OutboxMailer } from '../adapters/mail/outbox-mailer';
import { SendGridMailer } from '../adapters/mail/sendgrid-mailer';
import { FileSecretStore } from '../adapters/secrets/file-secret-store';
import { KeyVaultSecretStore } from '../adapters/secrets/key-vault-secret-store';
import { ServiceBusJobQueue } from '../adapters/service-bus/service-bus-job-queue';
import { JobQueue } from '../ports/job-queue.port';
import { Mailer } from '../ports/mailer.port';
import { SecretStore } from '../ports/secret-store.port';
import { Scheduler } from '../ports/clock.port';
import { Services, WebhookServices } from './services';

/** Things only a hosting runtime can supply (the local stack's in-process broker). */
export interface RuntimeParts {
  inProcessQueue?: JobQueue;
  /** Structured log sink for adapters that log outside an invocation (Graph paging). */
  log?: (event: string, fields: Record<string, unknown>) => void;
  /** Where adapters wait (Retry-After, backoff); tests answer at once. Default: real timers. */
  scheduler?: Scheduler;
}

/**
 * Ports a caller supplies instead of the configured adapters (tests: an in-memory queue, a clock
 * they move). What is overridden is also what the other adapters are built with (the clock, the
 * secrets), so an override never leaves a second, inconsistent instance behind.
 */
export type ServiceOverrides = Partial<Omit<Services, 'config'>>;

export function azureCredential(managedIdentityClientId: string | undefined): TokenCredential {
  return managedIdentityClientId ? new ManagedIdentityCredential({ clientId: managedIdentityClientId }) : new DefaultAzureCredential();
}

/**
 * The composition root: the one place that turns validated configuration into adapters. Handlers
 * and use cases only ever see the ports.
 */
export async function createServices(config: AppConfig, runtime: RuntimeParts = {}, overrides: ServiceOverrides = {}): Promise<Services> {
  const cosmos = createCosmosClient(config.cosmos);
  // Locally this creates the schema. In Azure the identity has data-plane rights only: the
  // containers come from infra/ and this verifies them (a missing one or a wrong partition key
  // stops the start with a message saying so).
  const database = await ensureCosmosSchema(cosmos, config.cosmos.database);
  const clock = overrides.clock ?? systemClock;
  const scheduler = runtime.scheduler ?? systemScheduler;
  const secrets = overrides.secrets ?? createSecretStore(config);
  // One counts store, moved by both user stores (an override replaces it for them too).
  const userCounts = overrides.userCounts ?? new CosmosUserCounts(database, clock, runtime.log);
  // One Graph transport (a client per tenant, retries, error mapping) for delta reads and subscriptions.
  const graph = new GraphTransport({
    graphBaseUrl: config.entra.graphBaseUrl,
    credentialFor: createEntraCredentialFactory({ config: config.entra, secrets }),
    clock,
    scheduler,
    ...(runtime.log ? { log: runtime.log } : {}),
  });
  return {
    config,
    clock,
    ids: overrides.ids ?? { uuid: () => randomUUID(), token: (bytes) => randomBytes(bytes).toString('base64url') },
    secrets,
    tokens: overrides.tokens ?? JoseTokenVerifier.fromConfig(config.auth),
    integrations: overrides.integrations ?? new CosmosIntegrationStore(database),
    consentNonces: overrides.consentNonces ?? new CosmosConsentNonceStore(database, clock),
    signIn:
      overrides.signIn ??
      new OidcEntraSignIn({
        authorityHost: config.entra.authorityHost,
        clientId: config.entra.clientId,
        clientAuthentication: createClientAuthentication({ config: config.entra, secrets, now: () => clock.now() }),
        clock,
      }),
    syncRuns: overrides.syncRuns ?? new CosmosSyncRunStore(database),
    userCounts,
    queue: overrides.queue ?? createQueue(config, runtime),
    mailer: overrides.mailer ?? createMailer(config, secrets),
    directory: overrides.directory ?? new GraphDirectoryClient(graph),
    groupDirectory: overrides.groupDirectory ?? new GraphGroupClient(graph),
    groupMemberships: overrides.groupMemberships ?? new CosmosGroupMembershipStore(database),
    previews: overrides.previews ?? new CosmosPreviewStore(database),
    directoryUsers: overrides.directoryUsers ?? new CosmosDirectoryUserStore(database, { scheduler, counts: userCounts }),
    syncState: overrides.syncState ?? new CosmosSyncStateStore(database),
    roundSeen: overrides.roundSeen ?? new CosmosRoundSeenStore(database),
    symbolUsers: overrides.symbolUsers ?? new CosmosSymbolUserStore(database, { counts: userCounts }),
    notificationLog: overrides.notificationLog ?? new CosmosNotificationLog(database),
    subscriptions: overrides.subscriptions ?? new GraphSubscriptionClient(graph),
    subscriptionStore: overrides.subscriptionStore ?? new CosmosSubscriptionStore(database),
    integrationLister: overrides.integrationLister ?? new CosmosIntegrationLister(database),
    companies: overrides.companies ?? new CosmosCompanyCatalog(database),
    audit: overrides.audit ?? new CosmosAuditStore(database, { scheduler }),
  };
}

/**
 * The webhook's light services (see WebhookServices): a Cosmos client and the three stores it
 * reads, no schema check (the full services do that), no Key Vault; and the queue. Cheap to build,
 * so a cold instance answers Graph's notifications within its deadline.
 */
export function createWebhookServices(config: AppConfig, runtime: RuntimeParts = {}): Promise<WebhookServices> {
  const database = createCosmosClient(config.cosmos).database(config.cosmos.database);
  return Promise.resolve({
    config,
    clock: { now: () => new Date() },
    queue: createQueue(config, runtime),
    integrations: new CosmosIntegrationStore(database),
    integrationLister: new CosmosIntegrationLister(database),
    subscriptionStore: new CosmosSubscriptionStore(database),
  });
}

function createSecretStore(config: AppConfig): SecretStore {
  const secrets = config.secrets;
  return secrets.backend === 'keyvault' ? new KeyVaultSecretStore(secrets.vaultUrl, azureCredential(secrets.managedIdentityClientId)) : new FileSecretStore(secrets.file);
}

function createQueue(config: AppConfig, runtime: RuntimeParts): JobQueue {
  const queue = config.queue;
  if (queue.backend === 'servicebus') return new ServiceBusJobQueue({ fullyQualifiedNamespace: queue.fullyQualifiedNamespace, credential: azureCredential(queue.managedIdentityClientId) });
  if (!runtime.inProcessQueue) throw new AppError('configuration_invalid', 'QUEUE_BACKEND=in-process works only inside the local stack (npm start).');
  return runtime.inProcessQueue;
}

function createMailer(config: AppConfig, secrets: SecretStore): Mailer {
  const mail = config.mail;
  if (mail.backend === 'outbox') return new OutboxMailer({ dir: mail.dir });
  return new SendGridMailer({ from: mail.from, baseUrl: mail.baseUrl, apiKey: mail.apiKey ? () => Promise.resolve(mail.apiKey ?? '') : () => secrets.get('sendgrid-api-key') });
}
