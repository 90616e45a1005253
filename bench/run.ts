/**
 * `npm run bench`: the sync engine's speed and memory figures (printed, not asserted).
 *   npm run bench -- [--sizes 10000,100000] [--changes 100] [--webhooks 10000] [--webhook-companies 50]
 *   npm run bench -- stack [--users 10000,100000] [--page-latency-ms 300] [--changes 100] [--samples 20] [--limit-minutes 20]
 *   (the whole `npm start` stack over HTTP: see stack.ts)
 *
 * For each tenant size: a simulated tenant (Graph over HTTPS on loopback) and a local
 * Cosmos-protocol server run in this process; the engine runs in a forked process with the
 * production adapters, so its peak RSS is its own. Phases: full first sync; an incremental
 * delta with N changes; a re-run with no changes. Plus the pure diff's CPU per 100k users.
 */
import '../src/local/quiet-functions-test-mode';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { attributesHash } from '../src/domain/directory/fingerprint-hash';
import { parseDeltaItem } from '../src/domain/directory/delta-item';
import { diffPage, StoredRecord } from '../src/domain/directory/sync-diff';
import { DEFAULT_SETTINGS } from '../src/domain/integration-settings';
import { startLocalCosmos } from '../src/local/cosmos/local-cosmos-server';
import { generateDirectory, startEntraSimulator } from '../src/local/entra-simulator';
import { benchApprove } from './approve';
import { benchWebhookColdStart } from './webhook-cold-start';
import { graphPayload } from './graph-payload';
import { benchStack } from './stack';
import { benchWebhooks } from './webhooks';

const CLIENT_ID = 'b0b0b0b0-1111-4222-8333-444455556666';
const CLIENT_SECRET = 'bench-secret';

interface Figures {
  phase: string;
  outcome?: string;
  wallMs: number;
  graphMs: number;
  pages: number;
  writes: number;
  previewWrites?: number;
  cpuMs: number;
  counts?: Record<string, number>;
  maxRssMb: number;
  error?: string;
}

