import { AppConfig } from '../config/config';
import { Clock } from '../ports/clock.port';
import { ConsentNonceStore } from '../ports/consent-nonce-store.port';
import { IdGenerator } from '../ports/id-generator.port';
import { IntegrationStore } from '../ports/integration-store.port';
import { JobQueue } from '../ports/job-queue.port';
import { Mailer } from '../ports/mailer.port';
import { SecretStore } from '../ports/secret-store.port';
import { SyncRunStore } from '../ports/sync-run-store.port';
import { TokenVerifier } from '../ports/token-verifier.port';
import { UserCountsStore } from '../ports/user-counts.port';
import { DirectoryClient } from '../ports/directory-client.port';
import { DirectoryUserStore } from '../ports/directory-user-store.port';
import { SyncStateStore } from '../ports/sync-state-store.port';
import { SymbolUserStore } from '../ports/symbol-user-store.port';
import { NotificationLog } from '../ports/notification-log.port';
import { SubscriptionClient } from '../ports/subscription-client.port';
import { SubscriptionStore } from '../ports/subscription-store.port';
import { IntegrationLister } from '../ports/integration-lister.port';
import { EntraSignIn } from '../ports/entra-sign-in.port';
import { CompanyCatalog } from '../ports/company-catalog.port';
import { GroupDirectory } from '../ports/group-directory.port';
import { GroupMembershipStore } from '../ports/group-membership-store.port';
import { PreviewStore } from '../ports/preview-store.port';
import { AuditStore } from '../ports/audit-store.port';
import { RoundSeenStore } from '../ports/round-seen-store.port';

/** Everything a handler or use case may depend on: ports only, adapters chosen by the composition root. */
export interface Services {
  config: AppConfig;
  clock: Clock;
  ids: IdGenerator;
  secrets: SecretStore;
  tokens: TokenVerifier;
  integrations: IntegrationStore;
  consentNonces: ConsentNonceStore;
  /** The connect flow's sign-in step: redeems Microsoft's code and validates the id_token. */
  signIn: EntraSignIn;
  syncRuns: SyncRunStore;
  /** Each company's maintained counts (one document): read by the status and the overview, moved by the user stores. */
  userCounts: UserCountsStore;
  queue: JobQueue;
  mailer: Mailer;
  directory: DirectoryClient;
  /** The tenant's groups (scope by groups; GroupMember.Read.All). */
  groupDirectory: GroupDirectory;
  /** Users' direct memberships in the groups a company's scope tracks. */
  groupMemberships: GroupMembershipStore;
  previews: PreviewStore;
  directoryUsers: DirectoryUserStore;
  syncState: SyncStateStore;
  /** The ids each full round saw, in chunks: its sweep finds the records it did not see. */
  roundSeen: RoundSeenStore;
  symbolUsers: SymbolUserStore;
  notificationLog: NotificationLog;
  /** Graph change-notification subscriptions (per customer tenant). */
  subscriptions: SubscriptionClient;
  /** Subscription id → company, for the webhooks. */
  subscriptionStore: SubscriptionStore;
  /** Connected integrations, page by page (the timers). */
  integrationLister: IntegrationLister;
  /** Every company with an integration document, page by page (the operator's overview). */
  companies: CompanyCatalog;
  /** The audit trail: who decided or changed what, when. */
  audit: AuditStore;
}

/**
 * What Graph's change-notification webhook needs: a subscription point read, the tenant's
 * companies, and a queue. In Azure it is built without the full service graph (no Cosmos schema
 * check, no Key Vault), so a cold instance answers Graph within its deadlines.
 */
export type WebhookServices = Pick<Services, 'config' | 'clock' | 'queue' | 'integrations' | 'integrationLister' | 'subscriptionStore'>;

let installed: Services | undefined;
let factory: (() => Promise<Services>) | undefined;
let pending: Promise<Services> | undefined;

/**
 * Installs the services handlers use. Production installs a lazy factory (built on the first
 * invocation from validated app settings); the local host and tests install ready instances.
 */
export function installServices(services: Services): void {
  installed = services;
  pending = undefined;
}

export function installServicesFactory(create: () => Promise<Services>): void {
  factory = create;
  installed = undefined;
  pending = undefined;
}

export async function resolveServices(): Promise<Services> {
  if (installed) return installed;
  if (!factory) throw new Error('No services installed: the composition root has not run.');
  pending ??= factory().then(
    (services) => {
      installed = services;
      return services;
    },
    (error: unknown) => {
      // Let the next invocation try again instead of caching a failure forever.
      pending = undefined;
      throw error;
    },
  );
  return pending;
}

let webhookFactory: (() => Promise<WebhookServices>) | undefined;
let webhookPending: Promise<WebhookServices> | undefined;

export function installWebhookServicesFactory(create: () => Promise<WebhookServices>): void {
  webhookFactory = create;
  webhookPending = undefined;
}

/** The full services when they are ready (or no lighter factory exists), else the webhook's own light set. */
export async function resolveWebhookServices(): Promise<WebhookServices> {
  if (installed || !webhookFactory) return resolveServices();
  const create = webhookFactory;
  webhookPending ??= create().catch((error: unknown) => {
    webhookPending = undefined;
    throw error;
  });
  return webhookPending;
}
