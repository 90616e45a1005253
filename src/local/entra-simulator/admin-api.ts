// JSON admin API for the simulated tenants (mountable under any base path). Errors: `{ error }`.
//
//   GET    /tenants
//   POST   /sign-in/faults {idToken: unknown_key|bad_signature|wrong_audience|wrong_issuer|expired|other_nonce}  (next id_token only)
//   GET    /tenants/{tid}/users?search=&limit=&offset=
//   GET    /tenants/{tid}/deleted-users
//   GET    /tenants/{tid}/users/{id}
//   POST   /tenants/{tid}/users                              (partial user → 201)
//   PATCH  /tenants/{tid}/users/{id}
//   POST   /tenants/{tid}/users/{id}/{disable|enable|soft-delete|restore}
//   DELETE /tenants/{tid}/users/{id}                         (hard delete → 204)
//   POST   /tenants/{tid}/throttle {count, retryAfterSeconds}
//   POST   /tenants/{tid}/{reset-delta|expire-delta|revoke-consent|grant-consent}
//   GET    /tenants/{tid}/subscriptions
//   GET    /tenants/{tid}/groups?search=   POST /tenants/{tid}/groups {displayName, memberIds?}   DELETE /tenants/{tid}/groups/{gid}
//   POST   /tenants/{tid}/groups/{gid}/members {id}   DELETE /tenants/{tid}/groups/{gid}/members/{memberId}
//   POST   /tenants/{tid}/{grant-group-permission|revoke-group-permission}   (GroupMember.Read.All in the tenant's consent)
//   POST   /subscriptions/{id}/lifecycle {event}
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { BodyTooLargeError, pathBelow, readJson, requestUrl, sendEmpty, sendJson } from './http-util';
import { SimulatorError, type DirectoryControl, type SimulatedUser, type TenantSummary } from './types';
import { ID_TOKEN_FAULTS, type IdTokenFault } from './sign-in';
import { GraphFailure } from './graph-error';
import { userInputSchema, userPatchSchema } from './user-schema';

export interface AdminBackend {
  tenants(): TenantSummary[];
  /** Throws for an unknown tenant. */
  directory(tenantId: string): DirectoryControl;
  /** Tenant owning a live subscription. */
  subscriptionTenant(subscriptionId: string): string | undefined;
  /** Spoils the next id_token the token endpoint issues (tests of the backend's validation). */
  injectIdTokenFault(fault: IdTokenFault): void;
}

