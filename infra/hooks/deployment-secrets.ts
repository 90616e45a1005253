// What the app cannot run without, in Key Vault, after every `azd provision`:
// - `state-signing-key`: generated on the first provision, never overwritten (rotate it with
//   rotate-state-signing-key.ts);
// - `sendgrid-api-key`: from the azd environment's SENDGRID_API_KEY when given;
// - the Entra app's credential when it needs one: `entra-client-secret` (ENTRA_CLIENT_SECRET) or
//   `entra-client-certificate` (the PEM file named by ENTRA_CLIENT_CERTIFICATE_FILE). The
//   managed-identity federation needs no secret at all.
// Idempotent: a value already in the vault is not written again (no new version), and a secret
// that is neither given nor present is reported, not invented.
import { parseClientCertificate } from '../../src/adapters/graph/entra-credentials';
import { isAppError } from '../../src/domain/app-error';
import { ENTRA_CLIENT_CERTIFICATE, ENTRA_CLIENT_SECRET, SENDGRID_API_KEY, STATE_SIGNING_KEY, type VaultSecrets } from './vault-secrets';

export type EntraCredentialKind = 'client-secret' | 'client-certificate' | 'managed-identity-federation';

export interface DeploymentSecretsInput {
  entraCredential: EntraCredentialKind;
  sendGridApiKey: string | undefined;
  entraClientSecret: string | undefined;
  /** PEM text (certificate + private key), already read from the file the operator named. */
  entraClientCertificatePem: string | undefined;
}

export type SecretOutcome = 'created' | 'updated' | 'unchanged' | 'kept' | 'missing';

export interface DeploymentSecretsReport {
  outcomes: Array<{ name: string; outcome: SecretOutcome }>;
  /** What stops the app from working, with how to fix it. Empty: nothing missing. */
  problems: string[];
}

const MANAGED_TAGS = { 'managed-by': 'azd-postprovision' };

/** A value azd could not resolve from `azd env set-secret` (an older azd passes the reference through). */
function unresolvedReference(value: string): boolean {
  return value.startsWith('akvs://') || value.startsWith('@Microsoft.KeyVault(');
}

export async function ensureDeploymentSecrets(vault: VaultSecrets, input: DeploymentSecretsInput, newSigningKey: () => string): Promise<DeploymentSecretsReport> {
  const outcomes: DeploymentSecretsReport['outcomes'] = [];
  const problems: string[] = [];

  if ((await vault.get(STATE_SIGNING_KEY)) === undefined) {
    await vault.set(STATE_SIGNING_KEY, newSigningKey(), { contentType: 'text/plain', tags: MANAGED_TAGS });
    outcomes.push({ name: STATE_SIGNING_KEY, outcome: 'created' });
  } else {
    outcomes.push({ name: STATE_SIGNING_KEY, outcome: 'kept' });
  }

  const fromEnvironment = async (name: string, given: string | undefined, variable: string, howToGet: string, contentType = 'text/plain'): Promise<void> => {
    const value = given?.trim();
    if (value !== undefined && value !== '' && unresolvedReference(value)) {
      problems.push(`${variable} is a Key Vault reference azd did not resolve: update azd (1.23.13 or later) or set the value itself.`);
      return;
    }
    const current = await vault.get(name);
    if (value === undefined || value === '') {
      if (current === undefined) {
        outcomes.push({ name, outcome: 'missing' });
        const setIt = variable.endsWith('_FILE') ? `\`azd env set ${variable} <path>\`` : `\`azd env set-secret ${variable}\` (or \`azd env set ${variable} …\`)`;
        problems.push(`${name} is not in Key Vault and ${variable} is not set: ${howToGet}, then ${setIt} and \`azd hooks run postprovision\`.`);
      } else {
        outcomes.push({ name, outcome: 'kept' });
      }
      return;
    }
    if (current?.value === value) {
      outcomes.push({ name, outcome: 'unchanged' });
      return;
    }
    await vault.set(name, value, { contentType, tags: MANAGED_TAGS });
    outcomes.push({ name, outcome: current === undefined ? 'created' : 'updated' });
  };

  await fromEnvironment(SENDGRID_API_KEY, input.sendGridApiKey, 'SENDGRID_API_KEY', 'create a SendGrid API key with the Mail Send permission only');

  if (input.entraCredential === 'client-secret') {
    await fromEnvironment(ENTRA_CLIENT_SECRET, input.entraClientSecret, 'ENTRA_CLIENT_SECRET', 'add a client secret to the Entra app (`az ad app credential reset --id <app id> --append`)');
  } else if (input.entraCredential === 'client-certificate') {
    const pem = input.entraClientCertificatePem;
    if (pem !== undefined) {
      try {
        parseClientCertificate(pem);
      } catch (error) {
        if (!isAppError(error)) throw error;
        problems.push(`ENTRA_CLIENT_CERTIFICATE_FILE: ${error.message}`);
        return { outcomes, problems };
      }
    }
    await fromEnvironment(ENTRA_CLIENT_CERTIFICATE, pem, 'ENTRA_CLIENT_CERTIFICATE_FILE', 'upload a certificate to the Entra app and keep its PEM (certificate + private key)', 'application/x-pem-file');
  }
  return { outcomes, problems };
}
