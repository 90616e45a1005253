import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INFRA_DIR, parseBicepFile, parseBicepSource, REPO_ROOT } from './support/bicep';
import { bindingSettings, documentedSettings, settingsDriftProblems, settingsReadBy, triggerConnections, type SettingsDriftInput, type SourceText } from './support/settings-drift';

// Every setting the code reads is in local.settings.example.json and set in Bicep (or documented
// as left at its default), and nothing is set that nobody reads. Read from the sources
// themselves: src/config/*.ts, the function definitions, infra/app/app-settings.bicep,
// infra/README.md and local.settings.example.json.

const DEFAULTS_HEADING = '### Settings left at their defaults';
const APP_SETTINGS_BICEP = join(INFRA_DIR, 'app', 'app-settings.bicep');

function sourcesIn(dir: string): SourceText[] {
  return readdirSync(join(REPO_ROOT, dir))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => ({ file: `${dir}/${name}`, text: readFileSync(join(REPO_ROOT, dir, name), 'utf8') }));
}

function objectKeys(value: unknown, what: string): Set<string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return new Set(Object.keys(value));
}

async function deployedSettings(bicepSource?: string): Promise<Set<string>> {
  const file = bicepSource === undefined ? await parseBicepFile(APP_SETTINGS_BICEP) : await parseBicepSource(APP_SETTINGS_BICEP, bicepSource);
  return objectKeys(file.variable('settings'), 'var settings in infra/app/app-settings.bicep');
}

async function currentInput(): Promise<SettingsDriftInput> {
  const configSources = sourcesIn('src/config');
  const functionSources = [...sourcesIn('src/functions'), ...sourcesIn('src/app')];
  const example = JSON.parse(readFileSync(join(REPO_ROOT, 'local.settings.example.json'), 'utf8')) as { Values?: unknown };
  return {
    read: settingsReadBy(configSources),
    bindings: bindingSettings(functionSources),
    connections: triggerConnections(functionSources),
    deployed: await deployedSettings(),
    documentedDefaults: documentedSettings(readFileSync(join(INFRA_DIR, 'README.md'), 'utf8'), DEFAULTS_HEADING),
    example: objectKeys(example.Values, 'local.settings.example.json Values'),
  };
}

describe('settings drift: src/config ↔ infra/app/app-settings.bicep ↔ local.settings.example.json', () => {
  let input: SettingsDriftInput;

  beforeAll(async () => {
    input = await currentInput();
  });

  test('the readers find what they should (so an empty problem list means something)', () => {
    expect([...input.read]).toEqual(expect.arrayContaining(['ENTRA_CLIENT_ID', 'COSMOS_ENDPOINT', 'ServiceBusConnection__fullyQualifiedNamespace', 'SYNC_MAX_DELIVERY_COUNT']));
    expect([...input.bindings]).toEqual(['SYNC_RECONCILE_SCHEDULE']);
    expect([...input.connections]).toEqual(['ServiceBusConnection']);
    expect(input.deployed.size).toBeGreaterThan(15);
    expect(input.documentedDefaults.size).toBeGreaterThan(5);
  });

  test('no drift', () => {
    expect(settingsDriftProblems(input)).toEqual([]);
  });

  test('a setting added to config.ts only is caught (checker run on a modified copy of the source)', () => {
    const configPath = join(REPO_ROOT, 'src/config/config.ts');
    const original = readFileSync(configPath, 'utf8');
    const anchor = '    publicBaseUrl,\n';
    expect(original).toContain(anchor);
    const modified = original.replace(anchor, `    maxPendingPerCompany: e('SYNC_MAX_PENDING_PER_COMPANY'),\n${anchor}`);
    const read = settingsReadBy([...sourcesIn('src/config').filter((s) => s.file !== 'src/config/config.ts'), { file: 'src/config/config.ts', text: modified }]);
    expect(read.has('SYNC_MAX_PENDING_PER_COMPANY')).toBe(true);

    expect(settingsDriftProblems({ ...input, read })).toEqual([
      'SYNC_MAX_PENDING_PER_COMPANY is read by the app but missing from local.settings.example.json',
      'SYNC_MAX_PENDING_PER_COMPANY is read by the app but neither set in infra/app/app-settings.bicep nor listed in infra/README.md under "Settings left at their defaults"',
    ]);
  });

  test('a setting set in Bicep that nothing reads is caught (checker run on a modified copy of the Bicep)', async () => {
    const original = readFileSync(APP_SETTINGS_BICEP, 'utf8');
    const anchor = 'var settings = {\n';
    expect(original).toContain(anchor);
    const deployed = await deployedSettings(original.replace(anchor, `${anchor}  FUNCTIONS_WORKER_RUNTIME: 'node'\n  LEGACY_SYNC_BATCH: '50'\n`));
    expect(settingsDriftProblems({ ...input, deployed })).toEqual([
      'FUNCTIONS_WORKER_RUNTIME is set in infra/app/app-settings.bicep but neither the app, a trigger connection nor the Functions host reads it',
      'LEGACY_SYNC_BATCH is set in infra/app/app-settings.bicep but neither the app, a trigger connection nor the Functions host reads it',
    ]);
  });

  test('a binding expression without its setting in Bicep is caught', () => {
    const deployed = new Set([...input.deployed].filter((name) => name !== 'SYNC_RECONCILE_SCHEDULE'));
    expect(settingsDriftProblems({ ...input, deployed, documentedDefaults: new Set([...input.documentedDefaults, 'SYNC_RECONCILE_SCHEDULE']) })).toEqual([
      '%SYNC_RECONCILE_SCHEDULE% is a binding expression: the host needs SYNC_RECONCILE_SCHEDULE set in infra/app/app-settings.bicep',
    ]);
  });
});
