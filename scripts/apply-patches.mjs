// postinstall: applies patches/ (patch-package) to the dev dependencies they fix. A production
// install (`npm ci --omit=dev`) has neither those packages nor patch-package: nothing to patch.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (!existsSync('node_modules/@zeit/cosmosdb-query') || !existsSync('node_modules/patch-package')) {
  console.log('apply-patches: dev dependencies not installed, nothing to patch');
  process.exit(0);
}
const result = spawnSync(process.execPath, ['node_modules/patch-package/index.js', '--error-on-fail'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
