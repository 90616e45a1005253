// azd prepackage hook of the `api` service: stages exactly what the Function App runs in
// .deploy/api (azure.yaml `dist`), which azd zips and deploys as is (`remoteBuild: false`):
//   dist/src/**        compiled fresh from src/ (tsconfig.build.json; no src/local, no stale files)
//   host.json, package.json (`main`: dist/src/{index.js,functions/*.js}), package-lock.json
//   node_modules/      production dependencies only, from the lock file (npm ci --omit=dev)
// Then every compiled function module is loaded with only those dependencies, so a production
// import of a dev dependency fails here rather than at the host's first start.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
export const PACKAGE_DIR = join(ROOT, '.deploy', 'api');

function run(command: string, args: string[], cwd: string): void {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${[command, ...args].join(' ')} exited with ${String(result.status)}`);
}

/** npm's own CLI, run on this Node (set by npm for scripts and `npm exec`). */
function npmCli(): string {
  const cli = process.env.npm_execpath;
  if (cli === undefined || !existsSync(cli)) throw new Error('Run this through npm (node scripts/azd-hook.mjs package-api): npm_execpath is not set.');
  return cli;
}

export function stageFunctionApp(out: string = PACKAGE_DIR): void {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(out, 'dist')], ROOT);
  for (const file of ['host.json', 'package.json', 'package-lock.json']) copyFileSync(join(ROOT, file), join(out, file));
  run(process.execPath, [npmCli(), 'ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], out);
  const functions = readdirSync(join(out, 'dist', 'src', 'functions')).filter((name) => name.endsWith('.js'));
  if (!existsSync(join(out, 'dist', 'src', 'index.js')) || functions.length === 0) throw new Error('The build produced no dist/src/index.js or no dist/src/functions/*.js.');
  const load = functions.map((name) => `require(${JSON.stringify(`./dist/src/functions/${name}`)});`).join('');
  run(process.execPath, ['-e', load], out);
  console.log(`package-api: staged ${out} (${functions.length} function modules, production dependencies only).`);
}

if (require.main === module) stageFunctionApp();
