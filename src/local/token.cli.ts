/**
 * Prints a bearer token the local stack accepts:
 *   npm run --silent token -- --companies acme,globex [--email admin@example.com] [--subject id] [--ttl 3600]
 * `--companies '*'` makes a platform-operator token.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureLocalKeys, signLocalToken } from './local-auth-keys';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      companies: { type: 'string' },
      email: { type: 'string' },
      subject: { type: 'string' },
      ttl: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help || !values.companies) {
    process.stderr.write('usage: npm run --silent token -- --companies acme,globex [--email admin@example.com] [--subject id] [--ttl seconds]\n');
    process.exit(values.help ? 0 : 2);
  }
  const companies = values.companies.trim() === '*' ? '*' : values.companies.split(',').map((c) => c.trim()).filter((c) => c.length > 0);
  const ttl = values.ttl ? Number(values.ttl) : 12 * 3600;
  if (!Number.isInteger(ttl) || ttl <= 0) {
    process.stderr.write('--ttl must be a positive number of seconds\n');
    process.exit(2);
  }
  const email = values.email ?? 'admin@example.com';
  const keys = await ensureLocalKeys(resolve(process.env.LOCAL_DATA_DIR ?? '.local'));
  const token = await signLocalToken(keys, { subject: values.subject ?? `local-admin:${email}`, email, companies, ttlSeconds: ttl });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
