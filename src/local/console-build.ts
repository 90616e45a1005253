import { execFile } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * Builds the admin console (web/) with Vite when its output is missing or older than any of its
 * sources, so `npm start` always serves the console that matches the code — and costs nothing
 * when nothing changed. The build goes to a fresh folder that then replaces `web/dist` whole, so
 * a reader never sees half a build.
 */

const run = promisify(execFile);

export const REPO_ROOT = resolve(__dirname, '../..');
export const CONSOLE_DIST = join(REPO_ROOT, 'web', 'dist');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Whether web/dist is older than web/src, web/index.html, the Vite config or the lock file. */
export function consoleBuildIsStale(root = REPO_ROOT): boolean {
  const built = join(root, 'web', 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const inputs = [join(root, 'web', 'src'), join(root, 'web', 'index.html'), join(root, 'web', 'vite.config.mts'), join(root, 'package-lock.json')].filter((p) => existsSync(p));
  const newestInput = Math.max(...inputs.map(newestMtime));
  return newestInput > statSync(built).mtimeMs;
}

export async function buildConsole(root = REPO_ROOT): Promise<void> {
  const staging = join(root, 'web', `.dist-${String(process.pid)}`);
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  try {
    await run(process.execPath, [vite, 'build', '--config', join(root, 'web', 'vite.config.mts'), '--outDir', staging, '--logLevel', 'warn'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    rmSync(join(root, 'web', 'dist'), { recursive: true, force: true });
    renameSync(staging, join(root, 'web', 'dist'));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Builds when stale; says what it did. */
export async function ensureConsoleBuilt(root = REPO_ROOT): Promise<{ built: boolean; ms: number }> {
  const started = Date.now();
  if (!consoleBuildIsStale(root)) return { built: false, ms: 0 };
  await buildConsole(root);
  return { built: true, ms: Date.now() - started };
}
