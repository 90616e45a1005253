// The simulated Entra ID tenant: one HTTPS server on loopback serving
//   /v1.0/...                                   Microsoft Graph (users, users/delta, subscriptions)
//   /{tenant}/oauth2/v2.0/token                 client-credentials token endpoint
//   /{tenant}/v2.0/.well-known/openid-configuration, /{tenant}/discovery/v2.0/keys
//   /{organizations|common|tenant}/oauth2/v2.0/authorize, …/v2.0/adminconsent
//                                               sign-in and consent stand-ins (also mountable elsewhere)
//   /_admin/...                                 JSON admin API (also mountable elsewhere)
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { backgroundScheduler } from '../scheduler';
import { handleAdmin, type AdminBackend } from './admin-api';
import { handleLogin } from './consent-page';
import type { LogFn, SimulatorContext } from './context';
import { TokenCodec } from './delta-engine';
import { tenantIdFromSeed } from './directory-seed';
import { handleGraph } from './graph-routes';
import { BodyTooLargeError, requestUrl, sendJson } from './http-util';
import { loadState, StateSaver, type PersistedState } from './state-store';
import { SubscriptionManager } from './subscriptions';
import { TenantDirectory, type DirectoryChangeEvent, type TenantHooks } from './tenant-directory';
import { AccessTokens, handleJwks, handleOpenIdConfiguration, handleTokenRequest } from './token-endpoint';
import { SignInService } from './sign-in';
import { SimulatorError, type DirectoryControl, type EntraSimulator, type EntraSimulatorOptions, type SimulatedTenantSpec, type TenantSummary } from './types';

export const DEFAULT_TENANTS: readonly SimulatedTenantSpec[] = [
  { name: 'Contoso', domain: 'contoso.example', userCount: 300, seed: 1 },
  { name: 'Fabrikam', domain: 'fabrikam.example', userCount: 40, seed: 2 },
];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function originFor(host: string, port: number): string {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `https://${h}:${port}`;
}

function validateOptions(options: EntraSimulatorOptions): void {
  if (!options.clientId) throw new Error('startEntraSimulator: clientId is required');
  for (const uri of options.allowedRedirectUris) {
    try {
      new URL(uri);
    } catch {
      throw new Error(`startEntraSimulator: allowedRedirectUris contains an invalid URL: ${uri}`);
    }
  }
  if (options.deltaPageSize !== undefined && !(Number.isInteger(options.deltaPageSize) && options.deltaPageSize >= 1 && options.deltaPageSize <= 999)) {
    throw new Error('startEntraSimulator: deltaPageSize must be an integer between 1 and 999');
  }
}

function directoryControl(ctx: SimulatorContext, dir: TenantDirectory): DirectoryControl {
  return {
    tenantId: dir.id,
    listUsers: () => dir.listUsers(),
    listDeletedUsers: () => dir.listDeletedUsers(),
    getUser: (id) => dir.getUser(id),
    addUser: (partial) => dir.addUser(partial),
    updateUser: (id, patch) => dir.updateUser(id, patch),
    disableUser: (id) => dir.updateUser(id, { accountEnabled: false }),
    enableUser: (id) => dir.updateUser(id, { accountEnabled: true }),
    softDeleteUser: (id) => {
      dir.softDeleteUser(id);
    },
    restoreUser: (id) => dir.restoreUser(id),
    hardDeleteUser: (id) => {
      dir.hardDeleteUser(id);
    },
    throttle: (count, retryAfterSeconds) => {
      dir.throttle(count, retryAfterSeconds);
    },
    resetDeltaState: () => {
      dir.resetDeltaState();
    },
    expireDeltaTokens: () => {
      dir.expireDeltaTokens();
    },
    revokeConsent: () => {
      ctx.setConsent(dir.id, false);
    },
    grantConsent: () => {
      ctx.setConsent(dir.id, true);
    },
    subscriptions: () => ctx.subscriptions.list(dir.id),
    listGroups: (prefix) => dir.groups.list(prefix),
    addGroup: (input) => dir.groups.addGroup(input),
    addGroupMember: (groupId, memberId) => dir.groups.addMember(groupId, memberId),
    removeGroupMember: (groupId, memberId) => dir.groups.removeMember(groupId, memberId),
    deleteGroup: (groupId) => {
      dir.groups.deleteGroup(groupId);
    },
    setGroupPermission: (granted) => {
      dir.setGroupPermission(granted);
    },
    sendLifecycleEvent: (subscriptionId, event) => {
      if (ctx.subscriptions.get(dir.id, subscriptionId) === undefined) throw new SimulatorError(404, `No subscription ${subscriptionId} in tenant ${dir.id}`);
      ctx.subscriptions.sendLifecycle(dir.id, subscriptionId, event);
    },
  };
}

