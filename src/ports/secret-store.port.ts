/** Names of the secrets the application reads. In Key Vault they are stored under these names. */
export type SecretName =
  | 'state-signing-key'
  | 'state-signing-key-previous'
  | 'entra-client-secret'
  | 'entra-client-certificate'
  | 'sendgrid-api-key';

export interface SecretStore {
  /** Returns the secret's current value; throws AppError('configuration_invalid') when it is missing. */
  get(name: SecretName): Promise<string>;
  /** The secret's value, or null when it is not set (optional secrets, such as a previous key). */
  find(name: SecretName): Promise<string | null>;
}
