import { z } from 'zod';

/**
 * The signed-in admin: a bearer token kept for this browser tab only (sessionStorage), and what
 * its claims say — for display and navigation only; the API verifies the token on every call.
 */

const ClaimsSchema = z.object({
  sub: z.string(),
  email: z.string().optional(),
  companies: z.union([z.literal('*'), z.array(z.string())]),
  exp: z.number().optional(),
});

export interface Session {
  token: string;
  subject: string;
  email: string | null;
  companies: readonly string[] | '*';
  expiresAt: number | null;
}

function base64UrlDecode(part: string): string {
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const binary = atob(base64);
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** Reads a JWT's claims without verifying it (the API does). Null when it is not a token we can use. */
export function sessionFromToken(token: string): Session | null {
  const payload = token.trim().split('.')[1];
  if (!payload) return null;
  try {
    const claims = ClaimsSchema.safeParse(JSON.parse(base64UrlDecode(payload)));
    if (!claims.success) return null;
    return { token: token.trim(), subject: claims.data.sub, email: claims.data.email ?? null, companies: claims.data.companies, expiresAt: claims.data.exp === undefined ? null : claims.data.exp * 1000 };
  } catch {
    return null;
  }
}

export function isExpired(session: Session, now: number): boolean {
  return session.expiresAt !== null && session.expiresAt <= now;
}

/** Where a fresh session starts: the only company of a company admin, else the overview. */
export function homePath(session: Session): string {
  if (session.companies !== '*' && session.companies.length === 1 && session.companies[0] !== undefined) return `/companies/${encodeURIComponent(session.companies[0])}/settings/entra`;
  return '/companies';
}

export function roleLabel(session: Session): string {
  if (session.companies === '*') return 'Platform operator';
  return session.companies.length === 1 ? 'Company admin' : `MSP admin · ${session.companies.length} companies`;
}

const KEY = 'symbol-console-token';

export interface TokenStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function loadSession(store: TokenStore, now: number): Session | null {
  const token = store.getItem(KEY);
  const session = token ? sessionFromToken(token) : null;
  if (session && isExpired(session, now)) {
    store.removeItem(KEY);
    return null;
  }
  return session;
}

export function saveSession(store: TokenStore, session: Session | null): void {
  if (session) store.setItem(KEY, session.token);
  else store.removeItem(KEY);
}
