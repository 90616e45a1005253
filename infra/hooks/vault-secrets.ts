// Key Vault secrets as the azd hooks and the operator scripts need them: read (absent is not an
// error), write (recovering a soft-deleted name first), delete, and a wait for a fresh role
// assignment to take effect. The Function App itself only reads (src/adapters/secrets).
import type { SecretClient } from '@azure/keyvault-secrets';

export const STATE_SIGNING_KEY = 'state-signing-key';
export const STATE_SIGNING_KEY_PREVIOUS = 'state-signing-key-previous';
export const SENDGRID_API_KEY = 'sendgrid-api-key';
export const ENTRA_CLIENT_SECRET = 'entra-client-secret';
export const ENTRA_CLIENT_CERTIFICATE = 'entra-client-certificate';

export interface StoredSecret {
  value: string;
  tags: Record<string, string>;
  contentType: string | undefined;
}

export interface SecretWrite {
  contentType?: string;
  tags?: Record<string, string>;
}

/** What the hooks need from a vault. */
export interface VaultSecrets {
  /** The current version; undefined when the secret does not exist (or only soft-deleted). */
  get(name: string): Promise<StoredSecret | undefined>;
  /** Writes a new version. A soft-deleted secret of that name is recovered first. */
  set(name: string, value: string, write?: SecretWrite): Promise<void>;
  /** Soft-deletes the secret; false when there was none. */
  delete(name: string): Promise<boolean>;
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : undefined;
}

/** The real vault, through the Key Vault SDK (the caller picks the credential). */
export class KeyVaultSecrets implements VaultSecrets {
  constructor(
    private readonly client: SecretClient,
    /** How often long-running operations (delete, recover) are polled. */
    private readonly pollIntervalMs = 2000,
  ) {}

  async get(name: string): Promise<StoredSecret | undefined> {
    try {
      const secret = await this.client.getSecret(name);
      return { value: secret.value ?? '', tags: secret.properties.tags ?? {}, contentType: secret.properties.contentType };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async set(name: string, value: string, write: SecretWrite = {}): Promise<void> {
    const options = { ...(write.contentType ? { contentType: write.contentType } : {}), ...(write.tags ? { tags: write.tags } : {}) };
    try {
      await this.client.setSecret(name, value, options);
    } catch (error) {
      // 409: the name is soft-deleted (purge protection keeps it for the retention period); a new
      // version can only be written after recovering it.
      if (statusOf(error) !== 409) throw error;
      const poller = await this.client.beginRecoverDeletedSecret(name, { intervalInMs: this.pollIntervalMs });
      await poller.pollUntilDone();
      await this.client.setSecret(name, value, options);
    }
  }

  async delete(name: string): Promise<boolean> {
    try {
      const poller = await this.client.beginDeleteSecret(name, { intervalInMs: this.pollIntervalMs });
      await poller.pollUntilDone();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }
}

/**
 * Runs `operation`, waiting while Key Vault answers 403: a role assignment made by the same
 * deployment (the deployer's Key Vault Secrets Officer) can take a few minutes to take effect.
 */
export async function whileRoleAssignmentPropagates<T>(operation: () => Promise<T>, options: { sleep: (ms: number) => Promise<void>; attempts?: number; delayMs?: number; log?: (line: string) => void }): Promise<T> {
  const attempts = options.attempts ?? 18;
  const delayMs = options.delayMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (statusOf(error) !== 403 || attempt >= attempts) throw error;
      options.log?.(`Key Vault refused access (403): waiting for the role assignment to take effect (attempt ${attempt} of ${attempts})…`);
      await options.sleep(delayMs);
    }
  }
}
