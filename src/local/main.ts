/**
 * `npm start`: runs the whole system locally on embedded defaults — no Azure account, no network.
 *   npm start -- [--reset] [--port 7071] [--users 300] [--verbose]
 * Builds the admin console first when its sources changed (web/ → web/dist), and serves it at /console/.
 */
import './quiet-functions-test-mode';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { AppError } from '../domain/app-error';
import { ensureConsoleBuilt } from './console-build';
import { boundHeapGrowth } from './heap-growth';
import { startLocalStack } from './local-stack';

const ArgsSchema = z.object({
  port: z.coerce.number().int().min(1).max(65535),
  users: z.coerce.number().int().min(1).max(500_000),
});

async function main(): Promise<void> {
  // Before the store loads: the garbage V8 tolerates must not grow with the data it holds.
  boundHeapGrowth();
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

  // The console is part of the local product; a failed build stops nothing else (the API still serves).
  try {
    const build = await ensureConsoleBuilt();
    if (build.built) log('console.built', { ms: build.ms });
  } catch (error) {
    process.stderr.write(`The admin console could not be built (${error instanceof Error ? error.message.split('\n')[0] ?? '' : 'unknown error'}); the API runs without it.\n`);
  }

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

  Admin console       ${base}/console/   (sign in as a company admin, an MSP or an operator)
  API                 ${base}/api   (health: ${base}/api/health)
  Simulated tenants   ${tenants.map((t) => `${t.name} ${t.id} (${t.userCount} users)`).join(', ')}
  Graph (simulated)   ${stack.config.entra.graphBaseUrl}
  Queues              ${base}/_local/queues
  E-mail outbox       ${base}/_local/outbox   (files in ${stack.outboxDir})

Try the flow in the console: open ${base}/console/, sign in as Alex Morgan (company admin of acme),
press "Integrate Entra ID", sign in at the Microsoft stand-in as Contoso's Global Administrator,
Accept; review "Pending approval", press Sync now.

Or from a terminal (README "Try it" has every step):
  npm run --silent connect -- --company acme --port ${String(args.data.port)}
     (plays the admin's browser: connect, Microsoft's sign-in, admin consent — the flow is
     bound to the browser that starts it, so curl alone cannot finish it)
  TOKEN=$(npm run --silent token -- --companies acme --email admin@acme.example)
  curl -s -H "Authorization: Bearer $TOKEN" ${base}/api/companies/acme/entra
  curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"limit":5}' ${base}/api/companies/acme/pending-users/search

Stop with Ctrl+C. State is kept in ${process.env.LOCAL_DATA_DIR ?? '.local'}/ and written before anything is acknowledged:
a crash or kill -9 loses nothing, and a sync that was running resumes at the next start. npm start -- --reset
starts clean (and makes a new token-signing key: tokens made before stop working). --verbose logs every event.
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
