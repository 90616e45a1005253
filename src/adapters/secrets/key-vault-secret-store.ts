import { TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { AppError } from '../../domain/app-error';
import { SecretName, SecretStore } from '../../ports/secret-store.port';

const CACHE_MS = 5 * 60_000;

/** Key Vault secrets, read with the app's managed identity and cached briefly so rotation is picked up. */
export class KeyVaultSecretStore implements SecretStore {
  private readonly client: SecretClient;
  private readonly cache = new Map<SecretName, { value: string; until: number }>();

  constructor(vaultUrl: string, credential: TokenCredential) {
    this.client = new SecretClient(vaultUrl, credential);
  }

  async get(name: SecretName): Promise<string> {
    const cached = this.cache.get(name);
    if (cached && cached.until > Date.now()) return cached.value;
    let value: string | undefined;
    try {
      value = (await this.client.getSecret(name)).value;
    } catch (error) {
      const status = typeof error === 'object' && error !== null && 'statusCode' in error ? error.statusCode : undefined;
      if (status === 404) throw new AppError('configuration_invalid', `Secret "${name}" is not set in Key Vault.`);
      throw new AppError('dependency_unavailable', 'Key Vault could not be read.', { cause: error });
    }
    if (!value) throw new AppError('configuration_invalid', `Secret "${name}" is empty in Key Vault.`);
    this.cache.set(name, { value, until: Date.now() + CACHE_MS });
    return value;
  }
}
