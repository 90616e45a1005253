import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServices } from '../app/composition-root';
import { registeredFunctions } from '../app/function-registry';
import { installServices, Services } from '../app/services';
import { AppConfig, loadConfig } from '../config/config';
import '../functions';
import { startLocalCosmos } from './cosmos/local-cosmos-server';
import { EntraSimulator, startEntraSimulator } from './entra-simulator';
import { ensureLocalKeys, LOCAL_AUDIENCE, LOCAL_ISSUER, LocalKeys } from './local-auth-keys';
import { LocalHost, startLocalHost } from './local-host';
import { outboxEndpoint, queuesEndpoint } from './local-pages';
import { CONSOLE_DIST } from './console-build';
import { consoleStatic, rootRedirect } from './console-static';
import { identitiesEndpoint, tokenEndpoint } from './token-identities';
import { InProcessBroker } from './queue/in-process-broker';

/**
 * The embedded local stack behind `npm start`: a real Cosmos-protocol server, the simulated
 * Entra tenant, the in-process broker, and the local Functions host — all on loopback, all
 * state under one data directory.
 */

export const LOCAL_CLIENT_ID = 'a7c5e1f0-5b1e-4c47-9a53-3f1c2d7e8b90';
export const LOCAL_MAIL_FROM = 'entra-sync@symbol.example';

export interface LocalStackOptions {
  dataDir: string;
  host?: string;
  port: number;
  reset?: boolean;
  /** Users in the main simulated tenant (default 300). */
  simulatedUsers?: number;
  /** Extra environment (overrides such as GRAPH_BASE_URL); defaults to process.env. */
  env?: Record<string, string | undefined>;
  log?: (event: string, fields: Record<string, unknown>) => void;
  /** Broker retry delay (tests make it short). */
  retryDelayMs?: number;
  /** The built console served at `/console/` (default: web/dist of this repository). */
  consoleDir?: string;
}

export interface LocalStack {
  url: string;
  config: AppConfig;
  services: Services;
  broker: InProcessBroker;
  simulator: EntraSimulator | null;
  keys: LocalKeys;
  outboxDir: string;
  close(): Promise<void>;
}

