import { createHash, createPrivateKey, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import {
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type AccessToken,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity';
import { SignJWT } from 'jose';
import type { AppConfig } from '../../config/config';
import { AppError } from '../../domain/app-error';
import type { SecretName, SecretStore } from '../../ports/secret-store.port';

/**
 * App-only credentials for customer tenants: one TokenCredential per tenant (cached), built from
 * the multi-tenant app's own credential — a client secret or a certificate (PEM, with its private
 * key) from the secret store, or (secretless) a user-assigned managed identity used as a federated
 * identity credential of the app.
 */
export type EntraCredentialFactory = (tenantId: string) => TokenCredential;

/** The audience Entra expects for a managed-identity token used as a client assertion. */
export const TOKEN_EXCHANGE_SCOPE = 'api://AzureADTokenExchange/.default';

/** Authority hosts that Entra's instance discovery knows; anything else (a local stand-in) skips it. */
const KNOWN_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

/** AADSTS codes meaning the app's own secret was refused (wrong or expired): worth re-reading it. */
const SECRET_REJECTED = /AADSTS(7000215|7000222)\b/;
/** The certificate that signed the assertion is not (or no longer) registered on the app: worth re-reading it. */
const CERTIFICATE_REJECTED = /AADSTS700027\b/;

export const CLIENT_CERTIFICATE_SECRET: SecretName = 'entra-client-certificate';

export function createEntraCredentialFactory(options: {
  config: AppConfig['entra'];
  secrets: SecretStore;
}): EntraCredentialFactory {
  const { config, secrets } = options;
  const authority = {
    authorityHost: config.authorityHost,
    disableInstanceDiscovery: !KNOWN_AUTHORITY_HOSTS.has(hostnameOf(config.authorityHost)),
  };
  const cache = new Map<string, TokenCredential>();

  let build: (tenantId: string) => TokenCredential;
  if (config.credential === 'client-secret') {
    build = (tenantId) =>
      new LazySecretCredential(
        () => secrets.get('entra-client-secret'),
        (secret) => new ClientSecretCredential(tenantId, config.clientId, secret, authority),
        SECRET_REJECTED,
      );
  } else if (config.credential === 'client-certificate') {
    build = (tenantId) =>
      new LazySecretCredential(
        () => secrets.get(CLIENT_CERTIFICATE_SECRET),
        (pem) => {
          parseClientCertificate(pem); // a clear configuration error instead of MSAL's
          return new ClientCertificateCredential(tenantId, config.clientId, { certificate: pem }, authority);
        },
        CERTIFICATE_REJECTED,
      );
  } else {
    const managedIdentity = federatedManagedIdentity(config);
    const getAssertion = async (): Promise<string> => (await managedIdentity.getToken(TOKEN_EXCHANGE_SCOPE)).token;
    build = (tenantId) => new ClientAssertionCredential(tenantId, config.clientId, getAssertion, authority);
  }

  return (tenantId) => {
    let credential = cache.get(tenantId);
    if (credential === undefined) {
      credential = build(tenantId);
      cache.set(tenantId, credential);
    }
    return credential;
  };
}

export interface ClientCertificate {
  certificate: X509Certificate;
  privateKey: KeyObject;
  /** Base64url SHA-256 of the certificate's DER encoding: the `x5t#S256` JOSE header. */
  thumbprintSha256: string;
}

/**
 * Reads the app's certificate from PEM text holding the certificate and its (unencrypted) private
 * key, in any order — what Key Vault keeps in a certificate's secret when the certificate's
 * content type is `application/x-pem-file`. Throws AppError('configuration_invalid'), naming the
 * secret but never showing its content.
 */
export function parseClientCertificate(pem: string): ClientCertificate {
  const invalid = (why: string): AppError =>
    new AppError(
      'configuration_invalid',
      `Secret "${CLIENT_CERTIFICATE_SECRET}" ${why}: it must hold the app's certificate and its unencrypted private key as PEM (a Key Vault certificate with content type application/x-pem-file).`,
      {
        errors: [{ field: CLIENT_CERTIFICATE_SECRET, message: why }],
      },
    );
  const certificateBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  const keyBlock = /-----BEGIN (RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (RSA |EC )?PRIVATE KEY-----/.exec(pem)?.[0];
  if (certificateBlock === undefined) throw invalid('holds no PEM certificate');
  if (keyBlock === undefined)
    throw invalid(/ENCRYPTED PRIVATE KEY/.test(pem) ? 'holds an encrypted private key' : 'holds no PEM private key');
  let certificate: X509Certificate;
  let privateKey: KeyObject;
  try {
    certificate = new X509Certificate(certificateBlock);
    privateKey = createPrivateKey(keyBlock);
  } catch {
    throw invalid('could not be read');
  }
  if (privateKey.asymmetricKeyType !== 'rsa') throw invalid('has a non-RSA key (Entra ID app certificates are RSA)');
  if (!certificate.checkPrivateKey(privateKey))
    throw invalid('holds a private key that does not belong to its certificate');
  return {
    certificate,
    privateKey,
    thumbprintSha256: createHash('sha256').update(certificate.raw).digest('base64url'),
  };
}

/**
 * A `client_assertion` (RFC 7523 `private_key_jwt`) signed with the app's certificate, as Entra ID
 * expects it: PS256, `x5t#S256` header; `aud` = the token endpoint the assertion is sent to,
 * `iss` = `sub` = the client id, a fresh `jti`, valid from `now` for ten minutes. For
 * authenticating the app where MSAL does not do it for us (redeeming an authorization code);
 * send it with `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`.
 */
export async function signCertificateClientAssertion(options: {
  certificatePem: string;
  clientId: string;
  tokenEndpoint: string;
  now: Date;
  jwtId?: string;
}): Promise<string> {
  const { privateKey, thumbprintSha256 } = parseClientCertificate(options.certificatePem);
  const issuedAt = Math.floor(options.now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'PS256', typ: 'JWT', 'x5t#S256': thumbprintSha256 })
    .setAudience(options.tokenEndpoint)
    .setIssuer(options.clientId)
    .setSubject(options.clientId)
    .setJti(options.jwtId ?? randomUUID())
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + 600)
    .sign(privateKey);
}

/** How the app authenticates itself at the token endpoint when it redeems a sign-in code. */
export type ClientAuthentication =
  { kind: 'client_secret'; clientSecret: string } | { kind: 'client_assertion'; clientAssertion: string };

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The form fields of a client authentication (RFC 6749 §2.3.1 / RFC 7523). */
export function clientAuthenticationFields(auth: ClientAuthentication): Record<string, string> {
  return auth.kind === 'client_secret'
    ? { client_secret: auth.clientSecret }
    : { client_assertion: auth.clientAssertion, client_assertion_type: JWT_BEARER_ASSERTION_TYPE };
}

/**
 * The app's own credential for redeeming authorization codes (the connect flow's sign-in step):
 * the same credential as the app-only tokens — the client secret, an assertion signed with the
 * app's certificate (audience: the token endpoint), or the managed identity's token for
 * `api://AzureADTokenExchange` as a federated client assertion (no secret at all).
 */
export function createClientAuthentication(options: {
  config: AppConfig['entra'];
  secrets: SecretStore;
  now?: () => Date;
}): (tokenEndpoint: string) => Promise<ClientAuthentication> {
  const { config, secrets } = options;
  const now = options.now ?? (() => new Date());
  if (config.credential === 'client-secret')
    return async () => ({ kind: 'client_secret', clientSecret: await secrets.get('entra-client-secret') });
  if (config.credential === 'client-certificate') {
    return async (tokenEndpoint) => ({
      kind: 'client_assertion',
      clientAssertion: await signCertificateClientAssertion({
        certificatePem: await secrets.get(CLIENT_CERTIFICATE_SECRET),
        clientId: config.clientId,
        tokenEndpoint,
        now: now(),
      }),
    });
  }
  const managedIdentity = federatedManagedIdentity(config);
  return async () => ({
    kind: 'client_assertion',
    clientAssertion: (await managedIdentity.getToken(TOKEN_EXCHANGE_SCOPE)).token,
  });
}

/** Only a user-assigned managed identity can be a federated identity credential of an app. */
function federatedManagedIdentity(config: AppConfig['entra']): ManagedIdentityCredential {
  if (config.managedIdentityClientId === undefined) {
    throw new AppError(
      'configuration_invalid',
      'AZURE_CLIENT_ID (a user-assigned managed identity) is required when ENTRA_CREDENTIAL is managed-identity-federation.',
      { errors: [{ field: 'AZURE_CLIENT_ID', message: 'is required' }] },
    );
  }
  return new ManagedIdentityCredential({ clientId: config.managedIdentityClientId });
}

function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return '';
  }
}

