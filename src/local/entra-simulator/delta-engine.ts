// users/delta and users paging: signed opaque tokens, $select projection, O(page) page building.
//
// A delta round covers the change log window (since, until]: `until` is the log length when the
// round started, so changes made while a client pages through a round land in the next round.
// A user is emitted at exactly one log position per round — its first change after `since` — with
// its current state, so each user appears once and nothing changed in the window is lost.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_USER_PROPERTIES, GRAPH_USER_PROPERTIES, type GraphUserProperty } from './user-schema';
import type { TenantDirectory, UserRecord } from './tenant-directory';

/** Directory delta tokens live 7 days. */
export const DELTA_TOKEN_LIFETIME_MS = 7 * 24 * 3600 * 1000;
/** At most this many log entries are examined per page (a page may come back short, even empty). */
const MAX_SCAN_FACTOR = 20;

const roundTokenSchema = z.object({
  k: z.enum(['delta', 'skip']),
  t: z.string(),
  s: z.number().int().nonnegative(),
  u: z.number().int().nonnegative(),
  p: z.number().int().nonnegative(),
  f: z.boolean(),
  sel: z.array(z.string()).nullable(),
  r: z.number().int().nonnegative(),
  x: z.number().int().nonnegative(),
  i: z.number(),
});
export type RoundToken = z.infer<typeof roundTokenSchema>;

const listTokenSchema = z.object({
  k: z.literal('list'),
  t: z.string(),
  p: z.number().int().nonnegative(),
  top: z.number().int().positive(),
  sel: z.array(z.string()).nullable(),
});
export type ListToken = z.infer<typeof listTokenSchema>;

/** Opaque, tamper-evident tokens: base64url(JSON) + "." + truncated HMAC. URL-safe without escaping. */
export class TokenCodec {
  constructor(private readonly secret: Buffer) {}

  encode(payload: RoundToken | ListToken): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** Any other token shape (groups' delta): signed the same way, parsed with its own schema. */
  encodeWith(payload: object): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  decodeWith<T>(token: string, schema: z.ZodType<T>): T | null {
    const parsed = schema.safeParse(this.verify(token));
    return parsed.success ? parsed.data : null;
  }

  decodeRound(token: string): RoundToken | null {
    const data = this.verify(token);
    const parsed = roundTokenSchema.safeParse(data);
    return parsed.success ? parsed.data : null;
  }

  decodeList(token: string): ListToken | null {
    const data = this.verify(token);
    const parsed = listTokenSchema.safeParse(data);
    return parsed.success ? parsed.data : null;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, 18).toString('base64url');
  }

  private verify(token: string): unknown {
    const dot = token.indexOf('.');
    if (dot <= 0) return null;
    const body = token.slice(0, dot);
    const sig = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.sign(body), 'base64url');
    if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) return null;
    try {
      return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
    } catch {
      return null;
    }
  }
}

const CANONICAL = new Map<string, GraphUserProperty>(GRAPH_USER_PROPERTIES.map((p) => [p.toLowerCase(), p]));

export type SelectResult = { ok: true; select: string[] | null } | { ok: false; message: string };

/** Parses `$select` (case-insensitive names; `manager` only where allowed). null = default set. */
export function parseSelect(raw: string | undefined, allowManager: boolean): SelectResult {
  if (raw === undefined) return { ok: true, select: null };
  const out: string[] = [];
  for (const part of raw.split(',')) {
    const name = part.trim();
    if (name === '') continue;
    const lower = name.toLowerCase();
    if (lower === 'manager' && allowManager) {
      if (!out.includes('manager')) out.push('manager');
      continue;
    }
    const canonical = CANONICAL.get(lower);
    if (!canonical) return { ok: false, message: `Could not find a property named '${name}' on type 'microsoft.graph.user'.` };
    if (!out.includes(canonical)) out.push(canonical);
  }
  if (out.length === 0) return { ok: false, message: "Syntax error: '$select' must name at least one property." };
  return { ok: true, select: out };
}

export interface Selection {
  props: readonly GraphUserProperty[];
  manager: boolean;
}

export function selectionOf(select: readonly string[] | null): Selection {
  if (select === null) return { props: DEFAULT_USER_PROPERTIES, manager: false };
  const props: GraphUserProperty[] = ['id'];
  for (const s of select) {
    const canonical = CANONICAL.get(s.toLowerCase());
    if (canonical && !props.includes(canonical)) props.push(canonical);
  }
  return { props, manager: select.includes('manager') };
}

function managerRef(id: string): Record<string, unknown> {
  return { '@odata.type': '#microsoft.graph.user', id };
}

