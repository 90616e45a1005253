import {
  ClientAssertionCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type AccessToken,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity';
import type { AppConfig } from '../../config/config';
import { AppError } from '../../domain/app-error';
import type { SecretStore } from '../../ports/secret-store.port';

/**
 * App-only credentials for customer tenants: one TokenCredential per tenant (cached), built from
 * the multi-tenant app's own credential — a client secret from the secret store, or (secretless)
 * a user-assigned managed identity used as a federated identity credential of the app.
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
      );
  } else {
    if (config.managedIdentityClientId === undefined) {
      // Only a user-assigned managed identity can be a federated identity credential of an app.
      throw new AppError(
        'configuration_invalid',
        'AZURE_CLIENT_ID (a user-assigned managed identity) is required when ENTRA_CREDENTIAL is managed-identity-federation.',
        {
          errors: [{ field: 'AZURE_CLIENT_ID', message: 'is required' }],
        },
      );
    }
    const managedIdentity = new ManagedIdentityCredential({ clientId: config.managedIdentityClientId });
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
 * Reads the client secret on the first token request (not at start-up), then delegates. When
 * Entra refuses the secret, the secret is read again once: a rotated secret is picked up without
 * a restart.
 */
class LazySecretCredential implements TokenCredential {
  private current: Promise<SecretBound> | undefined;

  constructor(
    private readonly readSecret: () => Promise<string>,
    private readonly create: (secret: string) => TokenCredential,
  ) {}

  async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    const bound = await this.bound();
    try {
      return await bound.credential.getToken(scopes, options);
    } catch (error) {
      if (!(error instanceof Error) || !SECRET_REJECTED.test(error.message)) throw error;
      const secret = await this.readSecret();
      if (secret === bound.secret) throw error;
      const fresh = { secret, credential: this.create(secret) };
      this.current = Promise.resolve(fresh);
      return fresh.credential.getToken(scopes, options);
    }
  }

  private bound(): Promise<SecretBound> {
    this.current ??= this.readSecret().then(
      (secret) => ({ secret, credential: this.create(secret) }),
      (error: unknown) => {
        this.current = undefined; // a failed read is retried on the next request
        throw error;
      },
    );
    return this.current;
  }
}
