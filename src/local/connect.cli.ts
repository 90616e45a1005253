/**
 * Connects a company to a simulated tenant of the running local stack, doing what the admin's
 * browser does (connect, Microsoft's sign-in as the chosen person, the callback, admin consent,
 * the callback again) — for a terminal without a browser:
 *   npm run --silent connect -- --company acme [--tenant Contoso|Fabrikam] [--role "Global Administrator"]
 *        [--email admin@acme.example] [--port 7071]
 * Prints where the flow lands (status=connected, or the error code).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ensureLocalKeys, signLocalToken } from './local-auth-keys';
import { connectThroughMicrosoft } from './login-driver';

const ArgsSchema = z.object({
  company: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be a company id'),
  tenant: z.string().min(1).default('Contoso'),
  role: z.enum(['Global Administrator', 'User Administrator', 'No admin role']).default('Global Administrator'),
  email: z.email().optional(),
  port: z.coerce.number().int().min(1).max(65535).default(7071),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { company: { type: 'string' }, tenant: { type: 'string' }, role: { type: 'string' }, email: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  const args = ArgsSchema.safeParse({ ...values, port: values.port ?? process.env.PORT });
  if (values.help || !args.success) {
    process.stderr.write('usage: npm run --silent connect -- --company acme [--tenant Contoso|Fabrikam] [--role "Global Administrator"|"User Administrator"|"No admin role"] [--email admin@acme.example] [--port 7071]\n');
    if (!args.success) process.stderr.write(`${args.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n')}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const { company, tenant, role, port } = args.data;
  const email = args.data.email ?? `admin@${company}.example`;
  const keys = await ensureLocalKeys(resolve(process.env.LOCAL_DATA_DIR ?? '.local'));
  const token = await signLocalToken(keys, { subject: `local-admin:${email}`, email, companies: [company], ttlSeconds: 600 });
  const { landing, tenantId } = await connectThroughMicrosoft(`http://127.0.0.1:${String(port)}`, token, company, { tenant, role });
  const status = landing.searchParams.get('status');
  process.stdout.write(`${status === 'connected' ? `connected ${company} to ${tenant} (${tenantId ?? '?'})` : `not connected: ${landing.searchParams.get('code') ?? 'unknown'}`}\n  → ${landing.toString()}\n`);
  process.exit(status === 'connected' ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(`connect: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
