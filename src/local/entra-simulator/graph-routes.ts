// Microsoft Graph v1.0 routes: users, users/delta, groups and groups/delta (graph-group-routes.ts),
// organization, subscriptions.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimulatorContext } from './context';
import { checkRoundToken, deltaPage, listPage, parseSelect, projectUser, selectionOf, type RoundToken } from './delta-engine';
import { GraphFailure, requestIds, sendGraphError, sendGraphJson, type RequestIds } from './graph-error';
import { BodyTooLargeError, readJson, sendEmpty } from './http-util';
import type { TenantDirectory } from './tenant-directory';
import { graphHeaders } from './graph-error';
import { getGroup, groupsDelta, listGroups } from './graph-group-routes';

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const USERS_DEFAULT_TOP = 100;
const USERS_MAX_TOP = 999;

function unsupported(option: string, where: string): GraphFailure {
  return new GraphFailure(400, 'Request_UnsupportedQuery', `The query option '$${option}' is not supported on ${where}.`);
}

/** OData query options keyed by lower-case name without `$`; duplicates rejected. */
function queryOptions(url: URL): Map<string, string> {
  const out = new Map<string, string>();
  for (const [rawKey, value] of url.searchParams) {
    const key = rawKey.replace(/^\$/, '').toLowerCase();
    if (out.has(key)) throw new GraphFailure(400, 'BadRequest', `Query option '${rawKey}' was specified more than once.`);
    out.set(key, value);
  }
  return out;
}

function rejectOptions(opts: Map<string, string>, names: readonly string[], where: string): void {
  for (const name of names) if (opts.has(name)) throw unsupported(name, where);
}

