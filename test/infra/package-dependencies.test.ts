import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './support/bicep';

// The deployment package carries production dependencies only (infra/hooks/package-api.ts runs
// `npm ci --omit=dev`): every package the deployed code imports must be a `dependency`. The
// deployed code is what tsconfig.build.json compiles: src/ without src/local.

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

function deployedSources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return relative(REPO_ROOT, path) === join('src', 'local') ? [] : deployedSources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

test('every package the deployed code imports is a production dependency', () => {
  const files = deployedSources(join(REPO_ROOT, 'src'));
  expect(files.length).toBeGreaterThan(50);
  const builtins = new Set(builtinModules);
  const misplaced: string[] = [];
  const used = new Set<string>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (fileName.startsWith('.') || fileName.startsWith('node:') || builtins.has(fileName)) continue;
      const name = packageOf(fileName);
      used.add(name);
      if (!(name in pkg.dependencies)) misplaced.push(`${relative(REPO_ROOT, file)} imports ${name}, which is ${name in pkg.devDependencies ? 'a dev dependency' : 'not a dependency'}`);
    }
  }
  expect(misplaced).toEqual([]);
  expect([...used]).toEqual(expect.arrayContaining(['@azure/functions', '@azure/cosmos', 'zod']));
});

test('the local stack stays out of the deployment (tsconfig.build.json excludes src/local)', () => {
  const build = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as { exclude?: string[] };
  expect(build.exclude).toContain('src/local');
});
