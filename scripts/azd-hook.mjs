#!/usr/bin/env node
// Entry point of every azd hook and operator script (azure.yaml runs `node scripts/azd-hook.mjs
// <name>` from both sh and pwsh): installs the project's dependencies when they are missing (a
// fresh clone, `azd provision` on its own), then runs infra/hooks/<name>.ts with tsx through npm,
// so it runs on the Node.js the lock file pins (the `node` dev dependency), whatever the
// machine's own Node is. Plain JavaScript on purpose: it must run before anything is installed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPTS = ['preprovision', 'postprovision', 'package-api', 'rotate-state-signing-key'];
const [name, ...args] = process.argv.slice(2);
if (!name || !SCRIPTS.includes(name)) {
  console.error(`usage: node scripts/azd-hook.mjs <${SCRIPTS.join('|')}> [arguments]`);
  process.exit(2);
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const windows = process.platform === 'win32';
const npm = windows ? 'npm.cmd' : 'npm';

function run(command, commandArgs) {
  // npm is a .cmd script on Windows, which Node only starts through a shell.
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', shell: windows });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (!existsSync(join(root, 'node_modules', '.bin', windows ? 'tsx.cmd' : 'tsx'))) {
  console.log('Installing the project dependencies (npm ci)…');
  run(npm, ['ci', '--no-audit', '--no-fund']);
}
run(npm, ['exec', '--no', '--', 'tsx', join('infra', 'hooks', `${name}.ts`), ...args]);
