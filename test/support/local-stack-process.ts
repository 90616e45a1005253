import { ChildProcess, execFile, spawn } from 'node:child_process';
import { freePort } from '../../src/local/free-port';
import { connectThroughMicrosoft } from './microsoft-login';
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
  /** `kill -9` of the stack's whole process group, as a crash or a power cut would end it; resolves once it is gone. */
  kill(): Promise<void>;
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
      // Its own process group, so that kill() can end the group as a whole.
      detached: true,
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
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined)
        process.kill(-child.pid, 'SIGKILL');
      await exited;
    },
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
 * Connects a company through the stand-in of Microsoft's sign-in and admin consent as a browser
 * would, signed in as the tenant's Global Administrator; returns the tenant id.
 */
export async function connectThroughConsent(
  stackUrl: string,
  token: string,
  companyId: string,
  tenantIndex = 0,
): Promise<string> {
  const { landing, tenantId } = await connectThroughMicrosoft(stackUrl, token, companyId, {
    tenant: tenantIndex === 0 ? 'Contoso' : 'Fabrikam',
    role: 'Global Administrator',
  });
  if (landing.searchParams.get('status') !== 'connected' || tenantId === null)
    throw new Error(`consent did not connect: ${landing.toString()}`);
  return tenantId;
}
