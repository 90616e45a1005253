import { Cookie, HttpRequest } from '@azure/functions';

/** Request cookies read at most: a browser sends far fewer to one path. */
const MAX_COOKIES = 50;
const MAX_COOKIE_HEADER = 8 * 1024;

/** The request's cookies whose names start with `prefix` (bounded; malformed pairs skipped). */
export function cookiesWithPrefix(request: HttpRequest, prefix: string): Array<{ name: string; value: string }> {
  const header = request.headers.get('cookie');
  if (header === null || header.length > MAX_COOKIE_HEADER) return [];
  const found: Array<{ name: string; value: string }> = [];
  for (const pair of header.split(';').slice(0, MAX_COOKIES)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (name.startsWith(prefix) && /^[A-Za-z0-9_-]{1,256}$/.test(value)) found.push({ name, value });
  }
  return found;
}

/**
 * A cookie that only the consent callback receives: HttpOnly (no script reads it), SameSite=Lax
 * (sent on Microsoft's top-level GET redirect back, not on cross-site subrequests), Secure
 * whenever the API is served over HTTPS, and scoped to the callback's path.
 */
export function callbackCookie(input: { name: string; value: string; maxAgeSeconds: number; callbackUrl: string }): Cookie {
  const url = new URL(input.callbackUrl);
  return { name: input.name, value: input.value, path: url.pathname, httpOnly: true, sameSite: 'Lax', secure: url.protocol === 'https:', maxAge: input.maxAgeSeconds };
}

/** Clears a cookie set by `callbackCookie`. */
export function expiredCallbackCookie(name: string, callbackUrl: string): Cookie {
  return callbackCookie({ name, value: '', maxAgeSeconds: 0, callbackUrl });
}
