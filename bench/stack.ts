/**
 * `npm run bench -- stack [--users 10000,100000] [--page-latency-ms 300] [--changes 100] [--samples 20]`
 *
 * What a user of `npm start` feels: the whole stack runs in its own process (src/local/main.ts,
 * fresh data directory), its Graph is a server with a fixed latency per page
 * (graph-latency-server.ts), and everything is driven over HTTP: connect a company through the
 * consent stand-in, wait for the first import, change users, press Sync Now, read the lists.
 * Cosmos writes are counted at the local Cosmos server (`GET /_local/cosmos`); peak RSS is the
 * stack process's VmHWM. Nothing is asserted: figures are printed.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DIRECTORY_USERS_CONTAINER } from '../src/adapters/cosmos/cosmos-schema';
import { connectThroughConsent, freePort, localToken } from '../test/support/local-stack-process';
import { startGraphLatencyServer } from './graph-latency-server';

const ROOT = resolve(__dirname, '..');
const COMPANY = 'acme';
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface StackBenchOptions {
  users: number[];
  latencyMs: number;
  changes: number;
  samples: number;
  /** How long a first import may take before the size is reported as unfinished. */
  limitMs: number;
}

interface Writes {
  total: number;
  directoryUsers: number;
}

const writesBetween = (before: Writes | null, after: Writes | null) =>
  before === null || after === null ? 'n/a' : `${fmt(after.total - before.total)} (directory users ${fmt(after.directoryUsers - before.directoryUsers)})`;

interface Run {
  runId: string;
  status: string;
  durationMs: number | null;
  pages: number;
  counts: Record<string, number>;
}

