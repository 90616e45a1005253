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
import { CosmosUserCountsReader } from '../adapters/cosmos/cosmos-user-counts';
import { CosmosDirectoryUserStore } from '../adapters/cosmos/cosmos-directory-user-store';
import { CosmosSyncStateStore } from '../adapters/cosmos/cosmos-sync-state-store';
import { CosmosSymbolUserStore } from '../adapters/cosmos/cosmos-symbol-user-store';
import { CosmosNotificationLog } from '../adapters/cosmos/cosmos-notification-log';
import { CosmosSubscriptionStore } from '../adapters/cosmos/cosmos-subscription-store';
import { CosmosCompanyCatalog } from '../adapters/cosmos/cosmos-company-catalog';
import { CosmosIntegrationLister } from '../adapters/cosmos/cosmos-integration-lister';
import { GraphSubscriptionClient } from '../adapters/graph/graph-subscription-client';
import { createClientAuthentication, createEntraCredentialFactory } from '../adapters/graph/entra-credentials';
import { OidcEntraSignIn } from '../adapters/identity/oidc-entra-sign-in';
import { GraphDirectoryClient } from '../adapters/graph/graph-directory-client';
import { OutboxMailer } from '../adapters/mail/outbox-mailer';
import { SendGridMailer } from '../adapters/mail/sendgrid-mailer';
import { FileSecretStore } from '../adapters/secrets/file-secret-store';
import { KeyVaultSecretStore } from '../adapters/secrets/key-vault-secret-store';
import { ServiceBusJobQueue } from '../adapters/service-bus/service-bus-job-queue';
import { JobQueue } from '../ports/job-queue.port';
import { Mailer } from '../ports/mailer.port';
import { SecretStore } from '../ports/secret-store.port';
import { Services, WebhookServices } from './services';

/** Things only a hosting runtime can supply (the local stack's in-process broker). */
export interface RuntimeParts {
  inProcessQueue?: JobQueue;
  /** Structured log sink for adapters that log outside an invocation (Graph paging). */
  log?: (event: string, fields: Record<string, unknown>) => void;
}

export function azureCredential(managedIdentityClientId: string | undefined): TokenCredential {
  return managedIdentityClientId ? new ManagedIdentityCredential({ clientId: managedIdentityClientId }) : new DefaultAzureCredential();
}

/**
 * The composition root: the one place that turns validated configuration into adapters. Handlers
 * and use cases only ever see the ports.
 */
export async function createServices(config: AppConfig, runtime: RuntimeParts = {}): Promise<Services> {
  const cosmos = createCosmosClient(config.cosmos);
  // Locally this creates the schema. In Azure the identity has data-plane rights only: the
  // containers come from infra/ and this verifies them (a missing one or a wrong partition key
  // stops the start with a message saying so).
  const database = await ensureCosmosSchema(cosmos, config.cosmos.database);
  const secrets = createSecretStore(config);
  // One Graph client per tenant, shared by delta reads and subscriptions (same credential, retries).
  const graph = new GraphDirectoryClient({
    graphBaseUrl: config.entra.graphBaseUrl,
    credentialFor: createEntraCredentialFactory({ config: config.entra, secrets }),
    ...(runtime.log ? { log: runtime.log } : {}),
  });
  const clock = { now: () => new Date() };
  return {
    config,
    clock,
    ids: { uuid: () => randomUUID(), token: (bytes) => randomBytes(bytes).toString('base64url') },
    secrets,
    tokens: JoseTokenVerifier.fromConfig(config.auth),
    integrations: new CosmosIntegrationStore(database),
    consentNonces: new CosmosConsentNonceStore(database),
    signIn: new OidcEntraSignIn({
      authorityHost: config.entra.authorityHost,
      clientId: config.entra.clientId,
      clientAuthentication: createClientAuthentication({ config: config.entra, secrets, now: () => clock.now() }),
      clock,
    }),
    syncRuns: new CosmosSyncRunStore(database),
    userCounts: new CosmosUserCountsReader(database),
    queue: createQueue(config, runtime),
    mailer: createMailer(config, secrets),
    directory: graph,
    directoryUsers: new CosmosDirectoryUserStore(database),
    syncState: new CosmosSyncStateStore(database),
    symbolUsers: new CosmosSymbolUserStore(database),
    notificationLog: new CosmosNotificationLog(database),
    subscriptions: new GraphSubscriptionClient(graph),
    subscriptionStore: new CosmosSubscriptionStore(database),
    integrationLister: new CosmosIntegrationLister(database),
    companies: new CosmosCompanyCatalog(database),
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