interface SecretBound {
  secret: string;
  credential: TokenCredential;
}

/**
 * Reads the secret (client secret or certificate) on the first token request (not at start-up),
 * then delegates. When Entra refuses it, it is read again once: a rotated secret or certificate is
 * picked up without a restart.
 */
class LazySecretCredential implements TokenCredential {
  private current: Promise<SecretBound> | undefined;

  constructor(
    private readonly readSecret: () => Promise<string>,
    private readonly create: (secret: string) => TokenCredential,
    private readonly rejected: RegExp,
  ) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const bound = await this.bound();
    try {
      return await bound.credential.getToken(scopes, options);
    } catch (error) {
      if (!(error instanceof Error) || !this.rejected.test(error.message)) throw error;
      const secret = await this.readSecret();
      if (secret === bound.secret) throw error;
      const fresh = { secret, credential: this.create(secret) };
      this.current = Promise.resolve(fresh);
      return fresh.credential.getToken(scopes, options);
    }
  }

  private bound(): Promise<SecretBound> {
    this.current ??= this.readSecret()
      .then((secret) => ({ secret, credential: this.create(secret) }))
      .catch((error: unknown) => {
        this.current = undefined; // a failed read (or an unusable value) is retried on the next request
        throw error;
      });
    return this.current;
  }
}
