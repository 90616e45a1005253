import { SecretClient } from '@azure/keyvault-secrets';
import selfsigned from 'selfsigned';
import { ensureDeploymentSecrets, type DeploymentSecretsInput } from '../../infra/hooks/deployment-secrets';
import { beginStateKeyRotation, finishStateKeyRotation } from '../../infra/hooks/state-key-rotation';
import { KeyVaultSecrets, whileRoleAssignmentPropagates } from '../../infra/hooks/vault-secrets';
import { standinCredential, startKeyVaultStandin, type KeyVaultStandin } from './support/key-vault-standin';

// The postprovision hook's secrets and the state-signing-key rotation, through the real
// @azure/keyvault-secrets client against a Key Vault stand-in on loopback HTTPS.

let standin: KeyVaultStandin;
let vault: KeyVaultSecrets;

beforeEach(async () => {
  standin = await startKeyVaultStandin();
  // Loopback has no `*.vault.azure.net` host for the challenge's resource check to match.
  vault = new KeyVaultSecrets(new SecretClient(standin.url, standinCredential, { disableChallengeResourceVerification: true }), 1);
});

afterEach(async () => {
  await standin.close();
});

const latest = (name: string): string | undefined => standin.secrets.get(name)?.at(-1)?.value;
const versions = (name: string): number => standin.secrets.get(name)?.length ?? 0;
const keys = (() => {
  let n = 0;
  return () => `generated-key-${++n}`;
})();

const MI: DeploymentSecretsInput = { entraCredential: 'managed-identity-federation', sendGridApiKey: 'SG.first', entraClientSecret: undefined, entraClientCertificatePem: undefined };

describe('postprovision: the secrets the app cannot run without', () => {
  test('first provision: a generated state-signing key and the SendGrid key from the environment; managed-identity federation needs no Entra secret', async () => {
    const report = await ensureDeploymentSecrets(vault, MI, keys);
    expect(report).toEqual({ outcomes: [{ name: 'state-signing-key', outcome: 'created' }, { name: 'sendgrid-api-key', outcome: 'created' }], problems: [] });
    expect(latest('state-signing-key')).toMatch(/^generated-key-\d+$/);
    expect(latest('sendgrid-api-key')).toBe('SG.first');
    expect(standin.secrets.has('entra-client-secret')).toBe(false);
  });

  test('provisioning again changes nothing: the signing key is never overwritten, an unchanged value gets no new version', async () => {
    await ensureDeploymentSecrets(vault, MI, keys);
    const key = latest('state-signing-key');
    const report = await ensureDeploymentSecrets(vault, MI, keys);
    expect(report.outcomes).toEqual([{ name: 'state-signing-key', outcome: 'kept' }, { name: 'sendgrid-api-key', outcome: 'unchanged' }]);
    expect(latest('state-signing-key')).toBe(key);
    expect(versions('state-signing-key')).toBe(1);
    expect(versions('sendgrid-api-key')).toBe(1);
  });

  test('a new SendGrid key in the environment is written as a new version; none given keeps the vault\'s', async () => {
    await ensureDeploymentSecrets(vault, MI, keys);
    expect((await ensureDeploymentSecrets(vault, { ...MI, sendGridApiKey: 'SG.second' }, keys)).outcomes[1]).toEqual({ name: 'sendgrid-api-key', outcome: 'updated' });
    expect(latest('sendgrid-api-key')).toBe('SG.second');
    expect((await ensureDeploymentSecrets(vault, { ...MI, sendGridApiKey: undefined }, keys)).outcomes[1]).toEqual({ name: 'sendgrid-api-key', outcome: 'kept' });
    expect(versions('sendgrid-api-key')).toBe(2);
  });

  test('missing secrets are problems naming what to set, not inventions', async () => {
    const report = await ensureDeploymentSecrets(vault, { entraCredential: 'client-secret', sendGridApiKey: undefined, entraClientSecret: '', entraClientCertificatePem: undefined }, keys);
    expect(report.outcomes).toEqual([
      { name: 'state-signing-key', outcome: 'created' },
      { name: 'sendgrid-api-key', outcome: 'missing' },
      { name: 'entra-client-secret', outcome: 'missing' },
    ]);
    expect(report.problems).toEqual([expect.stringContaining('SENDGRID_API_KEY'), expect.stringContaining('ENTRA_CLIENT_SECRET')]);
    expect(standin.secrets.has('sendgrid-api-key')).toBe(false);
  });

  test('client-secret: ENTRA_CLIENT_SECRET goes to entra-client-secret; an unresolved azd Key Vault reference is refused', async () => {
    await ensureDeploymentSecrets(vault, { ...MI, entraCredential: 'client-secret', entraClientSecret: 'app-secret-1' }, keys);
    expect(latest('entra-client-secret')).toBe('app-secret-1');
    const report = await ensureDeploymentSecrets(vault, { ...MI, entraCredential: 'client-secret', entraClientSecret: 'akvs://sub/vault/entra-secret' }, keys);
    expect(report.problems).toEqual([expect.stringMatching(/^ENTRA_CLIENT_SECRET is a Key Vault reference azd did not resolve/)]);
    expect(latest('entra-client-secret')).toBe('app-secret-1');
  });

  test('client-certificate: a valid PEM is stored as application/x-pem-file; an invalid one is refused before it reaches the vault', async () => {
    const pems = await selfsigned.generate([{ name: 'commonName', value: 'entra-sync' }], { keySize: 2048, algorithm: 'sha256' });
    const pem = `${pems.cert}\n${pems.private}`;
    await ensureDeploymentSecrets(vault, { ...MI, entraCredential: 'client-certificate', entraClientCertificatePem: pem }, keys);
    expect(standin.secrets.get('entra-client-certificate')?.at(-1)).toMatchObject({ value: pem.trim(), contentType: 'application/x-pem-file' });
    const report = await ensureDeploymentSecrets(vault, { ...MI, entraCredential: 'client-certificate', entraClientCertificatePem: pems.cert }, keys);
    expect(report.problems).toEqual([expect.stringMatching(/^ENTRA_CLIENT_CERTIFICATE_FILE: .*holds no PEM private key/)]);
    expect(versions('entra-client-certificate')).toBe(1);
  });

  test('a fresh role assignment: 403s are waited out (injected sleep), then the work is done', async () => {
    standin.forbidNext(3);
    const slept: number[] = [];
    const report = await whileRoleAssignmentPropagates(() => ensureDeploymentSecrets(vault, MI, keys), { sleep: (ms) => { slept.push(ms); return Promise.resolve(); }, delayMs: 10_000 });
    expect(slept).toEqual([10_000, 10_000, 10_000]);
    expect(report.problems).toEqual([]);
    expect(latest('sendgrid-api-key')).toBe('SG.first');
  });

  test('403s that do not stop are an error after the last attempt', async () => {
    standin.forbidNext(100);
    await expect(whileRoleAssignmentPropagates(() => vault.get('state-signing-key'), { sleep: () => Promise.resolve(), attempts: 3 })).rejects.toMatchObject({ statusCode: 403 });
  });
});

