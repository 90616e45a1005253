import { ChildProcess, execFile, spawn } from 'node:child_process';
import { freePort } from '../../src/local/free-port';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait-for';

export { waitFor };

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

export { freePort };

export interface StackProcess {
  url: string;
  output(): string;
  stop(): Promise<number | null>;
}

/**
 * Starts the local stack the way `npm start` does (same entry point, its own data directory) in
 * a child process, and waits until `/api/health` answers. The jest run already trusts the loopback
 * certificate (scripts/local-ca.mjs), and the child inherits that.
 */
export async function startStackProcess(options: {
  dataDir: string;
  env?: Record<string, string>;
  args?: string[];
}): Promise<StackProcess> {
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/local/main.ts', '--port', String(port), ...(options.args ?? [])],
    {
      cwd: ROOT,
      env: { ...process.env, LOCAL_DATA_DIR: options.dataDir, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code) => {
      resolveExit(code);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`local stack exited early:\n${output}`);
        const health = await fetch(`${url}/api/health`).catch(() => null);
        return health?.ok ? true : undefined;
      },
      'the local stack to answer /api/health',
      90_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(
      `local stack did not become healthy (${error instanceof Error ? error.message : 'unknown'}):\n${output}`,
    );
  }
  return {
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** `npm run --silent token -- …` without npm's own start-up cost: the same script. */
export async function localToken(dataDir: string, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/local/token.cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOCAL_DATA_DIR: dataDir },
  });
  return stdout.trim();
}

/**
 * Connects a company through the consent stand-in as a browser would (page → form → redirect →
 * callback) and returns the chosen tenant id.
 */
export async function connectThroughConsent(
  stackUrl: string,
  token: string,
  companyId: string,
  tenantIndex = 0,
): Promise<string> {
  const connect = await fetch(`${stackUrl}/api/companies/${companyId}/entra/connect`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  const { consentUrl } = (await connect.json()) as { consentUrl: string };
  const page = await (await fetch(consentUrl)).text();
  const fields = Object.fromEntries(
    [...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [
      m[1] ?? '',
      (m[2] ?? '').replace(/&amp;/g, '&'),
    ]),
  );
  const tenants = [...page.matchAll(/<input type="radio" name="tenant" value="([^"]+)"/g)].map((m) => m[1] ?? '');
  const tenant = tenants[tenantIndex] ?? '';
  const action = new URL(/<form[^>]*action="([^"]+)"/.exec(page)?.[1] ?? '', consentUrl).toString();
  const decided = await fetch(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, tenant, decision: 'accept' }).toString(),
    redirect: 'manual',
  });
  const landed = await fetch(decided.headers.get('location') ?? '', { redirect: 'manual' });
  if (!(landed.headers.get('location') ?? '').includes('status=connected'))
    throw new Error(`consent did not connect: ${landed.headers.get('location') ?? ''}`);
  return tenant;
}
