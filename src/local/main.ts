/**
 * `npm start`: runs the whole system locally on embedded defaults — no Azure account, no network.
 *   npm start -- [--reset] [--port 7071] [--users 300] [--verbose]
 */
import './quiet-functions-test-mode';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { AppError } from '../domain/app-error';
import { startLocalStack } from './local-stack';

const ArgsSchema = z.object({
  port: z.coerce.number().int().min(1).max(65535),
  users: z.coerce.number().int().min(1).max(500_000),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      reset: { type: 'boolean', default: false },
      port: { type: 'string' },
      users: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const args = ArgsSchema.safeParse({ port: values.port ?? process.env.PORT ?? '7071', users: values.users ?? process.env.SIM_USERS ?? '300' });
  if (!args.success) {
    const issue = args.error.issues[0];
    const name = issue?.path[0] === 'port' ? 'PORT (--port)' : 'SIM_USERS (--users)';
    throw new AppError('configuration_invalid', `${name} ${issue?.message ?? 'is invalid'}`);
  }
  const verbose = values.verbose;
  const log = (event: string, fields: Record<string, unknown>) => {
    const important = /failed|crashed|error|dead/i.test(event);
    if (verbose || important || event === 'http.request') process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), event, ...fields })}\n`);
  };

  const stack = await startLocalStack({
    dataDir: process.env.LOCAL_DATA_DIR ?? '.local',
    port: args.data.port,
    reset: values.reset,
    simulatedUsers: args.data.users,
    log,
  });

  const tenants = stack.simulator?.tenants() ?? [];
  const base = stack.url;
  process.stdout.write(`
Symbol Entra ID sync — local stack is up at ${base}

  API                 ${base}/api   (health: ${base}/api/health)
  Simulated tenants   ${tenants.map((t) => `${t.name} ${t.id} (${t.userCount} users)`).join(', ')}
  Graph (simulated)   ${stack.config.entra.graphBaseUrl}
  Queues              ${base}/_local/queues
  E-mail outbox       ${base}/_local/outbox   (files in ${stack.outboxDir})

Try the flow:
  1. TOKEN=$(npm run --silent token -- --companies acme --email admin@acme.example)
  2. curl -s -X POST -H "Authorization: Bearer $TOKEN" ${base}/api/companies/acme/entra/connect
  3. Open the consentUrl from step 2 in a browser, pick a tenant, press Accept.
     You land on the admin UI stand-in with status=connected.
  4. curl -s -H "Authorization: Bearer $TOKEN" ${base}/api/companies/acme/entra
     → status "connected"; the first full import runs by itself (lastSync, counts.pending),
     e-mails land in ${base}/_local/outbox.
  5. curl -s -H "Authorization: Bearer $TOKEN" "${base}/api/companies/acme/pending-users?limit=5"
     then POST {"ids":[...]} to …/pending-users/approve or …/deny; …/users is the Symbol user list.
  6. Change the directory (README: "Changing the simulated directory"), e.g.
     curl -s -X POST ${base}/_local/entra/tenants/<tenant id>/users -H 'content-type: application/json' -d '{"givenName":"Ada","surname":"Lovelace"}'
     → a Graph notification reaches the webhook and a sync follows within seconds; or press
     Sync Now: curl -s -X POST -H "Authorization: Bearer $TOKEN" ${base}/api/companies/acme/entra/sync

Stop with Ctrl+C. State is kept in ${process.env.LOCAL_DATA_DIR ?? '.local'}/ and written before anything is acknowledged:
a crash or kill -9 loses nothing, and a sync that was running resumes at the next start (npm start -- --reset starts clean).
`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      // A second Ctrl+C: stop at once. Everything acknowledged is already on disk.
      process.stdout.write(`\n${signal} again: stopping now\n`);
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: waiting for running handlers, then stopping (Ctrl+C again stops at once; nothing acknowledged is lost)…\n`);
    stack.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => { stop('SIGINT'); });
  process.on('SIGTERM', () => { stop('SIGTERM'); });
}

main().catch((error: unknown) => {
  const message = error instanceof AppError ? error.message : error instanceof Error ? error.message : String(error);
  process.stderr.write(`Local stack failed to start: ${message}\n`);
  process.exit(1);
});