describe('state-signing-key rotation', () => {
  const t0 = new Date('2026-11-02T10:00:00Z');
  const WAIT = 900 + 300;
  const at = (seconds: number): Date => new Date(t0.getTime() + seconds * 1000);

  beforeEach(async () => {
    await vault.set('state-signing-key', 'key-A');
  });

  test('begin: the current key becomes the previous one, a new key is current', async () => {
    const result = await beginStateKeyRotation(vault, { now: t0, newKey: () => 'key-B', waitSeconds: WAIT });
    expect(result).toEqual({ ok: true, message: expect.stringContaining('2026-11-02T10:20:00.000Z') as unknown });
    expect(latest('state-signing-key')).toBe('key-B');
    expect(standin.secrets.get('state-signing-key-previous')?.at(-1)).toMatchObject({ value: 'key-A', tags: { 'rotated-at': t0.toISOString() } });
  });

  test('begin twice: the second refuses (it would drop the key in-flight states need)', async () => {
    await beginStateKeyRotation(vault, { now: t0, newKey: () => 'key-B', waitSeconds: WAIT });
    const again = await beginStateKeyRotation(vault, { now: at(60), newKey: () => 'key-C', waitSeconds: WAIT });
    expect(again.ok).toBe(false);
    expect(latest('state-signing-key')).toBe('key-B');
    expect(latest('state-signing-key-previous')).toBe('key-A');
  });

  test('finish: refused before one state lifetime plus the secret cache, done after it, idempotent', async () => {
    await beginStateKeyRotation(vault, { now: t0, newKey: () => 'key-B', waitSeconds: WAIT });
    expect((await finishStateKeyRotation(vault, { now: at(WAIT - 1), waitSeconds: WAIT, force: false })).ok).toBe(false);
    expect(standin.secrets.has('state-signing-key-previous')).toBe(true);
    expect(await finishStateKeyRotation(vault, { now: at(WAIT), waitSeconds: WAIT, force: false })).toEqual({ ok: true, message: expect.stringMatching(/^Deleted/) as unknown });
    expect(standin.secrets.has('state-signing-key-previous')).toBe(false);
    expect(await finishStateKeyRotation(vault, { now: at(WAIT + 1), waitSeconds: WAIT, force: false })).toEqual({ ok: true, message: expect.stringMatching(/^No rotation in progress/) as unknown });
  });

  test('the next rotation reuses the soft-deleted name (recovered first, as purge protection requires)', async () => {
    await beginStateKeyRotation(vault, { now: t0, newKey: () => 'key-B', waitSeconds: WAIT });
    await finishStateKeyRotation(vault, { now: at(WAIT), waitSeconds: WAIT, force: false });
    expect(standin.deleted.has('state-signing-key-previous')).toBe(true);
    const second = await beginStateKeyRotation(vault, { now: at(86_400), newKey: () => 'key-C', waitSeconds: WAIT });
    expect(second.ok).toBe(true);
    expect(latest('state-signing-key')).toBe('key-C');
    expect(latest('state-signing-key-previous')).toBe('key-B');
    expect(standin.requests).toContain('POST /deletedsecrets/state-signing-key-previous/recover');
  });
});