/** The user as Graph returns it for this selection. */
export function projectUser(rec: UserRecord, selection: Selection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const user = rec.user;
  for (const prop of selection.props) out[prop] = user[prop];
  out.id = user.id;
  if (selection.manager && user.managerId) out['manager@delta'] = [managerRef(user.managerId)];
  return out;
}

/** Delta representation of one user for a round starting after `since`; null if nothing selected changed. */
function deltaItem(rec: UserRecord, selection: Selection, since: number, full: boolean): Record<string, unknown> | null {
  if (full) return rec.state === 'live' ? projectUser(rec, selection) : null;
  if (rec.state === 'hardDeleted') return { id: rec.user.id, '@removed': { reason: 'deleted' } };
  if (rec.state === 'softDeleted') return { id: rec.user.id, '@removed': { reason: 'changed' } };
  if (rec.createdSeq > since) return projectUser(rec, selection);
  const out: Record<string, unknown> = { id: rec.user.id };
  let any = false;
  for (const prop of selection.props) {
    if (prop !== 'id' && (rec.propVersions[prop] ?? 0) > since) {
      out[prop] = rec.user[prop];
      any = true;
    }
  }
  if (selection.manager && (rec.propVersions.manager ?? 0) > since) {
    const managerId = rec.user.managerId;
    if (managerId) out['manager@delta'] = [managerRef(managerId)];
    else if (rec.removedManagerId) out['manager@delta'] = [{ ...managerRef(rec.removedManagerId), '@removed': { reason: 'deleted' } }];
    else out['manager@delta'] = [];
    any = true;
  }
  return any ? out : null;
}

/** First element of the ascending `history` greater than `since` (binary search), or undefined. */
function firstAfter(history: readonly number[], since: number): number | undefined {
  let lo = 0;
  let hi = history.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((history[mid] ?? 0) > since) hi = mid;
    else lo = mid + 1;
  }
  return history[lo];
}

export interface DeltaPage {
  items: Array<Record<string, unknown>>;
  /** Log position to continue from. */
  position: number;
  done: boolean;
}

/** Builds one page of a round. Cost is O(pageSize × MAX_SCAN_FACTOR) at most, never O(directory). */
export function deltaPage(dir: TenantDirectory, token: Pick<RoundToken, 's' | 'u' | 'p' | 'f' | 'sel'>, pageSize: number): DeltaPage {
  const selection = selectionOf(token.sel);
  const items: Array<Record<string, unknown>> = [];
  const until = Math.min(token.u, dir.log.length);
  let i = Math.max(token.p, token.s);
  const scanLimit = Math.min(until, i + pageSize * MAX_SCAN_FACTOR);
  while (i < scanLimit && items.length < pageSize) {
    const id = dir.log[i];
    const seq = i + 1;
    i += 1;
    if (id === undefined) continue;
    const rec = dir.records.get(id);
    if (!rec || firstAfter(rec.history, token.s) !== seq) continue;
    const item = deltaItem(rec, selection, token.s, token.f);
    if (item) items.push(item);
  }
  return { items, position: i, done: i >= until };
}

export interface ListPage {
  items: Array<Record<string, unknown>>;
  position: number;
  done: boolean;
}

/** One page of `GET /users` in directory order, skipping deleted or moved (restored) slots. */
export function listPage(dir: TenantDirectory, position: number, top: number, select: readonly string[] | null): ListPage {
  const selection = selectionOf(select);
  const items: Array<Record<string, unknown>> = [];
  const end = dir.order.length;
  const scanLimit = Math.min(end, position + top * MAX_SCAN_FACTOR);
  let i = position;
  while (i < scanLimit && items.length < top) {
    const id = dir.order[i];
    const index = i;
    i += 1;
    if (id === undefined) continue;
    const rec = dir.records.get(id);
    if (rec?.state === 'live' && rec.orderIndex === index) items.push(projectUser(rec, selection));
  }
  return { items, position: i, done: i >= end };
}

export type TokenCheck = { ok: true } | { ok: false; kind: 'reset' } | { ok: false; kind: 'expired' } | { ok: false; kind: 'invalid' };

/** Whether a decoded round token is still usable for this tenant at `now`. */
export function checkRoundToken(token: RoundToken, dir: TenantDirectory, now: Date): TokenCheck {
  if (token.t !== dir.id || token.s > dir.seq || token.u > dir.seq || token.p > token.u) return { ok: false, kind: 'invalid' };
  if (token.r !== dir.resetEpoch) return { ok: false, kind: 'reset' };
  if (token.x !== dir.expiryEpoch || now.getTime() - token.i > DELTA_TOKEN_LIFETIME_MS) return { ok: false, kind: 'expired' };
  return { ok: true };
}
