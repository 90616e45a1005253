import { createHash, X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeProtectedHeader, importX509, jwtVerify } from 'jose';
import selfsigned from 'selfsigned';
import {
  createEntraCredentialFactory,
  parseClientCertificate,
  signCertificateClientAssertion,
} from '../../../src/adapters/graph/entra-credentials';
import type { SecretName, SecretStore } from '../../../src/ports/secret-store.port';
import { GraphDirectoryClient } from '../../../src/adapters/graph/graph-directory-client';
import { GRAPH_SCOPE } from '../../../src/adapters/graph/graph-transport';
import { AppError } from '../../../src/domain/app-error';
import type { EntraSimulator } from '../../../src/local/entra-simulator';
import { CLIENT_ID, CLIENT_SECRET, startSim } from '../../local/entra-simulator/helpers';
import { rejection, thrownBy } from '../../support/app-errors';
import { CountingSecrets, entraConfig, testTransport } from './graph-test-kit';

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('createEntraCredentialFactory against the simulated token endpoint', () => {
  let sim: EntraSimulator;
  let contoso: string;
  let fabrikam: string;

  beforeAll(async () => {
    sim = await startSim({
      tenants: [
        { name: 'Contoso', domain: 'contoso.example', userCount: 5, seed: 1 },
        { name: 'Fabrikam', domain: 'fabrikam.example', userCount: 5, seed: 2 },
      ],
    });
    [contoso, fabrikam] = sim.tenants().map((t) => t.id) as [string, string];
    sim.directory(contoso).grantConsent();
    sim.directory(fabrikam).grantConsent();
  });

  afterAll(async () => {
    await sim.close();
  });

  test('client-secret: the secret is read on the first token request, one credential per tenant, tokens for that tenant', async () => {
    const secrets = new CountingSecrets();
    const credentialFor = createEntraCredentialFactory({ config: entraConfig(sim), secrets });
    const a = credentialFor(contoso);
    expect(credentialFor(contoso)).toBe(a);
    const b = credentialFor(fabrikam);
    expect(b).not.toBe(a);
    expect(secrets.reads).toBe(0);

    const token = await a.getToken(GRAPH_SCOPE);
    expect(claimsOf(token!.token)).toMatchObject({
      tid: contoso,
      appid: CLIENT_ID,
      aud: 'https://graph.microsoft.com',
    });
    await a.getToken(GRAPH_SCOPE);
    expect(secrets.reads).toBe(1);
    expect(claimsOf((await b.getToken(GRAPH_SCOPE))!.token).tid).toBe(fabrikam);
  });

  test('client-secret: a refused secret is read again once, so a rotated secret is picked up', async () => {
    const secrets = new CountingSecrets('an-old-secret', CLIENT_SECRET);
    const credential = createEntraCredentialFactory({ config: entraConfig(sim), secrets })(contoso);
    expect(claimsOf((await credential.getToken(GRAPH_SCOPE))!.token).tid).toBe(contoso);
    expect(secrets.reads).toBe(2);
  });

  test('client-secret: a secret that stays wrong → configuration_invalid through the directory client', async () => {
    const credentialFor = createEntraCredentialFactory({
      config: entraConfig(sim),
      secrets: new CountingSecrets('wrong'),
    });
    const client = new GraphDirectoryClient(testTransport({ graphBaseUrl: sim.graphBaseUrl, credentialFor }).transport);
    const error = await rejection(client.deltaPage(contoso, null));
    expect(error.code).toBe('configuration_invalid');
    expect(error.meta.aadsts).toBe('AADSTS7000215');
    expect(error.message).not.toContain('wrong');
  });

  test('client-secret: a failing secret store surfaces its AppError, and the read is retried on the next request', async () => {
    const secrets = new CountingSecrets(
      new AppError('dependency_unavailable', 'Key Vault could not be read.'),
      CLIENT_SECRET,
    );
    const credentialFor = createEntraCredentialFactory({ config: entraConfig(sim), secrets });
    const client = new GraphDirectoryClient(testTransport({ graphBaseUrl: sim.graphBaseUrl, credentialFor }).transport);
    expect((await rejection(client.deltaPage(contoso, null))).message).toBe('Key Vault could not be read.');
    expect((await client.deltaPage(contoso, null)).deltaLink).not.toBeNull();
    expect(secrets.reads).toBe(2);
  });

  test('managed-identity-federation without a managed identity client id → configuration_invalid', () => {
    const error = thrownBy(() =>
      createEntraCredentialFactory({
        config: entraConfig(sim, { credential: 'managed-identity-federation' }),
        secrets: new CountingSecrets(),
      }),
    );
    expect(error.code).toBe('configuration_invalid');
    expect(error.errors).toEqual([{ field: 'AZURE_CLIENT_ID', message: 'is required' }]);
  });

  describe('managed-identity-federation with a stand-in App Service managed identity endpoint', () => {
    const MI_CLIENT_ID = '99999999-8888-4777-8666-555555555555';
    let miServer: Server;
    const miRequests: URL[] = [];
    const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

    beforeAll(async () => {
      miServer = createServer((req: IncomingMessage, res: ServerResponse) => {
        const url = new URL(req.url ?? '/', 'http://mi.invalid');
        miRequests.push(url);
        if (req.headers['x-identity-header'] !== 'local-identity-header') {
          res.writeHead(401).end();
          return;
        }
        // A JWT-shaped assertion (the simulator checks its shape and that any `sub` is the app).
        const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
        const assertion = `${part({ alg: 'none' })}.${part({ aud: 'api://AzureADTokenExchange' })}.c2ln`;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            access_token: assertion,
            expires_on: String(Math.floor(Date.now() / 1000) + 3600),
            resource: url.searchParams.get('resource'),
            token_type: 'Bearer',
          }),
        );
      });
      await new Promise<void>((resolve) => miServer.listen(0, '127.0.0.1', resolve));
      process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${(miServer.address() as AddressInfo).port}/msi/token`;
      process.env.IDENTITY_HEADER = 'local-identity-header';
    });

    afterAll(async () => {
      if (saved.endpoint === undefined) delete process.env.IDENTITY_ENDPOINT;
      else process.env.IDENTITY_ENDPOINT = saved.endpoint;
      if (saved.header === undefined) delete process.env.IDENTITY_HEADER;
      else process.env.IDENTITY_HEADER = saved.header;
      await new Promise<void>((resolve) =>
        miServer.close(() => {
          resolve();
        }),
      );
    });

    test('a managed identity token for api://AzureADTokenExchange becomes the client assertion for the customer tenant', async () => {
      const config = entraConfig(sim, {
        credential: 'managed-identity-federation',
        managedIdentityClientId: MI_CLIENT_ID,
      });
      const secrets = new CountingSecrets();
      const credentialFor = createEntraCredentialFactory({ config, secrets });
      const client = new GraphDirectoryClient(
        testTransport({ graphBaseUrl: sim.graphBaseUrl, credentialFor }).transport,
      );
      const page = await client.deltaPage(fabrikam, null);
      expect(page.items).toHaveLength(5);
      expect(claimsOf((await credentialFor(contoso).getToken(GRAPH_SCOPE))!.token).tid).toBe(contoso);
      expect(secrets.reads).toBe(0);
      expect(miRequests.length).toBeGreaterThan(0);
      expect(miRequests[0]!.searchParams.get('resource')).toBe('api://AzureADTokenExchange');
      expect(miRequests[0]!.searchParams.get('client_id')).toBe(MI_CLIENT_ID);
    });
  });
});

/** An RSA certificate with its key, as one PEM text (what Key Vault keeps for application/x-pem-file). */
async function appCertificate(): Promise<{ pem: string; cert: string; key: string }> {
  const now = new Date();
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'symbol-entra-sync' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 3600 * 1000),
    notAfterDate: new Date(now.getTime() + 30 * 24 * 3600 * 1000),
  });
  return { pem: `${pems.private}\n${pems.cert}`, cert: pems.cert, key: pems.private };
}

/** Answers one secret from a list of values (the last repeats); counts reads; refuses other names. */
class OneSecret implements SecretStore {
  reads = 0;
  constructor(
    private readonly name: SecretName,
    private readonly values: string[],
  ) {}

  get(name: SecretName): Promise<string> {
    if (name !== this.name) return Promise.reject(new Error(`unexpected secret ${name}`));
    const value = this.values[Math.min(this.reads, this.values.length - 1)] ?? '';
    this.reads += 1;
    return Promise.resolve(value);
  }

  find(name: SecretName): Promise<string | null> {
    return name === this.name ? this.get(name) : Promise.resolve(null);
  }
}

describe('client-certificate credential', () => {
  let sim: EntraSimulator;
  let contoso: string;
  let certificate: { pem: string; cert: string; key: string };

  beforeAll(async () => {
    certificate = await appCertificate();
    sim = await startSim({ tenants: [{ name: 'Contoso', domain: 'contoso.example', userCount: 3, seed: 7 }] });
    contoso = sim.tenants()[0]!.id;
    sim.directory(contoso).grantConsent();
  });

  afterAll(async () => {
    await sim.close();
  });

  test('reads entra-client-certificate on the first token request, once, and gets tokens for the tenant (ClientCertificateCredential → the simulated token endpoint)', async () => {
    const secrets = new OneSecret('entra-client-certificate', [certificate.pem]);
    const credentialFor = createEntraCredentialFactory({
      config: entraConfig(sim, { credential: 'client-certificate' }),
      secrets,
    });
    const credential = credentialFor(contoso);
    expect(secrets.reads).toBe(0);
    const client = new GraphDirectoryClient(testTransport({ graphBaseUrl: sim.graphBaseUrl, credentialFor }).transport);
    expect((await client.deltaPage(contoso, null)).items).toHaveLength(3);
    expect(claimsOf((await credential.getToken(GRAPH_SCOPE))!.token)).toMatchObject({ tid: contoso, appid: CLIENT_ID });
    expect(secrets.reads).toBe(1);
  });

  test.each([
    ['a certificate without its key', (c: { cert: string }) => c.cert, 'holds no PEM private key'],
    ['a key without its certificate', (c: { key: string }) => c.key, 'holds no PEM certificate'],
    [
      'a PKCS#12 (PFX) export, base64',
      () => Buffer.from('not really a pfx').toString('base64'),
      'holds no PEM certificate',
    ],
  ])(
    '%s → configuration_invalid naming the secret, never its content; read again on the next request',
    async (_label, value, message) => {
      const secrets = new OneSecret('entra-client-certificate', [value(certificate), certificate.pem]);
      const credentialFor = createEntraCredentialFactory({
        config: entraConfig(sim, { credential: 'client-certificate' }),
        secrets,
      });
      const client = new GraphDirectoryClient(
        testTransport({ graphBaseUrl: sim.graphBaseUrl, credentialFor }).transport,
      );
      const error = await rejection(client.deltaPage(contoso, null));
      expect(error.code).toBe('configuration_invalid');
      expect(error.errors).toEqual([{ field: 'entra-client-certificate', message }]);
      expect(error.message).not.toContain('BEGIN');
      expect((await client.deltaPage(contoso, null)).items).toHaveLength(3);
      expect(secrets.reads).toBe(2);
    },
  );

  test('a key that belongs to another certificate → configuration_invalid', async () => {
    const other = await appCertificate();
    expect(() => parseClientCertificate(`${other.key}\n${certificate.cert}`)).toThrow(
      /does not belong to its certificate/,
    );
  });

  test('signCertificateClientAssertion: PS256 with x5t#S256 of the certificate, aud = the token endpoint, iss = sub = the client id, ten minutes from now', async () => {
    const tokenEndpoint = `${sim.authorityHost}/${contoso}/oauth2/v2.0/token`;
    const now = new Date('2026-11-02T10:00:00Z');
    const assertion = await signCertificateClientAssertion({
      certificatePem: certificate.pem,
      clientId: CLIENT_ID,
      tokenEndpoint,
      now,
      jwtId: 'jti-1',
    });

    const expectedThumbprint = createHash('sha256')
      .update(new X509Certificate(certificate.cert).raw)
      .digest('base64url');
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'PS256', typ: 'JWT', 'x5t#S256': expectedThumbprint });
    const { payload } = await jwtVerify(assertion, await importX509(certificate.cert, 'PS256'), {
      currentDate: new Date(now.getTime() + 60_000),
      audience: tokenEndpoint,
      issuer: CLIENT_ID,
      subject: CLIENT_ID,
    });
    expect(payload).toEqual({
      aud: tokenEndpoint,
      iss: CLIENT_ID,
      sub: CLIENT_ID,
      jti: 'jti-1',
      iat: now.getTime() / 1000,
      nbf: now.getTime() / 1000,
      exp: now.getTime() / 1000 + 600,
    });
    // Signed by this certificate's key only: another certificate does not verify it.
    const other = await appCertificate();
    await expect(jwtVerify(assertion, await importX509(other.cert, 'PS256'), { currentDate: now })).rejects.toThrow();
  });

  test("the simulated token endpoint accepts that assertion for the authorization-code redemption's client authentication shape (client_credentials here)", async () => {
    const tokenEndpoint = `${sim.authorityHost}/${contoso}/oauth2/v2.0/token`;
    const assertion = await signCertificateClientAssertion({
      certificatePem: certificate.pem,
      clientId: CLIENT_ID,
      tokenEndpoint,
      now: new Date(),
    });
    const res = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CLIENT_ID,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    expect(res.status).toBe(200);
    expect(claimsOf(((await res.json()) as { access_token: string }).access_token).tid).toBe(contoso);
  });
});
