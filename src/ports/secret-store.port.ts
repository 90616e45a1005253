/** Names of the secrets the application reads. In Key Vault they are stored under these names. */
export type SecretName = 'state-signing-key' | 'entra-client-secret' | 'entra-client-certificate' | 'sendgrid-api-key';

export interface SecretStore {
  /** Returns the secret's current value; throws AppError('configuration_invalid') when it is missing. */
  get(name: SecretName): Promise<string>;
}
