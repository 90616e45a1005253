import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PACKAGE_DIR } from '../../infra/hooks/package-api';
import { INFRA_DIR, parseBicepFile, REPO_ROOT } from './support/bicep';

// azure.yaml, .funcignore and the Bicep agree on how azd finds, packages and deploys the app.

const azureYaml = readFileSync(join(REPO_ROOT, 'azure.yaml'), 'utf8');

test('service api: TypeScript on a Function App, packaged from the folder the prepackage hook stages, no remote build', () => {
  expect(azureYaml).toMatch(/\nservices:\n {2}api:\n {4}project: \.\n {4}language: ts\n {4}host: function\n/);
  expect(azureYaml).toContain(`dist: ${relative(REPO_ROOT, PACKAGE_DIR).split('\\').join('/')}\n`);
  expect(azureYaml).toContain('remoteBuild: false');
});

test('every hook runs a script that exists, on both shells', () => {
  const hooks = [...azureYaml.matchAll(/run: node scripts\/azd-hook\.mjs ([a-z-]+)/g)].map((m) => m[1] ?? '');
  expect(new Set(hooks)).toEqual(new Set(['package-api', 'preprovision', 'postprovision']));
  expect(hooks).toHaveLength(6);
  for (const name of hooks) expect(existsSync(join(INFRA_DIR, 'hooks', `${name}.ts`))).toBe(true);
  expect(existsSync(join(REPO_ROOT, 'scripts', 'azd-hook.mjs'))).toBe(true);
});

test('.funcignore keeps node_modules (azd refuses remoteBuild: false otherwise) and the sources out', () => {
  const lines = readFileSync(join(REPO_ROOT, '.funcignore'), 'utf8').split('\n').map((l) => l.trim());
  expect(lines.filter((l) => /node_modules/.test(l) && !l.startsWith('#'))).toEqual([]);
  expect(lines).toEqual(expect.arrayContaining(['src', 'test', 'infra', 'local.settings*.json']));
});

test('the Function App carries the azd-service-name tag of the service', async () => {
  const app = await parseBicepFile(join(INFRA_DIR, 'app', 'function-app.bicep'));
  expect(app.params.find((p) => p.name === 'serviceName')?.hasDefault).toBe(true);
  expect(readFileSync(app.file, 'utf8')).toContain("param serviceName string = 'api'");
  expect(readFileSync(app.file, 'utf8')).toContain("'azd-service-name': serviceName");
});
