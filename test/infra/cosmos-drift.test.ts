import { join } from 'node:path';
import { COSMOS_CONTAINERS, type CosmosContainerDefinition } from '../../src/adapters/cosmos/cosmos-schema';
import { INFRA_DIR, isExpr, parseBicepFile, type BicepValue } from './support/bicep';

// The containers infra/app/cosmos.bicep creates are the ones src/adapters/cosmos/cosmos-schema.ts
// declares: names, partition keys, default TTL, unique keys and indexing policies (composite
// indexes included). Read from both sides, not from a copy.

/** A comparable rendering: keys sorted, `kind: 'Hash'` (the default) dropped, undefined dropped. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = canonical(v);
  }
  const partitionKey = out.partitionKey as Record<string, unknown> | undefined;
  if (partitionKey?.kind === 'Hash') delete partitionKey.kind;
  return out;
}

function driftProblems(bicep: BicepValue, code: readonly CosmosContainerDefinition[]): string[] {
  if (!Array.isArray(bicep)) return ['var containers in cosmos.bicep is not an array'];
  const problems: string[] = [];
  const deployed = new Map<string, unknown>();
  for (const entry of bicep) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || isExpr(entry) || typeof entry.id !== 'string') {
      problems.push(`cosmos.bicep: a container entry is not a literal object with an id: ${JSON.stringify(entry)}`);
      continue;
    }
    deployed.set(entry.id, canonical(entry));
  }
  for (const definition of code) {
    const expected = JSON.stringify(canonical(JSON.parse(JSON.stringify(definition))));
    const actual = deployed.get(definition.id);
    if (actual === undefined) problems.push(`container ${definition.id} is in cosmos-schema.ts but not in cosmos.bicep`);
    else if (JSON.stringify(actual) !== expected) problems.push(`container ${definition.id} differs:\n  cosmos-schema.ts: ${expected}\n  cosmos.bicep:     ${JSON.stringify(actual)}`);
    deployed.delete(definition.id);
  }
  for (const id of deployed.keys()) problems.push(`container ${id} is in cosmos.bicep but not in cosmos-schema.ts`);
  return problems;
}

describe('Cosmos drift: infra/app/cosmos.bicep ↔ COSMOS_CONTAINERS', () => {
  let bicep: BicepValue;

  beforeAll(async () => {
    bicep = (await parseBicepFile(join(INFRA_DIR, 'app', 'cosmos.bicep'))).variable('containers');
  });

  test('the same containers, partition keys, TTLs, unique keys and indexing policies', () => {
    expect(COSMOS_CONTAINERS.length).toBeGreaterThanOrEqual(8);
    expect(driftProblems(bicep, COSMOS_CONTAINERS)).toEqual([]);
  });

  test('a composite index added in code only is caught', () => {
    const changed = COSMOS_CONTAINERS.map((c) =>
      c.id === 'directory-users'
        ? { ...c, indexingPolicy: { indexingMode: 'consistent' as const, automatic: true, includedPaths: [{ path: '/*' }], compositeIndexes: [[{ path: '/status', order: 'ascending' as const }, { path: '/displayNameKey', order: 'ascending' as const }]] } }
        : c,
    );
    const problems = driftProblems(bicep, changed);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^container directory-users differs/);
  });

  test('a container or a partition key changed on one side only is caught', () => {
    const renamed = COSMOS_CONTAINERS.map((c) => (c.id === 'sync-state' ? { ...c, id: 'sync-cursors' } : c));
    expect(driftProblems(bicep, renamed)).toEqual(['container sync-cursors is in cosmos-schema.ts but not in cosmos.bicep', 'container sync-state is in cosmos.bicep but not in cosmos-schema.ts']);
    const repartitioned = COSMOS_CONTAINERS.map((c) => (c.id === 'graph-subscriptions' ? { ...c, partitionKey: { ...c.partitionKey, paths: ['/tenantId'] as [string] } } : c));
    expect(driftProblems(bicep, repartitioned)).toEqual([expect.stringMatching(/^container graph-subscriptions differs/)]);
  });
});
