import { z } from 'zod';
import { AppError } from '../domain/app-error';

/**
 * The application's configuration, read once from the environment (Functions app settings in
 * Azure, the local stack's own values under `npm start`) and validated before anything runs.
 * Adapter choices are discriminated unions, so an invalid combination is a start-up error that
 * names the variable — never a surprise inside a handler.
 */

const url = z.url({ protocol: /^https?$/ }).transform((value) => value.replace(/\/+$/, ''));
const httpsUrl = z.url({ protocol: /^https$/ }).transform((value) => value.replace(/\/+$/, ''));
const nonEmpty = z.string().trim().min(1);
const positiveInt = z.coerce.number().int().positive();
/** Six-field NCRONTAB (`second minute hour day month day-of-week`), as Functions timers read it. */
const ncrontab = z.string().trim().regex(/^\S+(\s+\S+){5}$/, 'must be a six-field NCRONTAB expression (second minute hour day month day-of-week)');

const CosmosSchema = z.discriminatedUnion('auth', [
  z.object({ auth: z.literal('key'), endpoint: url, key: nonEmpty, database: nonEmpty, disableEndpointDiscovery: z.boolean() }),
  z.object({ auth: z.literal('managed-identity'), endpoint: httpsUrl, database: nonEmpty, managedIdentityClientId: nonEmpty.optional() }),
]);

const QueueSchema = z.discriminatedUnion('backend', [
  z.object({ backend: z.literal('servicebus'), fullyQualifiedNamespace: nonEmpty, managedIdentityClientId: nonEmpty.optional() }),
  z.object({ backend: z.literal('in-process') }),
]);

const SecretsSchema = z.discriminatedUnion('backend', [
  z.object({ backend: z.literal('keyvault'), vaultUrl: httpsUrl, managedIdentityClientId: nonEmpty.optional() }),
  /** Local only: a JSON file of secret name → value, made by the local stack. */
  z.object({ backend: z.literal('file'), file: nonEmpty }),
]);

const MailSchema = z.discriminatedUnion('backend', [
  z.object({ backend: z.literal('sendgrid'), from: z.email(), baseUrl: url.optional(), apiKey: nonEmpty.optional() }),
  z.object({ backend: z.literal('outbox'), from: z.email(), dir: nonEmpty }),
]);

const AuthSchema = z.discriminatedUnion('keys', [
  z.object({ keys: z.literal('jwks-url'), issuer: nonEmpty, audience: nonEmpty, jwksUrl: url }),
  /** Local only: the stack's own signing key, published as a JWKS file. */
  z.object({ keys: z.literal('jwks-file'), issuer: nonEmpty, audience: nonEmpty, jwksFile: nonEmpty }),
]);

export const AppConfigSchema = z.object({
  entra: z.object({
    clientId: nonEmpty,
    /** Where admin-consent URLs point (Microsoft's login, or the local stand-in). */
    loginBaseUrl: url,
    /** The authority that issues app tokens for customer tenants. */
    authorityHost: url,
    graphBaseUrl: url,
    /**
     * The app's own credential: a client secret (Key Vault `entra-client-secret`), a certificate
     * with its private key (Key Vault `entra-client-certificate`, PEM), or — secretless — the
     * user-assigned managed identity as a federated identity credential of the app.
     */
    credential: z.enum(['client-secret', 'client-certificate', 'managed-identity-federation']),
    managedIdentityClientId: nonEmpty.optional(),
  }),
  publicBaseUrl: url,
  adminUiUrl: url,
  notificationUrlBase: url,
  consentStateTtlSeconds: positiveInt.max(3600),
  sync: z.object({
    /** One invocation stops reading pages and continues in a follow-up message after this long. */
    timeBudgetSeconds: positiveInt.max(3600),
    /** Save the cursor and counters every N pages (a crash redoes at most N pages, idempotently). */
    checkpointEveryPages: positiveInt.max(1000),
    /** The queue's max delivery count: on the last delivery a failing run is marked failed. */
    maxDeliveryCount: positiveInt.max(100),
  }),
  webhooks: z.object({
    /** Graph notifications for one company within this window become one delta sync, run at its end. */
    coalesceSeconds: positiveInt.max(600),
  }),
  reconcile: z.object({
    /** When the reconciliation timer runs (the Functions host reads it as `%SYNC_RECONCILE_SCHEDULE%`). */
    schedule: ncrontab,
    /** Reconciliation jobs are spread over this many seconds, so companies do not all hit Graph at once. */
    spreadSeconds: z.coerce.number().int().min(0).max(86_400),
    /** A reconciliation is a full round when the company's last full round is older than this. */
    fullRoundDays: positiveInt.max(90),
  }),
  auth: AuthSchema,
  cosmos: CosmosSchema,
  queue: QueueSchema,
  secrets: SecretsSchema,
  mail: MailSchema,
});