class StackUnderTest {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly token: string,
    private readonly output: string[],
  ) {}

  /** The stack's last output lines (for a failure message). */
  tail(): string {
    return this.output.join('').slice(-2000);
  }

  static async start(dataDir: string, graphBaseUrl: string): Promise<StackUnderTest> {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/local/main.ts', '--port', String(port), '--reset', '--users', '20'], {
      cwd: ROOT,
      env: { ...process.env, LOCAL_DATA_DIR: dataDir, GRAPH_BASE_URL: graphBaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.length > 200) output.shift();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const url = `http://127.0.0.1:${port}`;
    for (let attempt = 0; ; attempt += 1) {
      if (child.exitCode !== null) throw new Error(`the stack exited:\n${output.join('')}`);
      try {
        if ((await fetch(`${url}/api/health`)).ok) break;
      } catch {
        // not listening yet
      }
      if (attempt > 600) throw new Error(`the stack did not start:\n${output.join('')}`);
      await sleep(100);
    }
    const token = await localToken(dataDir, ['--companies', COMPANY, '--email', `admin@${COMPANY}.example`]);
    return new StackUnderTest(url, child, token, output);
  }

  async connect(): Promise<void> {
    await connectThroughConsent(this.url, this.token, COMPANY);
  }

  async get(path: string): Promise<{ ms: number; status: number; body: unknown }> {
    const started = performance.now();
    const response = await fetch(`${this.url}${path}`, { headers: { authorization: `Bearer ${this.token}` } });
    const body: unknown = await response.json().catch(() => null);
    return { ms: performance.now() - started, status: response.status, body };
  }

  /** Sync Now (a delta, or a full round), or a dry-run preview. */
  async syncNow(full: boolean | 'preview'): Promise<string> {
    const response = await fetch(`${this.url}/api/companies/${COMPANY}/entra/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(full === 'preview' ? { dryRun: true } : full ? { full: true } : {}),
    });
    const body = (await response.json()) as { runId?: string };
    if (body.runId === undefined) throw new Error(`Sync Now answered ${response.status}`);
    return body.runId;
  }

  /** The newest run (or the given one) once it has finished. */
  async finishedRun(runId?: string, limitMs = 60 * 60_000): Promise<Run> {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const path = runId === undefined ? `/api/companies/${COMPANY}/entra/sync-runs?limit=1` : `/api/companies/${COMPANY}/entra/sync-runs/${runId}`;
      const { body } = await this.get(path).catch(() => ({ body: null }));
      const run = (runId === undefined ? (body as { items?: Run[] } | null)?.items?.[0] : (body as Run | null)) ?? undefined;
      if (run !== undefined && ['succeeded', 'failed', 'held'].includes(run.status)) return run;
      if (Date.now() > deadline) throw new Error(`no finished run after ${limitMs} ms (last: ${JSON.stringify(run ?? null)})`);
      await sleep(250);
    }
  }

  /** Document writes counted at the local Cosmos server (all, and to directory users), or null when the stack does not report them. */
  async cosmosWrites(): Promise<Writes | null> {
    const response = await fetch(`${this.url}/_local/cosmos`).catch(() => null);
    if (response?.ok !== true) return null;
    const stats = (await response.json().catch(() => null)) as { documentWrites?: Record<string, number> } | null;
    if (stats?.documentWrites === undefined) return null;
    const entries = Object.entries(stats.documentWrites);
    return {
      total: entries.reduce((sum, [, n]) => sum + n, 0),
      directoryUsers: entries.filter(([container]) => container.endsWith(`/${DIRECTORY_USERS_CONTAINER}`)).reduce((sum, [, n]) => sum + n, 0),
    };
  }

  async peakRssMb(): Promise<number> {
    return this.statusMb('VmHWM');
  }

  async rssMb(): Promise<number> {
    return this.statusMb('VmRSS');
  }

  private async statusMb(field: 'VmHWM' | 'VmRSS'): Promise<number> {
    const status = await readFile(`/proc/${this.child.pid ?? 0}/status`, 'utf8');
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return kb / 1024;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => {
      this.child.once('exit', () => {
        r();
      });
    });
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

/** The stack's RSS sampled every 250 ms, the highest per phase: where the peak happens. */
class RssByPhase {
  private readonly peaks = new Map<string, number>();
  private current = 'start';
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly stack: StackUnderTest) {
    this.timer = setInterval(() => {
      void this.sample();
    }, 250);
  }

  async phase(name: string): Promise<void> {
    await this.sample();
    this.current = name;
  }

  async stop(): Promise<string> {
    await this.sample();
    clearInterval(this.timer);
    return [...this.peaks].map(([name, mb]) => `${name} ${fmt(mb)}`).join(', ');
  }

  private async sample(): Promise<void> {
    const mb = await this.stack.rssMb().catch(() => 0);
    this.peaks.set(this.current, Math.max(this.peaks.get(this.current) ?? 0, mb));
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Sequential page fetches from the Graph server alone: the floor no import can beat. */
async function pageFetchFloorMs(graphBaseUrl: string): Promise<{ ms: number; pages: number }> {
  const started = performance.now();
  let url: string | undefined = `${graphBaseUrl}/users/delta`;
  let pages = 0;
  while (url !== undefined) {
    const body = (await (await fetch(url, { headers: { authorization: 'Bearer floor' } })).json()) as { '@odata.nextLink'?: string };
    pages += 1;
    url = body['@odata.nextLink'];
  }
  return { ms: performance.now() - started, pages };
}

async function latencies(stack: StackUnderTest, samples: number): Promise<void> {
  const base = `/api/companies/${COMPANY}`;
  // A deep page: the cursor after 20 pages of 50.
  let cursor: string | undefined;
  let depth = 0;
  for (; depth < 20; depth += 1) {
    const { body } = await stack.get(`${base}/pending-users?limit=50${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    const next = (body as { nextCursor?: string | null } | null)?.nextCursor ?? undefined;
    if (next === undefined) break;
    cursor = next;
  }
  const calls: [string, string][] = [
    ['pending list, first page (50)', `${base}/pending-users?limit=50`],
    ['pending list, search "smith"', `${base}/pending-users?search=smith&limit=50`],
    ['pending list, flag unlicensed', `${base}/pending-users?flag=unlicensed&limit=50`],
    [`pending list, page ${depth + 1} (cursor)`, `${base}/pending-users?limit=50${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`],
    ['user list, first page (50)', `${base}/users?limit=50`],
    ['status (with counts)', `${base}/entra`],
  ];
  for (const [name, path] of calls) {
    const first = await stack.get(path);
    const times: number[] = [];
    for (let i = 0; i < samples; i += 1) times.push((await stack.get(path)).ms);
    console.log(`  ${name.padEnd(34)} first ${fmt(first.ms).padStart(6)} ms   p50 ${fmt(percentile(times, 50)).padStart(6)} ms   p95 ${fmt(percentile(times, 95)).padStart(6)} ms   (HTTP ${first.status})`);
  }
}

async function benchOneSize(users: number, options: StackBenchOptions): Promise<void> {
  const certFile = process.env.LOCAL_TLS_CERT_FILE;
  const keyFile = process.env.LOCAL_TLS_KEY_FILE;
  if (!certFile || !keyFile) throw new Error('Run through `npm run bench` (it prepares the loopback certificate).');
  const graph = await startGraphLatencyServer({ users, latencyMs: options.latencyMs, tls: { certFile, keyFile } });
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-stack-'));
  let stack: StackUnderTest | undefined;
  try {
    const floor = await pageFetchFloorMs(graph.graphBaseUrl);
    console.log(`Directory of ${fmt(users)} users, Graph ${options.latencyMs} ms per page of ${graph.pageSize}:`);
    console.log(`  page-fetch floor (${floor.pages} pages, one after another)   ${fmt(floor.ms / 1000, 1)} s`);
    stack = await StackUnderTest.start(dataDir, graph.graphBaseUrl);
    const rss = new RssByPhase(stack);
    await rss.phase('first import');
    const started = performance.now();
    await stack.connect();
    const first = await stack.finishedRun(undefined, options.limitMs);
    const importMs = performance.now() - started;
    const afterImport = writesBetween({ total: 0, directoryUsers: 0 }, await stack.cosmosWrites());
    console.log(
      `  first import (connect → run finished)  ${fmt(importMs / 1000, 1)} s = ${fmt(importMs / floor.ms, 2)}× the floor   run ${first.status}, ${first.pages} pages, ${fmt(first.counts.newPending ?? 0)} new pending, Cosmos writes ${afterImport}`,
    );

    const phase = async (name: string, full: boolean | 'preview', before: () => void) => {
      await rss.phase(name);
      before();
      const w0 = await stack!.cosmosWrites();
      const t0 = performance.now();
      const run = await stack!.finishedRun(await stack!.syncNow(full));
      const ms = performance.now() - t0;
      const w1 = await stack!.cosmosWrites();
      const writes = writesBetween(w0, w1);
      console.log(`  ${name.padEnd(38)} ${fmt(ms / 1000, 2)} s   run ${run.status}, ${run.pages} pages, updated ${run.counts.updated ?? 0}, Cosmos writes ${writes}`);
    };
    await phase(`incremental (${options.changes} changes)`, false, () => {
      graph.change(options.changes);
    });
    await phase('no-change delta', false, () => undefined);
    await phase('no-change full round', true, () => undefined);
    // A dry-run preview reads the whole directory like a full round and writes no user.
    await phase('dry-run preview', 'preview', () => undefined);
    await rss.phase('lists');
    await latencies(stack, options.samples);
    const byPhase = await rss.stop();
    console.log(`  peak RSS of the stack                  ${fmt(await stack.peakRssMb())} MB (highest RSS sampled per phase, MB: ${byPhase})\n`);
  } finally {
    await stack?.stop();
    await graph.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function benchStack(options: StackBenchOptions): Promise<void> {
  console.log(`Stack benchmark — npm start's stack in its own process, driven over HTTP; Node ${process.version}, ${new Date().toISOString()}\n`);
  for (const users of options.users) {
    try {
      await benchOneSize(users, options);
    } catch (error) {
      console.log(`  ${fmt(users)} users: did not finish — ${error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)}\n`);
    }
  }
}
