import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bicepFiles, INFRA_DIR, parseBicepFile, parseBicepSource, readJsonc, type BicepFile } from './support/bicep';

// What can be checked here without a Bicep compiler: syntax (tree-sitter grammar), module
// interfaces (parameters passed and outputs read), extension aliases, API versions.

describe('infra/*.bicep', () => {
  let files: BicepFile[];

  beforeAll(async () => {
    files = await Promise.all(bicepFiles().map((file) => parseBicepFile(file)));
  });

  test('every file parses without a syntax error', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
    expect(files.filter((f) => f.syntaxErrors.length > 0).map((f) => `${f.name} at ${f.syntaxErrors.join(', ')}`)).toEqual([]);
  });

  test('the parser does see syntax errors (a check that can fail)', async () => {
    const broken = await parseBicepSource('broken.bicep', "param a string\nresource r 'A/b@2024-01-01' = {\n  name: \n");
    expect(broken.syntaxErrors.length).toBeGreaterThan(0);
  });

  test('every module call passes only declared parameters, every required one, and reads only declared outputs', async () => {
    const problems: string[] = [];
    for (const caller of files) {
      for (const call of caller.modules) {
        if (!existsSync(call.file)) {
          problems.push(`${caller.name}: module ${call.symbol} → missing file ${call.file}`);
          continue;
        }
        const target = await parseBicepFile(call.file);
        const declared = new Set(target.params.map((p) => p.name));
        for (const name of call.params) if (!declared.has(name)) problems.push(`${caller.name}: module ${call.symbol} passes undeclared param ${name}`);
        for (const p of target.params) if (!p.hasDefault && !call.params.includes(p.name)) problems.push(`${caller.name}: module ${call.symbol} misses required param ${p.name}`);
        for (const ref of caller.outputReferences.filter((r) => r.symbol === call.symbol)) {
          if (!target.outputs.includes(ref.output)) problems.push(`${caller.name}: ${call.symbol}.outputs.${ref.output} is not an output of ${target.name}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  test('the module check sees a wrong call (a check that can fail)', async () => {
    const caller = await parseBicepSource(join(INFRA_DIR, 'probe.bicep'), "module m 'app/identity.bicep' = {\n  name: 'm'\n  params: {\n    nmae: 'x'\n  }\n}\noutput o string = m.outputs.nope\n");
    const target = await parseBicepFile(caller.modules[0]!.file);
    expect(caller.modules[0]!.params).toEqual(['nmae']);
    expect(target.params.map((p) => p.name)).not.toContain('nmae');
    expect(target.outputs).not.toContain(caller.outputReferences[0]!.output);
  });

  test('every extension a file uses is declared in bicepconfig.json', () => {
    const config = readJsonc(join(INFRA_DIR, 'bicepconfig.json')) as { extensions?: Record<string, string> };
    const used = files.flatMap((f) => f.extensions);
    expect(used).toContain('microsoftGraphV1');
    for (const alias of used) expect(Object.keys(config.extensions ?? {})).toContain(alias);
  });

  test('resource types use released API versions, one version per type', () => {
    const all = files.flatMap((f) => f.resourceTypes);
    expect(all.filter((t) => !/^[A-Za-z.]+\/[A-Za-z/]+@(\d{4}-\d{2}-\d{2}|v1\.0)$/.test(t) && !/^[a-zA-Z]+@v1\.0$/.test(t))).toEqual([]);
    const versions = new Map<string, Set<string>>();
    for (const t of all.filter((t) => t.includes('/'))) {
      const [type = '', version = ''] = t.split('@');
      versions.set(type, new Set([...(versions.get(type) ?? []), version]));
    }
    expect([...versions].filter(([, v]) => v.size > 1).map(([type, v]) => `${type}: ${[...v].join(', ')}`)).toEqual([]);
  });
});