export async function startEntraSimulator(options: EntraSimulatorOptions): Promise<EntraSimulator> {
  validateOptions(options);
  const log: LogFn = options.log ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const scheduler = options.scheduler ?? backgroundScheduler;
  const host = options.host ?? '127.0.0.1';
  const started = Date.now();

  const persisted = options.stateFile ? await loadState(options.stateFile) : null;
  const signingKeyPem = persisted?.signingKeyPem ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const tokenSecret = persisted?.tokenSecret ?? randomBytes(32).toString('base64');
  const idTokenKeyPem = persisted?.idTokenKeyPem ?? SignInService.newKeyPem();

  let saver: StateSaver | null = null;
  const stateChanged = (): void => saver?.markDirty();
  const tenants = new Map<string, TenantDirectory>();
  const subscriptions = new SubscriptionManager({
    clientId: options.clientId,
    now,
    scheduler,
    log,
    batchWindowMs: options.notificationBatchWindowMs ?? 250,
    allowHttpNotificationUrls: options.allowHttpNotificationUrls ?? false,
    isConsented: (tenantId) => tenants.get(tenantId)?.consentGranted ?? false,
    stateChanged,
  });
  const hooks: TenantHooks = {
    changed: (event: DirectoryChangeEvent) => {
      subscriptions.onDirectoryChange(event);
      stateChanged();
    },
    stateChanged,
  };

  for (const spec of options.tenants ?? DEFAULT_TENANTS) {
    const id = (spec.id ?? tenantIdFromSeed(spec.seed)).toLowerCase();
    if (!GUID.test(id)) throw new Error(`startEntraSimulator: tenant id ${id} is not a GUID`);
    if (tenants.has(id)) throw new Error(`startEntraSimulator: duplicate tenant id ${id} (give tenants distinct seeds or ids)`);
    const stored = persisted?.tenants.find((t) => t.id === id);
    const dir = stored ? TenantDirectory.restored(stored, hooks, now) : TenantDirectory.seeded(id, spec, hooks, now);
    tenants.set(id, dir);
  }
  subscriptions.load((persisted?.subscriptions ?? []).filter((s) => tenants.has(s.tenantId)));

  let origin = '';
  const findTenant = (idOrDomain: string): TenantDirectory | undefined => {
    const key = idOrDomain.toLowerCase();
    const byId = tenants.get(key);
    if (byId) return byId;
    for (const t of tenants.values()) if (t.domain === key || t.onMicrosoftDomain === key) return t;
    return undefined;
  };
  const ctx: SimulatorContext = {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    allowedRedirectUris: [...options.allowedRedirectUris],
    deltaPageSize: options.deltaPageSize ?? 200,
    now,
    log,
    origin: () => origin,
    tenants,
    findTenant,
    accessTokens: new AccessTokens(signingKeyPem),
    signIn: new SignInService(idTokenKeyPem),
    codec: new TokenCodec(Buffer.from(tokenSecret, 'base64')),
    subscriptions,
    setConsent: (tenantId, granted) => {
      const dir = tenants.get(tenantId);
      if (!dir) throw new SimulatorError(404, `No tenant ${tenantId}`);
      const was = dir.consentGranted;
      dir.setConsent(granted);
      if (was && !granted) {
        log('consent.revoked', { tenantId });
        subscriptions.lifecycleForTenant(tenantId, 'reauthorizationRequired');
      } else if (!was && granted) log('consent.granted', { tenantId });
    },
  };

  const directory = (tenantId: string): DirectoryControl => {
    const dir = findTenant(tenantId);
    if (!dir) throw new SimulatorError(404, `Unknown simulated tenant ${tenantId}`);
    return directoryControl(ctx, dir);
  };
  const summaries = (): TenantSummary[] =>
    [...tenants.values()].map((t) => ({ id: t.id, name: t.name, domain: t.domain, userCount: t.liveCount, consentGranted: t.consentGranted }));
  const adminBackend: AdminBackend = {
    tenants: summaries,
    directory,
    subscriptionTenant: (id) => subscriptions.tenantOf(id),
    injectIdTokenFault: (fault) => {
      ctx.signIn.injectFault(fault);
    },
  };

  if (options.stateFile) {
    const snapshot = (): PersistedState => ({
      version: 1,
      savedAt: now().toISOString(),
      ...(origin ? { port: Number(new URL(origin).port) } : {}),
      signingKeyPem,
      idTokenKeyPem,
      tokenSecret,
      tenants: [...tenants.values()].map((t) => t.toPersisted()),
      subscriptions: subscriptions.toPersisted(),
    });
    saver = new StateSaver(options.stateFile, snapshot, log, scheduler);
    const seededNow = [...tenants.keys()].some((id) => !persisted?.tenants.some((t) => t.id === id));
    if (seededNow || persisted?.idTokenKeyPem === undefined) saver.markDirty();
  }

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req);
    const path = url.pathname;
    if (path === '/v1.0' || path.startsWith('/v1.0/')) {
      await handleGraph(ctx, req, res, url);
      return;
    }
    if (path === '/_admin' || path.startsWith('/_admin/')) {
      await handleAdmin(adminBackend, req, res, '/_admin');
      return;
    }
    const segs = path.split('/').filter(Boolean);
    const [tenantSeg, a, b, c] = segs;
    if (tenantSeg !== undefined) {
      if (segs.length === 4 && a === 'oauth2' && b === 'v2.0' && c === 'token') {
        await handleTokenRequest(ctx, req, res, tenantSeg);
        return;
      }
      if ((segs.length === 4 && a === 'v2.0' && b === '.well-known' && c === 'openid-configuration') || (segs.length === 3 && a === '.well-known' && b === 'openid-configuration')) {
        handleOpenIdConfiguration(ctx, res, tenantSeg);
        return;
      }
      if ((segs.length === 4 && a === 'discovery' && b === 'v2.0' && c === 'keys') || (segs.length === 3 && a === 'discovery' && b === 'keys')) {
        handleJwks(ctx, res);
        return;
      }
      if ((segs.length === 3 && a === 'v2.0' && b === 'adminconsent') || (segs.length === 4 && a === 'oauth2' && b === 'v2.0' && c === 'authorize')) {
        await handleLogin(ctx, req, res, '');
        return;
      }
    }
    sendJson(res, 404, { error: 'not_found', error_description: 'No such endpoint on the Entra simulator.' });
  };

  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key }, (req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof BodyTooLargeError) {
        sendJson(res, 413, { error: 'request_too_large', error_description: err.message });
        return;
      }
      log('http.error', { error: err instanceof Error ? err.name : 'unknown' });
      sendJson(res, 500, { error: 'internal_error' });
    });
  });
  const listen = (port: number): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  const requestedPort = options.port ?? 0;
  // With a state file and no fixed port, come back on the previous port when it is free: the app
  // stores absolute deltaLinks, which should keep working across a restart.
  if (requestedPort === 0 && persisted?.port !== undefined) {
    try {
      await listen(persisted.port);
    } catch {
      log('entra_simulator.port_changed', { previousPort: persisted.port });
      await listen(0);
    }
  } else {
    await listen(requestedPort);
  }
  const port = (server.address() as AddressInfo).port;
  origin = originFor(host, port);
  if (saver && persisted?.port !== port) saver.markDirty();
  log('entra_simulator.started', { origin, tenants: tenants.size, users: summaries().reduce((n, t) => n + t.userCount, 0), restored: persisted !== null, ms: Date.now() - started });

  let closing: Promise<void> | null = null;
  return {
    origin,
    graphBaseUrl: `${origin}/v1.0`,
    authorityHost: origin,
    tenants: summaries,
    directory,
    handleLogin: (req, res, basePath) => handleLogin(ctx, req, res, basePath),
    handleAdmin: (req, res, basePath) => handleAdmin(adminBackend, req, res, basePath),
    whenIdle: async () => {
      await subscriptions.whenIdle();
      await saver?.whenIdle();
    },
    close: () => {
      closing ??= (async () => {
        await subscriptions.close();
        await saver?.close();
        await new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
          server.closeAllConnections();
        });
        log('entra_simulator.closed', { origin });
      })();
      return closing;
    },
  };
}