export type AppConfig = z.infer<typeof AppConfigSchema>;

type Env = Record<string, string | undefined>;

/** Every 6 hours, on the hour (UTC). */
export const DEFAULT_RECONCILE_SCHEDULE = '0 0 */6 * * *';

/** Environment variable behind each config path, so errors name what the operator must fix. */
const ENV_NAME_BY_PATH: Record<string, string> = {
  'entra.clientId': 'ENTRA_CLIENT_ID',
  'entra.loginBaseUrl': 'LOGIN_BASE_URL',
  'entra.authorityHost': 'AUTHORITY_HOST',
  'entra.graphBaseUrl': 'GRAPH_BASE_URL',
  'entra.credential': 'ENTRA_CREDENTIAL',
  'entra.managedIdentityClientId': 'AZURE_CLIENT_ID',
  publicBaseUrl: 'PUBLIC_BASE_URL',
  adminUiUrl: 'ADMIN_UI_URL',
  notificationUrlBase: 'NOTIFICATION_URL_BASE',
  consentStateTtlSeconds: 'CONSENT_STATE_TTL_SECONDS',
  'sync.timeBudgetSeconds': 'SYNC_TIME_BUDGET_SECONDS',
  'sync.checkpointEveryPages': 'SYNC_CHECKPOINT_PAGES',
  'sync.maxDeliveryCount': 'SYNC_MAX_DELIVERY_COUNT',
  'webhooks.coalesceSeconds': 'WEBHOOK_COALESCE_SECONDS',
  'reconcile.schedule': 'SYNC_RECONCILE_SCHEDULE',
  'reconcile.spreadSeconds': 'SYNC_RECONCILE_SPREAD_SECONDS',
  'reconcile.fullRoundDays': 'SYNC_FULL_ROUND_DAYS',
  'auth.keys': 'AUTH_JWKS_URL',
  'auth.issuer': 'AUTH_ISSUER',
  'auth.audience': 'AUTH_AUDIENCE',
  'auth.jwksUrl': 'AUTH_JWKS_URL',
  'auth.jwksFile': 'AUTH_JWKS_FILE',
  'cosmos.auth': 'COSMOS_KEY',
  'cosmos.endpoint': 'COSMOS_ENDPOINT',
  'cosmos.key': 'COSMOS_KEY',
  'cosmos.database': 'COSMOS_DATABASE',
  'cosmos.managedIdentityClientId': 'AZURE_CLIENT_ID',
  'queue.backend': 'QUEUE_BACKEND',
  'queue.fullyQualifiedNamespace': 'ServiceBusConnection__fullyQualifiedNamespace',
  'secrets.backend': 'SECRETS_BACKEND',
  'secrets.vaultUrl': 'KEY_VAULT_URL',
  'secrets.file': 'SECRETS_FILE',
  'mail.backend': 'MAIL_BACKEND',
  'mail.from': 'MAIL_FROM',
  'mail.baseUrl': 'SENDGRID_BASE_URL',
  'mail.apiKey': 'SENDGRID_API_KEY',
  'mail.dir': 'OUTBOX_DIR',
};

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Maps the flat environment onto the config shape; validation happens afterwards. */
function fromEnv(env: Env): unknown {
  const e = (name: string) => blankToUndefined(env[name]);
  const managedIdentityClientId = e('AZURE_CLIENT_ID');
  const publicBaseUrl = e('PUBLIC_BASE_URL');
  const cosmosKey = e('COSMOS_KEY');
  const cosmosEndpoint = e('COSMOS_ENDPOINT') ?? e('CosmosDbConnection__accountEndpoint');
  return {
    entra: {
      clientId: e('ENTRA_CLIENT_ID'),
      loginBaseUrl: e('LOGIN_BASE_URL') ?? 'https://login.microsoftonline.com',
      authorityHost: e('AUTHORITY_HOST') ?? 'https://login.microsoftonline.com',
      graphBaseUrl: e('GRAPH_BASE_URL') ?? 'https://graph.microsoft.com/v1.0',
      credential: e('ENTRA_CREDENTIAL') ?? 'client-secret',
      managedIdentityClientId,
    },
    publicBaseUrl,
    adminUiUrl: e('ADMIN_UI_URL'),
    notificationUrlBase: e('NOTIFICATION_URL_BASE') ?? publicBaseUrl,
    consentStateTtlSeconds: e('CONSENT_STATE_TTL_SECONDS') ?? '900',
    sync: {
      // Well under the Consumption plan's 10-minute limit, leaving room for the last page and the checkpoint.
      timeBudgetSeconds: e('SYNC_TIME_BUDGET_SECONDS') ?? '240',
      checkpointEveryPages: e('SYNC_CHECKPOINT_PAGES') ?? '10',
      maxDeliveryCount: e('SYNC_MAX_DELIVERY_COUNT') ?? '10',
    },
    webhooks: {
      coalesceSeconds: e('WEBHOOK_COALESCE_SECONDS') ?? '10',
    },
    reconcile: {
      schedule: e('SYNC_RECONCILE_SCHEDULE') ?? DEFAULT_RECONCILE_SCHEDULE,
      spreadSeconds: e('SYNC_RECONCILE_SPREAD_SECONDS') ?? '1800',
      fullRoundDays: e('SYNC_FULL_ROUND_DAYS') ?? '7',
    },
    auth: e('AUTH_JWKS_FILE')
      ? { keys: 'jwks-file', issuer: e('AUTH_ISSUER'), audience: e('AUTH_AUDIENCE'), jwksFile: e('AUTH_JWKS_FILE') }
      : { keys: 'jwks-url', issuer: e('AUTH_ISSUER'), audience: e('AUTH_AUDIENCE'), jwksUrl: e('AUTH_JWKS_URL') },
    cosmos: cosmosKey
      ? {
          auth: 'key',
          endpoint: cosmosEndpoint,
          key: cosmosKey,
          database: e('COSMOS_DATABASE') ?? 'entra-sync',
          disableEndpointDiscovery: e('COSMOS_DISABLE_ENDPOINT_DISCOVERY') === 'true',
        }
      : { auth: 'managed-identity', endpoint: cosmosEndpoint, database: e('COSMOS_DATABASE') ?? 'entra-sync', managedIdentityClientId },
    queue:
      (e('QUEUE_BACKEND') ?? 'servicebus') === 'servicebus'
        ? { backend: 'servicebus', fullyQualifiedNamespace: e('ServiceBusConnection__fullyQualifiedNamespace'), managedIdentityClientId }
        : { backend: e('QUEUE_BACKEND') },
    secrets:
      (e('SECRETS_BACKEND') ?? 'keyvault') === 'keyvault'
        ? { backend: 'keyvault', vaultUrl: e('KEY_VAULT_URL'), managedIdentityClientId }
        : { backend: e('SECRETS_BACKEND'), file: e('SECRETS_FILE') },
    mail:
      (e('MAIL_BACKEND') ?? 'sendgrid') === 'sendgrid'
        ? { backend: 'sendgrid', from: e('MAIL_FROM'), baseUrl: e('SENDGRID_BASE_URL'), apiKey: e('SENDGRID_API_KEY') }
        : { backend: e('MAIL_BACKEND'), from: e('MAIL_FROM'), dir: e('OUTBOX_DIR') },
  };
}

/** Reads and validates the configuration; throws one AppError naming every bad variable. */
export function loadConfig(env: Env): AppConfig {
  const parsed = AppConfigSchema.safeParse(fromEnv(env));
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => {
    const path = issue.path.join('.');
    const name = ENV_NAME_BY_PATH[path] ?? path;
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    return { field: name, message: missing ? 'is required' : issue.message };
  });
  const summary = errors.map((p) => `${p.field} ${p.message}`).join('; ');
  throw new AppError('configuration_invalid', `Invalid configuration: ${summary}`, { errors });
}
