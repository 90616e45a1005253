// Operator script: rotates the consent state-signing key in two steps (state-key-rotation.ts).
//   node scripts/azd-hook.mjs rotate-state-signing-key begin  --vault-url https://kv-….vault.azure.net/
//   node scripts/azd-hook.mjs rotate-state-signing-key finish --vault-url … [--force]
// The vault URL defaults to KEY_VAULT_URL (e.g. `azd env get-value KEY_VAULT_URL`). Signs in as
// the azd user, else the Azure CLI user; either needs Key Vault Secrets Officer on the vault.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { AzureCliCredential, AzureDeveloperCliCredential, ChainedTokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { z } from 'zod';
import { beginStateKeyRotation, finishStateKeyRotation, SECRET_CACHE_SECONDS } from './state-key-rotation';
import { KeyVaultSecrets } from './vault-secrets';

const ArgsSchema = z.object({
  step: z.enum(['begin', 'finish']),
  vaultUrl: z.url({ protocol: /^https$/ }),
  /** The app's CONSENT_STATE_TTL_SECONDS (default 900). */
  ttlSeconds: z.coerce.number().int().positive().max(3600),
  force: z.boolean(),
});

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { 'vault-url': { type: 'string' }, 'ttl-seconds': { type: 'string' }, force: { type: 'boolean' } },
  });
  const parsed = ArgsSchema.safeParse({
    step: positionals[0],
    vaultUrl: values['vault-url'] ?? process.env.KEY_VAULT_URL,
    ttlSeconds: values['ttl-seconds'] ?? process.env.CONSENT_STATE_TTL_SECONDS ?? '900',
    force: values.force ?? false,
  });
  if (!parsed.success) {
    console.error(`usage: rotate-state-signing-key begin|finish [--vault-url URL] [--ttl-seconds 900] [--force]\n  ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
    return 2;
  }
  const args = parsed.data;
  const vault = new KeyVaultSecrets(new SecretClient(args.vaultUrl, new ChainedTokenCredential(new AzureDeveloperCliCredential(), new AzureCliCredential())));
  const waitSeconds = args.ttlSeconds + SECRET_CACHE_SECONDS;
  const result =
    args.step === 'begin'
      ? await beginStateKeyRotation(vault, { now: new Date(), newKey: () => randomBytes(48).toString('base64url'), waitSeconds })
      : await finishStateKeyRotation(vault, { now: new Date(), waitSeconds, force: args.force });
  (result.ok ? console.log : console.error)(result.message);
  return result.ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`rotate-state-signing-key failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
