import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { INFRA_DIR, REPO_ROOT } from './support/bicep';

// The alerts and the workbook read the app's structured logs by event name. An event renamed or
// dropped in the code would leave an alert that never fires: every event a query names must
// still be logged somewhere in src/ (as the first argument of a log call: 'sync.finished').

function sourceTexts(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceTexts(path) : name.endsWith('.ts') ? [readFileSync(path, 'utf8')] : [];
  });
}

test('every log event the KQL queries name is logged by the app', () => {
  const queries = readdirSync(join(INFRA_DIR, 'queries')).filter((name) => name.endsWith('.kql'));
  expect(queries.length).toBeGreaterThanOrEqual(6);
  const named = new Set<string>();
  for (const file of queries) {
    for (const match of readFileSync(join(INFRA_DIR, 'queries', file), 'utf8').matchAll(/"(sync\.[a-z_]+)"|\{"event":"(sync\.[a-z_]+)"/g)) named.add(match[1] ?? match[2] ?? '');
  }
  expect([...named]).toEqual(expect.arrayContaining(['sync.started', 'sync.finished', 'sync.failed']));
  const logged = new Set([...sourceTexts(join(REPO_ROOT, 'src')).join('\n').matchAll(/\.(?:info|warn|error)\('(sync\.[a-z_]+)'/g)].map((m) => m[1]));
  expect([...named].filter((event) => !logged.has(event))).toEqual([]);
});