const throttleSchema = z.object({ count: z.number().int().min(0).max(100_000), retryAfterSeconds: z.number().min(0).max(3600) }).strict();
const groupInputSchema = z.object({ displayName: z.string().min(1).max(256), description: z.string().max(1024).nullable().optional(), memberIds: z.array(z.string().max(64)).max(10_000).optional() }).strict();
const memberSchema = z.object({ id: z.string().min(1).max(64) }).strict();
const faultSchema = z.object({ idToken: z.enum(ID_TOKEN_FAULTS) }).strict();
const lifecycleSchema = z.object({ event: z.enum(['reauthorizationRequired', 'subscriptionRemoved', 'missed']) }).strict();
const listQuerySchema = z.object({
  search: z.string().max(256).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AdminError(400, issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid request');
  }
  return result.data;
}

function matches(user: SimulatedUser, needle: string): boolean {
  return [user.displayName, user.userPrincipalName, user.mail ?? '', user.id, user.jobTitle ?? '', user.department ?? ''].some((v) => v.toLowerCase().includes(needle));
}

type Reply = { status: number; body?: unknown };

async function dispatch(backend: AdminBackend, req: IncomingMessage, segs: string[], query: URLSearchParams): Promise<Reply> {
  const method = req.method ?? 'GET';
  const [root, tid, section, id, action] = segs;
  const body = async (): Promise<unknown> => (await readJson(req, 256 * 1024)) ?? {};

  if (root === 'tenants' && tid === undefined && method === 'GET') return { status: 200, body: backend.tenants() };
  if (root === 'sign-in' && tid === 'faults' && segs.length === 2 && method === 'POST') {
    const { idToken } = parse(faultSchema, await body());
    backend.injectIdTokenFault(idToken);
    return { status: 202, body: { ok: true, idToken } };
  }
  if (root === 'subscriptions' && tid !== undefined && section === 'lifecycle' && segs.length === 3 && method === 'POST') {
    const { event } = parse(lifecycleSchema, await body());
    const tenantId = backend.subscriptionTenant(tid);
    if (!tenantId) throw new AdminError(404, `No subscription ${tid}`);
    backend.directory(tenantId).sendLifecycleEvent(tid, event);
    return { status: 202, body: { ok: true } };
  }
  if (root !== 'tenants' || tid === undefined) throw new AdminError(404, 'Not found');
  let dir: DirectoryControl;
  try {
    dir = backend.directory(tid);
  } catch {
    throw new AdminError(404, `No tenant ${tid}`);
  }

  if (section === 'users' && id === undefined) {
    if (method === 'GET') {
      const q = parse(listQuerySchema, Object.fromEntries(query));
      const needle = q.search?.trim().toLowerCase() ?? '';
      const all = dir.listUsers();
      const hits = needle === '' ? all : all.filter((u) => matches(u, needle));
      return { status: 200, body: { total: hits.length, offset: q.offset, limit: q.limit, users: hits.slice(q.offset, q.offset + q.limit) } };
    }
    if (method === 'POST') return { status: 201, body: dir.addUser(parse(userInputSchema, await body())) };
  }
  if (section === 'deleted-users' && id === undefined && method === 'GET') return { status: 200, body: dir.listDeletedUsers() };
  if (section === 'users' && id !== undefined && action === undefined) {
    if (method === 'GET') {
      const user = dir.getUser(id);
      if (!user) throw new AdminError(404, `No user ${id}`);
      return { status: 200, body: user };
    }
    if (method === 'PATCH') return { status: 200, body: dir.updateUser(id, parse(userPatchSchema, await body())) };
    if (method === 'DELETE') {
      dir.hardDeleteUser(id);
      return { status: 204 };
    }
  }
  if (section === 'users' && id !== undefined && action !== undefined && segs.length === 5 && method === 'POST') {
    switch (action) {
      case 'disable':
        return { status: 200, body: dir.disableUser(id) };
      case 'enable':
        return { status: 200, body: dir.enableUser(id) };
      case 'soft-delete':
        dir.softDeleteUser(id);
        return { status: 200, body: { ok: true } };
      case 'restore':
        return { status: 200, body: dir.restoreUser(id) };
      default:
        throw new AdminError(404, 'Not found');
    }
  }
  if (id === undefined && method === 'POST') {
    switch (section) {
      case 'throttle': {
        const t = parse(throttleSchema, await body());
        dir.throttle(t.count, t.retryAfterSeconds);
        return { status: 200, body: { ok: true, ...t } };
      }
      case 'reset-delta':
        dir.resetDeltaState();
        return { status: 200, body: { ok: true } };
      case 'expire-delta':
        dir.expireDeltaTokens();
        return { status: 200, body: { ok: true } };
      case 'revoke-consent':
        dir.revokeConsent();
        return { status: 200, body: { ok: true } };
      case 'grant-consent':
        dir.grantConsent();
        return { status: 200, body: { ok: true } };
      default:
        break;
    }
  }
  if (section === 'subscriptions' && id === undefined && method === 'GET') return { status: 200, body: dir.subscriptions() };
  if (section === 'groups') {
    if (id === undefined && method === 'GET') return { status: 200, body: dir.listGroups(query.get('search') ?? undefined) };
    if (id === undefined && method === 'POST') return { status: 201, body: dir.addGroup(parse(groupInputSchema, await body())) };
    if (id !== undefined && action === undefined && method === 'DELETE') {
      dir.deleteGroup(id);
      return { status: 204 };
    }
    if (id !== undefined && action === 'members' && segs.length === 5 && method === 'POST') return { status: 200, body: dir.addGroupMember(id, parse(memberSchema, await body()).id) };
    const memberId = segs[5];
    if (id !== undefined && action === 'members' && memberId !== undefined && segs.length === 6 && method === 'DELETE') return { status: 200, body: dir.removeGroupMember(id, memberId) };
  }
  if (id === undefined && method === 'POST' && (section === 'grant-group-permission' || section === 'revoke-group-permission')) {
    dir.setGroupPermission(section === 'grant-group-permission');
    return { status: 200, body: { ok: true } };
  }
  throw new AdminError(404, 'Not found');
}

/** Handles the admin API under `basePath`. Always answers. */
export async function handleAdmin(backend: AdminBackend, req: IncomingMessage, res: ServerResponse, basePath: string): Promise<void> {
  try {
    const url = requestUrl(req);
    const rest = pathBelow(url.pathname, basePath);
    if (rest === null) throw new AdminError(404, 'Not found');
    const segs = rest.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    const reply = await dispatch(backend, req, segs, url.searchParams);
    if (reply.body === undefined) sendEmpty(res, reply.status);
    else sendJson(res, reply.status, reply.body);
  } catch (err) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof AdminError) sendJson(res, err.status, { error: err.message });
    else if (err instanceof SimulatorError) sendJson(res, err.status, { error: err.message });
    else if (err instanceof GraphFailure) sendJson(res, err.status === 404 ? 404 : 400, { error: err.message });
    else if (err instanceof SyntaxError || err instanceof URIError) sendJson(res, 400, { error: 'Malformed request (invalid JSON or URL encoding)' });
    else if (err instanceof BodyTooLargeError) sendJson(res, 413, { error: err.message });
    else sendJson(res, 500, { error: 'Internal error' });
  }
}