function ensureSecretsFile(file: string): void {
  if (existsSync(file)) return;
  const secrets = {
    'state-signing-key': randomBytes(32).toString('base64url'),
    'entra-client-secret': randomBytes(24).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
}

/** `--reset`: drop all local state except the TLS certificate the launcher already trusts. */
function resetDataDir(dataDir: string): void {
  if (!existsSync(dataDir)) return;
  for (const entry of readdirSync(dataDir)) {
    if (entry === 'tls') continue;
    rmSync(join(dataDir, entry), { recursive: true, force: true });
  }
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const host = options.host ?? '127.0.0.1';
  const dataDir = resolve(options.dataDir);
  if (options.reset) resetDataDir(dataDir);
  mkdirSync(dataDir, { recursive: true });
  const outboxDir = join(dataDir, 'outbox');
  mkdirSync(outboxDir, { recursive: true });
  const secretsFile = join(dataDir, 'secrets.json');
  ensureSecretsFile(secretsFile);
  const keys = await ensureLocalKeys(dataDir);

  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        log('local.close_failed', { error: error instanceof Error ? error.message : String(error) });
      }
    }
  };

  try {
    const publicBaseUrl = `http://${host}:${options.port}`;
    const cosmos = await startLocalCosmos({ host, port: 0, dataDir: join(dataDir, 'cosmos'), legacySnapshotFile: join(dataDir, 'cosmos.json'), log });
    closers.push(() => cosmos.close());

    let simulator: EntraSimulator | null = null;
    const graphOverride = env.GRAPH_BASE_URL?.trim();
    const certFile = env.LOCAL_TLS_CERT_FILE;
    const keyFile = env.LOCAL_TLS_KEY_FILE;
    if (!certFile || !keyFile) throw new Error('LOCAL_TLS_CERT_FILE/LOCAL_TLS_KEY_FILE are not set: start the local stack with `npm start`.');
    const clientSecret = (JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>)['entra-client-secret'];
    simulator = await startEntraSimulator({
      host,
      port: 0,
      tls: { cert: readFileSync(certFile), key: readFileSync(keyFile) },
      clientId: LOCAL_CLIENT_ID,
      ...(clientSecret ? { clientSecret } : {}),
      allowedRedirectUris: [`${publicBaseUrl}/api/entra/consent/callback`],
      tenants: [
        { name: 'Contoso', domain: 'contoso.example', userCount: options.simulatedUsers ?? 300, seed: 1 },
        { name: 'Fabrikam', domain: 'fabrikam.example', userCount: 40, seed: 2 },
      ],
      stateFile: join(dataDir, 'entra-simulator.json'),
      allowHttpNotificationUrls: true,
      log,
    });
    const sim = simulator;
    closers.push(() => sim.close());

    const useSendGrid = Boolean(env.SENDGRID_BASE_URL?.trim() && env.SENDGRID_API_KEY?.trim());
    const config = loadConfig({
      ENTRA_CLIENT_ID: LOCAL_CLIENT_ID,
      ENTRA_CREDENTIAL: 'client-secret',
      LOGIN_BASE_URL: env.LOGIN_BASE_URL ?? `${publicBaseUrl}/_local/login`,
      AUTHORITY_HOST: env.AUTHORITY_HOST ?? sim.authorityHost,
      GRAPH_BASE_URL: graphOverride ?? sim.graphBaseUrl,
      PUBLIC_BASE_URL: publicBaseUrl,
      // The console stands in for Symbol's admin UI: consent results and e-mail links land on its pages.
      ADMIN_UI_URL: env.ADMIN_UI_URL ?? `${publicBaseUrl}/console`,
      NOTIFICATION_URL_BASE: env.NOTIFICATION_URL_BASE ?? publicBaseUrl,
      CONSENT_STATE_TTL_SECONDS: env.CONSENT_STATE_TTL_SECONDS ?? '900',
      AUTH_ISSUER: LOCAL_ISSUER,
      AUTH_AUDIENCE: LOCAL_AUDIENCE,
      AUTH_JWKS_FILE: keys.jwksFile,
      COSMOS_ENDPOINT: cosmos.endpoint,
      COSMOS_KEY: cosmos.key,
      COSMOS_DISABLE_ENDPOINT_DISCOVERY: 'true',
      COSMOS_DATABASE: 'entra-sync',
      QUEUE_BACKEND: 'in-process',
      SECRETS_BACKEND: 'file',
      SECRETS_FILE: secretsFile,
      MAIL_BACKEND: useSendGrid ? 'sendgrid' : 'outbox',
      MAIL_FROM: env.MAIL_FROM ?? LOCAL_MAIL_FROM,
      SENDGRID_BASE_URL: env.SENDGRID_BASE_URL,
      SENDGRID_API_KEY: env.SENDGRID_API_KEY,
      OUTBOX_DIR: outboxDir,
      WEBHOOK_COALESCE_SECONDS: env.WEBHOOK_COALESCE_SECONDS,
      SYNC_RECONCILE_SCHEDULE: env.SYNC_RECONCILE_SCHEDULE,
      SYNC_RECONCILE_SPREAD_SECONDS: env.SYNC_RECONCILE_SPREAD_SECONDS,
      SYNC_FULL_ROUND_DAYS: env.SYNC_FULL_ROUND_DAYS,
    });

    const broker = new InProcessBroker({ stateFile: join(dataDir, 'queues.json'), log, ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}) });
    closers.push(() => broker.close());
    const services = await createServices(config, { inProcessQueue: broker, log });
    installServices(services);

    const localHost: LocalHost = await startLocalHost({
      host,
      port: options.port,
      services,
      broker,
      functions: registeredFunctions(),
      log,
      // `%SYNC_RECONCILE_SCHEDULE%` resolves like in Azure: from the environment, else the config's default.
      settings: env,
      scheduleDefaults: { SYNC_RECONCILE_SCHEDULE: config.reconcile.schedule },
      extraRoutes: [
        { prefix: '/_local/login', handler: (req, res) => sim.handleLogin(req, res, '/_local/login') },
        { prefix: '/_local/entra', handler: (req, res) => sim.handleAdmin(req, res, '/_local/entra') },
        { prefix: '/_local/queues', handler: queuesEndpoint(broker, ['sync-jobs', 'notifications']) },
        { prefix: '/_local/outbox', handler: outboxEndpoint(outboxDir) },
        { prefix: '/_local/identities', handler: identitiesEndpoint() },
        { prefix: '/_local/token', handler: tokenEndpoint(keys) },
        { prefix: '/console', handler: consoleStatic(options.consoleDir ?? CONSOLE_DIST) },
        // Local Cosmos server figures (document writes per container, query executions, journal).
        {
          prefix: '/_local/cosmos',
          handler: (_req, res) => {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify(cosmos.stats()));
            return Promise.resolve();
          },
        },
        { prefix: '/', handler: rootRedirect },
      ],
    });
    closers.push(() => localHost.close());

    return { url: localHost.url, config, services, broker, simulator, keys, outboxDir, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
