// azd postprovision hook: puts what the app cannot run without into Key Vault (see
// deployment-secrets.ts), as the signed-in azd user (Key Vault Secrets Officer from the same
// deployment), then says what is left to do.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AzureDeveloperCliCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { environmentProblems, PostprovisionInputsSchema, readPemFile } from './azd-environment';
import { ensureDeploymentSecrets } from './deployment-secrets';
import { KeyVaultSecrets, whileRoleAssignmentPropagates } from './vault-secrets';

async function main(): Promise<number> {
  const parsed = PostprovisionInputsSchema.safeParse(process.env);
  if (!parsed.success) {
    console.error(`postprovision: the deployment outputs are not in the azd environment:\n  ${environmentProblems(parsed.error).join('\n  ')}`);
    return 1;
  }
  const env = parsed.data;
  const credential = new AzureDeveloperCliCredential(env.AZURE_TENANT_ID ? { tenantId: env.AZURE_TENANT_ID } : {});
  const vault = new KeyVaultSecrets(new SecretClient(env.KEY_VAULT_URL, credential));
  const report = await whileRoleAssignmentPropagates(
    () =>
      ensureDeploymentSecrets(
        vault,
        {
          entraCredential: env.ENTRA_CREDENTIAL_IN_USE,
          sendGridApiKey: env.SENDGRID_API_KEY,
          entraClientSecret: env.ENTRA_CLIENT_SECRET,
          entraClientCertificatePem: env.ENTRA_CLIENT_CERTIFICATE_FILE === undefined ? undefined : readPemFile(env.ENTRA_CLIENT_CERTIFICATE_FILE),
        },
        () => randomBytes(48).toString('base64url'),
      ),
    { sleep: (ms) => sleep(ms), log: (line) => { console.log(line); } },
  );
  for (const { name, outcome } of report.outcomes) console.log(`  ${name.padEnd(26)} ${outcome}`);
  console.log(`Entra app ${env.ENTRA_APP_CLIENT_ID ?? '?'} (${env.ENTRA_APP_CREATED === 'true' ? 'created and kept in step by this deployment' : 'existing'}), credential ${env.ENTRA_CREDENTIAL_IN_USE}.`);
  if (env.ENTRA_APP_CREATED !== 'true') console.log(`  Register ${env.ENTRA_REDIRECT_URI ?? '<ENTRA_REDIRECT_URI>'} as a web redirect URI of that app (infra/README.md, "Bring your own app registration").`);
  if (report.problems.length > 0) {
    console.error(`postprovision: the app cannot work until these are fixed:\n  ${report.problems.join('\n  ')}`);
    return 1;
  }
  console.log(`Check the deployment: curl -fsS ${env.PUBLIC_BASE_URL ?? '<PUBLIC_BASE_URL>'}/api/health`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`postprovision failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
