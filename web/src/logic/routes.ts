/**
 * The console's pages and their paths under `/console` (the admin UI's own paths: e-mails and the
 * consent flow link to `/companies/{id}/users/pending`, `/companies/{id}/settings/entra`, …).
 */

export type Route =
  | { page: 'signin'; next: string | null }
  | { page: 'companies' }
  | { page: 'entra'; companyId: string }
  | { page: 'pending'; companyId: string }
  | { page: 'users'; companyId: string }
  | { page: 'user'; companyId: string; userId: string }
  | { page: 'sync'; companyId: string }
  | { page: 'run'; companyId: string; runId: string }
  | { page: 'preview'; companyId: string; runId: string }
  | { page: 'held'; companyId: string }
  | { page: 'settings'; companyId: string }
  | { page: 'audit'; companyId: string }
  | { page: 'consent-result' }
  | { page: 'home' }
  | { page: 'not-found' };

export const BASE = '/console';

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Parses a path inside the console (without `/console`) and its query. */
export function parseRoute(path: string, search: string): Route {
  const parts = path.split('/').filter((p) => p !== '').map(decode);
  if (parts.some((p) => p === null)) return { page: 'not-found' };
  const [a, b, c, d, e] = parts as string[];
  if (parts.length === 0) return { page: 'home' };
  if (a === 'signin' && parts.length === 1) return { page: 'signin', next: new URLSearchParams(search).get('next') };
  if (a === 'settings' && b === 'entra' && parts.length === 2) return { page: 'consent-result' };
  if (a !== 'companies') return { page: 'not-found' };
  if (parts.length === 1) return { page: 'companies' };
  const companyId = b ?? '';
  if (parts.length === 2) return { page: 'entra', companyId };
  if (c === 'settings' && d === 'entra' && parts.length === 4) return { page: 'entra', companyId };
  if (c === 'settings' && parts.length === 3) return { page: 'settings', companyId };
  if (c === 'users' && d === 'pending' && parts.length === 4) return { page: 'pending', companyId };
  if (c === 'users' && parts.length === 3) return { page: 'users', companyId };
  if (c === 'users' && d !== undefined && parts.length === 4) return { page: 'user', companyId, userId: d };
  if (c === 'sync' && parts.length === 3) return { page: 'sync', companyId };
  if (c === 'sync' && d !== undefined && parts.length === 4 && e === undefined) return { page: 'run', companyId, runId: d };
  if (c === 'previews' && d !== undefined && parts.length === 4) return { page: 'preview', companyId, runId: d };
  if (c === 'held' && parts.length === 3) return { page: 'held', companyId };
  if (c === 'audit' && parts.length === 3) return { page: 'audit', companyId };
  return { page: 'not-found' };
}

const seg = encodeURIComponent;

export const paths = {
  signin: (next?: string) => `/signin${next ? `?next=${encodeURIComponent(next)}` : ''}`,
  companies: () => '/companies',
  entra: (companyId: string) => `/companies/${seg(companyId)}/settings/entra`,
  pending: (companyId: string) => `/companies/${seg(companyId)}/users/pending`,
  users: (companyId: string) => `/companies/${seg(companyId)}/users`,
  user: (companyId: string, userId: string) => `/companies/${seg(companyId)}/users/${seg(userId)}`,
  sync: (companyId: string) => `/companies/${seg(companyId)}/sync`,
  run: (companyId: string, runId: string) => `/companies/${seg(companyId)}/sync/${seg(runId)}`,
  preview: (companyId: string, runId: string) => `/companies/${seg(companyId)}/previews/${seg(runId)}`,
  held: (companyId: string) => `/companies/${seg(companyId)}/held`,
  settings: (companyId: string) => `/companies/${seg(companyId)}/settings`,
  audit: (companyId: string) => `/companies/${seg(companyId)}/audit`,
};

/** The path inside the console of a full pathname, or null when it is outside `/console`. */
export function innerPath(pathname: string): string | null {
  if (pathname === BASE) return '/';
  if (!pathname.startsWith(`${BASE}/`)) return null;
  return pathname.slice(BASE.length);
}

/** Only paths inside the console may be a "next" after sign-in (never another origin). */
export function safeNext(next: string | null): string | null {
  if (next === null || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return null;
  return next;
}
