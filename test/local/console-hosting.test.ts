import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JoseTokenVerifier } from '../../src/adapters/auth/jose-token-verifier';
import { consoleBuildIsStale } from '../../src/local/console-build';
import { consoleStatic, rootRedirect } from '../../src/local/console-static';
import { ensureLocalKeys, LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../src/local/local-auth-keys';
import { LocalHost, startLocalHost } from '../../src/local/local-host';
import { InProcessBroker } from '../../src/local/queue/in-process-broker';
import { identitiesEndpoint, tokenEndpoint } from '../../src/local/token-identities';
import { createTestHarness } from '../support/test-services';

/**
 * What the local host adds for the console: the built files under /console/ (the page for every
 * in-app path, nothing outside the build), `/` sending there, and the local sign-in picker whose
 * tokens the API accepts exactly like `npm run token`'s.
 */
describe('console hosting in the local host', () => {
  let dir: string;
  let dist: string;
  let host: LocalHost;
  let broker: InProcessBroker;
  let verifier: JoseTokenVerifier;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'console-hosting-'));
    dist = join(dir, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dist, 'assets', 'index-abc.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'outside the build');
    const keys = await ensureLocalKeys(dir);
    verifier = JoseTokenVerifier.fromConfig({ keys: 'jwks-file', jwksFile: keys.jwksFile, issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE });
    const h = await createTestHarness();
    broker = new InProcessBroker({ stateFile: join(dir, 'q.json') });
    host = await startLocalHost({
      host: '127.0.0.1',
      port: 0,
      services: h.services,
      broker,
      functions: [],
      log: () => undefined,
      runTimers: false,
      extraRoutes: [
        { prefix: '/_local/identities', handler: identitiesEndpoint() },
        { prefix: '/_local/token', handler: tokenEndpoint(keys) },
        { prefix: '/console', handler: consoleStatic(dist) },
        { prefix: '/', handler: rootRedirect },
      ],
    });
  });

  afterAll(async () => {
    await host.close();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page for every console path and the hashed assets, with a strict CSP', async () => {
    for (const path of ['/console/', '/console', '/console/companies/acme/users/pending', '/console/settings/entra?status=error&code=invalid_state']) {
      const response = await fetch(`${host.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await response.text()).toContain('<div id="root">');
    }
    const asset = await fetch(`${host.url}/console/assets/index-abc.js`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await asset.text()).toBe('console.log(1)');
  });

  it('never serves a file outside the build, and only GET/HEAD', async () => {
    for (const path of ['/console/../secret.txt', '/console/%2e%2e/secret.txt', '/console/..%2fsecret.txt']) {
      expect(await (await fetch(`${host.url}${path}`)).text()).not.toContain('outside the build');
    }
    expect((await fetch(`${host.url}/console/`, { method: 'POST' })).status).toBe(405);
  });

  it('sends / to the console', async () => {
    const response = await fetch(`${host.url}/`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/console/');
  });

  it('lists the people to sign in as, and mints a token the API verifies with the right companies', async () => {
    const { identities } = (await (await fetch(`${host.url}/_local/identities`)).json()) as { identities: Array<{ id: string; role: string }> };
    expect(identities.map((i) => [i.id, i.role])).toEqual([
      ['company-admin', 'Company admin'],
      ['msp-admin', 'MSP admin'],
      ['operator', 'Platform operator'],
    ]);
    const mint = async (identity: string) => {
      const response = await fetch(`${host.url}/_local/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identity }) });
      return verifier.verify(((await response.json()) as { token: string }).token);
    };
    await expect(mint('company-admin')).resolves.toEqual({ subject: 'local-admin:admin@acme.example', email: 'admin@acme.example', companies: ['acme'] });
    await expect(mint('msp-admin')).resolves.toMatchObject({ companies: ['acme', 'globex', 'initech'] });
    await expect(mint('operator')).resolves.toMatchObject({ companies: '*' });
  });

  it('refuses anything but a JSON POST naming a known identity', async () => {
    const post = (body: string, contentType = 'application/json') => fetch(`${host.url}/_local/token`, { method: 'POST', headers: { 'content-type': contentType }, body });
    expect((await post('{"identity":"root"}')).status).toBe(400);
    expect((await post('{"identity":"operator","companies":"*"}')).status).toBe(400);
    expect((await post('nope')).status).toBe(400);
    expect((await post('x'.repeat(2000))).status).toBe(400);
    expect((await post('identity=operator', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await fetch(`${host.url}/_local/token`)).status).toBe(405);
  });
});

describe('console build staleness', () => {
  it('is stale without a build, fresh after one, stale again when a source changes', () => {
    const root = mkdtempSync(join(tmpdir(), 'console-stale-'));
    try {
      mkdirSync(join(root, 'web', 'src'), { recursive: true });
      writeFileSync(join(root, 'web', 'src', 'main.tsx'), 'x');
      writeFileSync(join(root, 'web', 'index.html'), 'x');
      const old = new Date('2026-01-01T00:00:00Z');
      for (const p of [join(root, 'web', 'src', 'main.tsx'), join(root, 'web', 'src'), join(root, 'web', 'index.html')]) utimesSync(p, old, old);
      expect(consoleBuildIsStale(root)).toBe(true);
      mkdirSync(join(root, 'web', 'dist'));
      writeFileSync(join(root, 'web', 'dist', 'index.html'), 'built');
      expect(consoleBuildIsStale(root)).toBe(false);
      const later = new Date(Date.now() + 60_000);
      utimesSync(join(root, 'web', 'src', 'main.tsx'), later, later);
      expect(consoleBuildIsStale(root)).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