function authenticate(ctx: SimulatorContext, req: IncomingMessage): TenantDirectory {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const challenge = {
    'WWW-Authenticate': `Bearer realm="", authorization_uri="${ctx.origin()}/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
  };
  if (!match?.[1]) throw new GraphFailure(401, 'InvalidAuthenticationToken', 'Access token is empty.', challenge);
  const result = ctx.accessTokens.verify(match[1], ctx.now());
  if (!result.ok) throw new GraphFailure(401, 'InvalidAuthenticationToken', result.message, challenge);
  const tenant = ctx.tenants.get(result.claims.tid);
  if (!tenant || result.claims.appid !== ctx.clientId) {
    throw new GraphFailure(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.', challenge);
  }
  if (!tenant.consentGranted) throw new GraphFailure(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  return tenant;
}

function methodNotAllowed(): GraphFailure {
  return new GraphFailure(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
}

function contextFor(base: string, select: readonly string[] | null): string {
  if (select === null) return `${base}/$metadata#users`;
  return `${base}/$metadata#users(${select.filter((s) => s !== 'manager').join(',')})`;
}

function freshStartUrl(base: string, select: readonly string[] | null): string {
  return select === null ? `${base}/users/delta` : `${base}/users/delta?$select=${select.join(',')}`;
}

interface Reply {
  status: number;
  body?: unknown;
}

function listUsers(ctx: SimulatorContext, tenant: TenantDirectory, opts: Map<string, string>, base: string): Reply {
  rejectOptions(opts, ['expand', 'orderby', 'filter', 'search', 'count'], 'users in the simulator');
  if (opts.has('skip')) throw new GraphFailure(400, 'Request_BadRequest', "'$skip' is not supported by the service.");
  let position = 0;
  let top = USERS_DEFAULT_TOP;
  let select: string[] | null = null;
  const skipToken = opts.get('skiptoken');
  if (skipToken !== undefined) {
    const token = ctx.codec.decodeList(skipToken);
    if (token?.t !== tenant.id) throw new GraphFailure(400, 'Request_BadRequest', 'Invalid skip token.');
    position = token.p;
    top = token.top;
    select = token.sel;
  } else {
    const rawTop = opts.get('top');
    if (rawTop !== undefined) {
      top = /^\d+$/.test(rawTop) ? Number(rawTop) : NaN;
      if (!(top >= 1 && top <= USERS_MAX_TOP)) {
        throw new GraphFailure(400, 'Request_BadRequest', `Invalid page size specified: '${rawTop}'. Must be between 1 and ${USERS_MAX_TOP} inclusive.`);
      }
    }
    const parsed = parseSelect(opts.get('select'), false);
    if (!parsed.ok) throw new GraphFailure(400, 'BadRequest', parsed.message);
    select = parsed.select;
  }
  const page = listPage(tenant, position, top, select);
  const body: Record<string, unknown> = { '@odata.context': contextFor(base, select) };
  if (!page.done) body['@odata.nextLink'] = `${base}/users?$skiptoken=${ctx.codec.encode({ k: 'list', t: tenant.id, p: page.position, top, sel: select })}`;
  body.value = page.items;
  return { status: 200, body };
}

function delta(ctx: SimulatorContext, tenant: TenantDirectory, opts: Map<string, string>, base: string): Reply {
  rejectOptions(opts, ['top', 'expand', 'orderby', 'filter', 'search', 'count', 'skip'], 'users/delta');
  const now = ctx.now();
  const deltaToken = opts.get('deltatoken');
  const skipToken = opts.get('skiptoken');
  if (deltaToken !== undefined && skipToken !== undefined) throw new GraphFailure(400, 'badRequest', 'Specify either $deltatoken or $skiptoken, not both.');
  let round: Pick<RoundToken, 's' | 'u' | 'p' | 'f' | 'sel'>;

  const decode = (raw: string, kind: 'delta' | 'skip'): RoundToken => {
    const token = ctx.codec.decodeRound(raw);
    if (token?.k !== kind) throw new GraphFailure(400, 'badRequest', `The ${kind === 'delta' ? 'delta' : 'skip'} token is malformed or not recognised.`);
    const check = checkRoundToken(token, tenant, now);
    if (!check.ok) {
      if (check.kind === 'reset') {
        throw new GraphFailure(410, 'resyncRequired', 'Resync required: the delta state was reset. Start a new round from the URL in the Location header.', {
          Location: freshStartUrl(base, token.sel),
        });
      }
      if (check.kind === 'expired') {
        throw new GraphFailure(400, 'syncStateNotFound', 'The sync state was not found or has expired (delta tokens are valid for 7 days). Start a new round without a delta token.');
      }
      throw new GraphFailure(400, 'badRequest', 'The token is not valid for this tenant.');
    }
    return token;
  };

  if (deltaToken === 'latest') {
    const parsed = parseSelect(opts.get('select'), true);
    if (!parsed.ok) throw new GraphFailure(400, 'BadRequest', parsed.message);
    round = { s: tenant.seq, u: tenant.seq, p: tenant.seq, f: false, sel: parsed.select };
  } else if (deltaToken !== undefined) {
    const token = decode(deltaToken, 'delta');
    round = { s: token.s, u: tenant.seq, p: token.s, f: false, sel: token.sel };
  } else if (skipToken !== undefined) {
    round = decode(skipToken, 'skip');
  } else {
    const parsed = parseSelect(opts.get('select'), true);
    if (!parsed.ok) throw new GraphFailure(400, 'BadRequest', parsed.message);
    round = { s: 0, u: tenant.seq, p: 0, f: true, sel: parsed.select };
  }

  const page = deltaPage(tenant, round, ctx.deltaPageSize);
  const common = { t: tenant.id, r: tenant.resetEpoch, x: tenant.expiryEpoch, i: now.getTime(), sel: round.sel };
  const body: Record<string, unknown> = { '@odata.context': contextFor(base, round.sel) };
  if (page.done) {
    const token = ctx.codec.encode({ ...common, k: 'delta', s: round.u, u: round.u, p: round.u, f: false });
    body['@odata.deltaLink'] = `${base}/users/delta?$deltatoken=${token}`;
  } else {
    const token = ctx.codec.encode({ ...common, k: 'skip', s: round.s, u: round.u, p: page.position, f: round.f });
    body['@odata.nextLink'] = `${base}/users/delta?$skiptoken=${token}`;
  }
  body.value = page.items;
  return { status: 200, body };
}

function notFoundUser(id: string): GraphFailure {
  return new GraphFailure(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

function getUser(tenant: TenantDirectory, id: string, opts: Map<string, string>, base: string): Reply {
  rejectOptions(opts, ['expand'], 'users/{id} in the simulator');
  const parsed = parseSelect(opts.get('select'), false);
  if (!parsed.ok) throw new GraphFailure(400, 'BadRequest', parsed.message);
  const rec = tenant.liveRecord(id);
  if (!rec) throw notFoundUser(id);
  return { status: 200, body: { '@odata.context': `${contextFor(base, parsed.select)}/$entity`, ...projectUser(rec, selectionOf(parsed.select)) } };
}

function getManager(tenant: TenantDirectory, id: string, base: string): Reply {
  const rec = tenant.liveRecord(id);
  if (!rec) throw notFoundUser(id);
  const manager = rec.user.managerId ? tenant.liveRecord(rec.user.managerId) : undefined;
  if (!manager) throw notFoundUser('manager');
  return {
    status: 200,
    body: { '@odata.context': `${base}/$metadata#directoryObjects/$entity`, '@odata.type': '#microsoft.graph.user', ...projectUser(manager, selectionOf(null)) },
  };
}

function organization(tenant: TenantDirectory, base: string): Reply {
  return {
    status: 200,
    body: {
      '@odata.context': `${base}/$metadata#organization`,
      value: [
        {
          id: tenant.id,
          displayName: tenant.name,
          tenantType: 'AAD',
          verifiedDomains: [
            { name: tenant.domain, isDefault: true, isInitial: false, type: 'Managed', capabilities: 'Email, OfficeCommunicationsOnline' },
            { name: tenant.onMicrosoftDomain, isDefault: false, isInitial: true, type: 'Managed', capabilities: 'Email, OfficeCommunicationsOnline' },
          ],
        },
      ],
    },
  };
}

async function subscriptions(ctx: SimulatorContext, req: IncomingMessage, tenant: TenantDirectory, segs: string[], base: string): Promise<Reply> {
  const method = req.method ?? 'GET';
  const [, id, action] = segs;
  if (id === undefined) {
    if (method === 'GET') return { status: 200, body: { '@odata.context': `${base}/$metadata#subscriptions`, value: ctx.subscriptions.list(tenant.id) } };
    if (method === 'POST') {
      const sub = await ctx.subscriptions.create(tenant.id, await readJson(req));
      return { status: 201, body: { '@odata.context': `${base}/$metadata#subscriptions/$entity`, ...sub } };
    }
    throw methodNotAllowed();
  }
  if (action === undefined && segs.length === 2) {
    if (method === 'GET') {
      const sub = ctx.subscriptions.get(tenant.id, id);
      if (!sub) throw new GraphFailure(404, 'ResourceNotFound', `The object was not found. Subscription '${id}' does not exist.`);
      return { status: 200, body: { '@odata.context': `${base}/$metadata#subscriptions/$entity`, ...sub } };
    }
    if (method === 'PATCH') {
      const sub = ctx.subscriptions.update(tenant.id, id, await readJson(req));
      return { status: 200, body: { '@odata.context': `${base}/$metadata#subscriptions/$entity`, ...sub } };
    }
    if (method === 'DELETE') {
      ctx.subscriptions.delete(tenant.id, id);
      return { status: 204 };
    }
    throw methodNotAllowed();
  }
  if (action === 'reauthorize' && segs.length === 3) {
    if (method !== 'POST') throw methodNotAllowed();
    ctx.subscriptions.reauthorize(tenant.id, id);
    return { status: 204 };
  }
  throw new GraphFailure(400, 'BadRequest', `Resource not found for the segment '${action ?? ''}'.`);
}

function routeLabel(segs: string[]): string {
  const [a, b, c] = segs;
  if (a === 'users') return b === undefined ? '/users' : b.startsWith('delta') ? '/users/delta' : c === undefined ? '/users/{id}' : `/users/{id}/${c}`;
  if (a === 'groups') return b === undefined ? '/groups' : b.startsWith('delta') ? '/groups/delta' : '/groups/{id}';
  if (a === 'subscriptions') return b === undefined ? '/subscriptions' : c === undefined ? '/subscriptions/{id}' : `/subscriptions/{id}/${c}`;
  return a === undefined ? '/' : `/${a}`;
}

/** Handles `/v1.0/...`. `url` is the parsed request URL. */
export async function handleGraph(ctx: SimulatorContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const ids: RequestIds = requestIds(req.headers['client-request-id']);
  const base = `${ctx.origin()}/v1.0`;
  const segs = url.pathname.split('/').filter(Boolean).slice(1).map(safeDecode);
  const method = req.method ?? 'GET';
  let tenantId: string | undefined;
  try {
    const tenant = authenticate(ctx, req);
    tenantId = tenant.id;
    const retryAfter = tenant.takeThrottle();
    if (retryAfter !== null) {
      throw new GraphFailure(429, 'TooManyRequests', 'Too many requests. Retry after the number of seconds in the Retry-After header.', {
        'Retry-After': String(retryAfter),
      });
    }
    const opts = queryOptions(url);
    const [first, second, third] = segs;
    let reply: Reply;
    if (first === 'users') {
      if (second === undefined) {
        if (method !== 'GET') throw method === 'POST' ? new GraphFailure(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.') : methodNotAllowed();
        reply = listUsers(ctx, tenant, opts, base);
      } else if ((second === 'delta' || second === 'delta()') && third === undefined) {
        if (method !== 'GET') throw methodNotAllowed();
        reply = delta(ctx, tenant, opts, base);
      } else if (third === undefined && segs.length === 2) {
        if (method !== 'GET') throw new GraphFailure(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
        reply = getUser(tenant, second, opts, base);
      } else if (third === 'manager' && segs.length === 3) {
        if (method !== 'GET') throw methodNotAllowed();
        reply = getManager(tenant, second, base);
      } else {
        throw new GraphFailure(400, 'BadRequest', `Resource not found for the segment '${third ?? ''}'.`);
      }
    } else if (first === 'groups') {
      if (method !== 'GET') throw methodNotAllowed();
      if (second === undefined) reply = listGroups(tenant, opts, base);
      else if ((second === 'delta' || second === 'delta()') && third === undefined) reply = groupsDelta(ctx, tenant, opts, base);
      else if (third === undefined) reply = getGroup(tenant, second, opts, base);
      else throw new GraphFailure(400, 'BadRequest', `Resource not found for the segment '${third}'.`);
    } else if (first === 'organization' && segs.length === 1) {
      if (method !== 'GET') throw methodNotAllowed();
      reply = organization(tenant, base);
    } else if (first === 'subscriptions') {
      reply = await subscriptions(ctx, req, tenant, segs, base);
    } else {
      throw new GraphFailure(400, 'BadRequest', `Resource not found for the segment '${first ?? ''}'.`);
    }
    if (reply.body === undefined) sendEmpty(res, reply.status, graphHeaders(ids));
    else sendGraphJson(res, reply.status, reply.body, ids);
  } catch (err) {
    let failure: GraphFailure;
    if (err instanceof GraphFailure) failure = err;
    else if (err instanceof SyntaxError) failure = new GraphFailure(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
    else if (err instanceof BodyTooLargeError) failure = new GraphFailure(413, 'RequestEntityTooLarge', err.message);
    else {
      ctx.log('graph.error', { route: routeLabel(segs), error: err instanceof Error ? err.name : 'unknown' });
      failure = new GraphFailure(500, 'generalException', 'An internal error occurred in the simulator.');
    }
    if (!res.headersSent) sendGraphError(res, failure, ids, ctx.now());
    else res.destroy();
  }
  ctx.log('graph.request', { method, route: routeLabel(segs), status: res.statusCode, tenantId, requestId: ids.requestId });
}
