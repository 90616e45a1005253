import { TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { AppError } from '../../domain/app-error';
import { SecretName, SecretStore } from '../../ports/secret-store.port';

const CACHE_MS = 5 * 60_000;

/** Key Vault secrets, read with the app's managed identity and cached briefly so rotation is picked up. */
export class KeyVaultSecretStore implements SecretStore {
  private readonly client: SecretClient;
  private readonly cache = new Map<SecretName, { value: string | null; until: number }>();

  constructor(vaultUrl: string, credential: TokenCredential) {
    this.client = new SecretClient(vaultUrl, credential);
  }

  async get(name: SecretName): Promise<string> {
    const value = await this.find(name);
    if (value === null) throw new AppError('configuration_invalid', `Secret "${name}" is not set in Key Vault.`);
    return value;
  }

  /** Missing (404) and empty secrets are null; absence is cached like a value, so rotation is picked up alike. */
  async find(name: SecretName): Promise<string | null> {
    const cached = this.cache.get(name);
    if (cached && cached.until > Date.now()) return cached.value;
    let value: string | null;
    try {
      value = (await this.client.getSecret(name)).value ?? null;
    } catch (error) {
      const status = typeof error === 'object' && error !== null && 'statusCode' in error ? error.statusCode : undefined;
      if (status !== 404) throw new AppError('dependency_unavailable', 'Key Vault could not be read.', { cause: error });
      value = null;
    }
    if (value === '') value = null;
    this.cache.set(name, { value, until: Date.now() + CACHE_MS });
    return value;
  }
}