function tls() {
  const cert = process.env.LOCAL_TLS_CERT_FILE;
  const key = process.env.LOCAL_TLS_KEY_FILE;
  if (!cert || !key) throw new Error('Run through `npm run bench` (it prepares the loopback certificate).');
  return { cert: readFileSync(cert), key: readFileSync(key) };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function benchSize(size: number, changes: number): Promise<Figures[]> {
  const sim = await startEntraSimulator({
    tls: tls(),
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    allowedRedirectUris: ['http://127.0.0.1/cb'],
    tenants: [{ name: 'Contoso', domain: 'contoso.example', userCount: size, seed: 42 }],
    deltaPageSize: 200,
  });
  const tenantId = sim.tenants()[0]?.id ?? '';
  sim.directory(tenantId).grantConsent();
  const cosmos = await startLocalCosmos();
  const child = fork(resolve(__dirname, 'sync-worker.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_SETUP: JSON.stringify({ graphBaseUrl: sim.graphBaseUrl, authorityHost: sim.authorityHost, cosmosEndpoint: cosmos.endpoint, cosmosKey: cosmos.key, tenantId, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }) },
  });
  const next = () =>
    new Promise<Figures>((resolveFigures, reject) => {
      child.once('message', (m: Figures) => {
        if (m.error) reject(new Error(m.error));
        else resolveFigures(m);
      });
      child.once('exit', (code) => {
        reject(new Error(`worker exited with ${code}`));
      });
    });
  const results: Figures[] = [];
  try {
    await next();
    // A dry-run preview before the first import: the same full read and decisions, no user written.
    // The first phase of a fresh process also pays for warming up (JIT): it runs twice.
    child.send({ phase: 'preview before import (cold)', dryRun: true });
    results.push(await next());
    child.send({ phase: 'preview before import', dryRun: true });
    results.push(await next());
    child.send({ phase: 'full first sync' });
    results.push(await next());
    const users = sim.directory(tenantId).listUsers();
    for (let i = 0; i < changes; i++) {
      const u = users[(i * 997) % users.length];
      if (u) sim.directory(tenantId).updateUser(u.id, { jobTitle: `Benchmark title ${i}` });
    }
    child.send({ phase: `incremental (${changes} changes)` });
    results.push(await next());
    child.send({ phase: 're-run, no changes' });
    results.push(await next());
    // A full round over the imported tenant (what a reconciliation does weekly): the real run a
    // preview over the same tenant compares with — both read every stored record once.
    child.send({ phase: 'full round, no changes', mode: 'full' });
    results.push(await next());
    // A preview of a proposed change over the imported tenant: stored records read per page.
    child.send({ phase: 'preview exclude.guests', dryRun: true, settings: { exclude: { guests: true } } });
    results.push(await next());
  } finally {
    child.kill();
    await sim.close();
    await cosmos.close();
  }
  return results;
}

/** CPU of the pure diff alone (parse + merge + hash + classify + decide), warm, per `size` users. */
function diffCpu(size: number): { newMs: number; unchangedMs: number; newWallMs: number; unchangedWallMs: number } {
  const raw = generateDirectory({ name: 'Contoso', domain: 'contoso.example', userCount: size, seed: 9 }).map(graphPayload);
  const ctx = { companyId: 'bench', connectionId: 'c', runId: 'r', roundId: null, nowIso: new Date().toISOString(), settings: DEFAULT_SETTINGS, hash: attributesHash, symbolEmails: new Set<string>() };
  // As the engine does: page by page, each page's decisions written and dropped (nothing retained).
  const streamNew = () => {
    for (let i = 0; i < raw.length; i += 200) diffPage(raw.slice(i, i + 200).map(parseDeltaItem), new Map(), ctx);
  };
  const storedFor = () => {
    const out = new Map<string, StoredRecord>();
    for (let i = 0; i < raw.length; i += 200) {
      for (const d of diffPage(raw.slice(i, i + 200).map(parseDeltaItem), new Map(), ctx).decisions) if (d.kind === 'put') out.set(d.record.id, { record: d.record, etag: 'e' });
    }
    return out;
  };
  // Unchanged users: each page is compared with its stored records (the engine reads them per page).
  const streamUnchanged = (stored: Map<string, StoredRecord>) => {
    for (let i = 0; i < raw.length; i += 200) {
      const page = raw.slice(i, i + 200).map(parseDeltaItem);
      const own = new Map<string, StoredRecord>();
      for (const item of page) if (item.kind !== 'invalid') own.set(item.id, stored.get(item.id) as StoredRecord);
      diffPage(page, own, ctx);
    }
  };
  streamNew(); // warm-up: the JIT, as in a long-running worker
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  streamNew();
  const newWallMs = performance.now() - w0;
  const c1 = process.cpuUsage(c0);
  const stored = storedFor();
  streamUnchanged(stored);
  const c2 = process.cpuUsage();
  const w2 = performance.now();
  streamUnchanged(stored);
  const unchangedWallMs = performance.now() - w2;
  const c3 = process.cpuUsage(c2);
  return { newMs: (c1.user + c1.system) / 1000, unchangedMs: (c3.user + c3.system) / 1000, newWallMs, unchangedWallMs };
}

async function main(): Promise<void> {
  if (process.argv[2] === 'stack') {
    const { values: stack } = parseArgs({ args: process.argv.slice(3), options: { users: { type: 'string', default: '10000,100000' }, 'page-latency-ms': { type: 'string', default: '300' }, changes: { type: 'string', default: '100' }, samples: { type: 'string', default: '20' }, 'limit-minutes': { type: 'string', default: '20' } }, strict: true });
    await benchStack({ users: stack.users.split(',').map(Number), latencyMs: Number(stack['page-latency-ms']), changes: Number(stack.changes), samples: Number(stack.samples), limitMs: Number(stack['limit-minutes']) * 60_000 });
    return;
  }
  const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10000,100000' }, changes: { type: 'string', default: '100' }, approve: { type: 'string', default: '5000' }, webhooks: { type: 'string', default: '10000' }, 'webhook-companies': { type: 'string', default: '50' } }, strict: true });
  const sizes = values.sizes.split(',').map(Number);
  const changes = Number(values.changes);
  console.log(`Entra ID sync benchmark — Node ${process.version}, ${new Date().toISOString()}\n`);

  const cpu = diffCpu(100_000);
  console.log('Pure diff (parse + merge + hash + classify + decide) per 100,000 users, warm; CPU includes GC threads:');
  console.log(`  all new:       ${fmt(cpu.newWallMs)} ms wall, ${fmt(cpu.newMs)} ms CPU`);
  console.log(`  all unchanged: ${fmt(cpu.unchangedWallMs)} ms wall, ${fmt(cpu.unchangedMs)} ms CPU\n`);

  for (const size of sizes) {
    const results = await benchSize(size, changes);
    console.log(`Tenant of ${fmt(size)} users (Graph page size 200):`);
    for (const r of results) {
      const outside = r.wallMs > 0 ? (100 * (r.wallMs - r.graphMs)) / r.wallMs : 0;
      const rate = r.counts?.scanned ? (r.counts.scanned / r.wallMs) * 1000 : 0;
      console.log(
        `  ${r.phase.padEnd(30)} ${fmt(r.wallMs / 1000, 2).padStart(7)} s  ${fmt(rate).padStart(6)} users/s  pages ${String(r.pages).padStart(4)}  user writes ${String(r.writes).padStart(6)}  ${r.previewWrites ? `preview docs ${String(r.previewWrites).padStart(4)}  ` : ''}` +
          `outside Graph ${fmt(outside)}%  engine CPU ${fmt(r.cpuMs / 1000, 2)} s  peak RSS ${fmt(r.maxRssMb)} MB  ${r.outcome ?? ''}`,
      );
    }
    console.log('');
  }

  const approvals = Number(values.approve);
  if (approvals > 0) await benchApprove(approvals, 1000);

  // Graph notifications at the webhook: one per POST (the worst case), 32 in flight, 60 s window.
  const notifications = Number(values.webhooks);
  await benchWebhookColdStart(5);
  if (notifications > 0) await benchWebhooks({ notifications, companies: Number(values['webhook-companies']), companiesPerTenant: 2, batch: 1, concurrency: 32, windowSeconds: 60, flood: 2000 });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
