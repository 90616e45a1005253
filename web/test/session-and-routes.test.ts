import { describe, expect, it } from 'vitest';
import { innerPath, parseRoute, paths, safeNext } from '../src/logic/routes';
import { homePath, isExpired, loadSession, roleLabel, saveSession, sessionFromToken } from '../src/logic/session';
import { MemoryStore } from './memory-store';

function token(claims: Record<string, unknown>): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${b64({ alg: 'ES256', typ: 'JWT' })}.${b64(claims)}.signature`;
}

describe('session', () => {
  it('reads who signed in from the token, including non-ASCII e-mails', () => {
    const session = sessionFromToken(token({ sub: 'u1', email: 'zoë@acme.example', companies: ['acme'], exp: 2_000_000_000 }));
    expect(session).toMatchObject({ subject: 'u1', email: 'zoë@acme.example', companies: ['acme'], expiresAt: 2_000_000_000_000 });
    expect(sessionFromToken('not.a-token')).toBeNull();
    expect(sessionFromToken(token({ sub: 'u1' }))).toBeNull();
    expect(sessionFromToken('')).toBeNull();
  });

  it('starts a company admin on their company, an MSP or operator on the overview', () => {
    const admin = sessionFromToken(token({ sub: 'a', companies: ['acme'] }));
    const msp = sessionFromToken(token({ sub: 'b', companies: ['acme', 'globex'] }));
    const operator = sessionFromToken(token({ sub: 'c', companies: '*' }));
    if (!admin || !msp || !operator) throw new Error('tokens');
    expect(homePath(admin)).toBe('/companies/acme/settings/entra');
    expect(homePath(msp)).toBe('/companies');
    expect(homePath(operator)).toBe('/companies');
    expect([roleLabel(admin), roleLabel(msp), roleLabel(operator)]).toEqual(['Company admin', 'MSP admin · 2 companies', 'Platform operator']);
  });

  it('keeps the token in the tab store and forgets an expired one', () => {
    const store = new MemoryStore();
    const session = sessionFromToken(token({ sub: 'a', companies: ['acme'], exp: 1000 }));
    if (!session) throw new Error('token');
    saveSession(store, session);
    expect(loadSession(store, 999_000)?.subject).toBe('a');
    expect(isExpired(session, 1_000_000)).toBe(true);
    expect(loadSession(store, 1_000_000)).toBeNull();
    expect(store.items.size).toBe(0);
  });
});

describe('routes', () => {
  it('opens the pages e-mails and the consent flow link to', () => {
    expect(parseRoute('/companies/acme/users/pending', '')).toEqual({ page: 'pending', companyId: 'acme' });
    expect(parseRoute('/companies/acme/settings/entra', '?status=connected')).toEqual({ page: 'entra', companyId: 'acme' });
    expect(parseRoute('/settings/entra', '?status=error&code=invalid_state')).toEqual({ page: 'consent-result' });
  });

  it('parses every page and round-trips the paths it builds', () => {
    const id = 'acme co';
    expect(parseRoute(paths.users(id), '')).toEqual({ page: 'users', companyId: id });
    expect(parseRoute(paths.user(id, 'entra-1'), '')).toEqual({ page: 'user', companyId: id, userId: 'entra-1' });
    expect(parseRoute(paths.sync(id), '')).toEqual({ page: 'sync', companyId: id });
    expect(parseRoute(paths.run(id, 'r1'), '')).toEqual({ page: 'run', companyId: id, runId: 'r1' });
    expect(parseRoute(paths.preview(id, 'r2'), '')).toEqual({ page: 'preview', companyId: id, runId: 'r2' });
    expect(parseRoute('/companies/acme/previews', '')).toEqual({ page: 'not-found' });
    expect(parseRoute(paths.held(id), '')).toEqual({ page: 'held', companyId: id });
    expect(parseRoute(paths.settings(id), '')).toEqual({ page: 'settings', companyId: id });
    expect(parseRoute(paths.audit(id), '')).toEqual({ page: 'audit', companyId: id });
    expect(parseRoute(paths.companies(), '')).toEqual({ page: 'companies' });
    expect(parseRoute('/signin', '?next=%2Fcompanies')).toEqual({ page: 'signin', next: '/companies' });
    expect(parseRoute('/', '')).toEqual({ page: 'home' });
    expect(parseRoute('/companies/acme/nope/x', '')).toEqual({ page: 'not-found' });
    expect(parseRoute('/companies/%E0%A4%A', '')).toEqual({ page: 'not-found' });
  });

  it('accepts only paths inside the console after sign-in', () => {
    expect(safeNext('/companies/acme/users/pending')).toBe('/companies/acme/users/pending');
    expect(safeNext('//evil.example/x')).toBeNull();
    expect(safeNext('https://evil.example')).toBeNull();
    expect(safeNext('/\\evil.example')).toBeNull();
    expect(safeNext(null)).toBeNull();
    expect(innerPath('/console')).toBe('/');
    expect(innerPath('/console/companies')).toBe('/companies');
    expect(innerPath('/consolex')).toBeNull();
  });
});
