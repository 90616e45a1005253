import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { AppError } from '../../domain/app-error';
import { SecretName, SecretStore } from '../../ports/secret-store.port';

const SecretsFileSchema = z.record(z.string(), z.string());

/** Local-only secret store: a JSON file of name → value that the local stack creates with random values. */
export class FileSecretStore implements SecretStore {
  constructor(private readonly file: string) {}

  async get(name: SecretName): Promise<string> {
    const value = await this.find(name);
    if (value === null) throw new AppError('configuration_invalid', `Secret "${name}" is not set.`);
    return value;
  }

  async find(name: SecretName): Promise<string | null> {
    let content: unknown;
    try {
      content = JSON.parse(await readFile(this.file, 'utf8'));
    } catch {
      throw new AppError('configuration_invalid', 'SECRETS_FILE cannot be read as JSON.');
    }
    const parsed = SecretsFileSchema.safeParse(content);
    if (!parsed.success) throw new AppError('configuration_invalid', 'SECRETS_FILE must hold a JSON object of secret name to string value.');
    return parsed.data[name] || null;
  }
}
