// The settings drift check: which settings the code reads, which the deployment sets, which are
// documented as left at their defaults, and what local.settings.example.json lists, compared in
// both directions. Inputs are source texts, so a test can run it on a modified copy.
import ts from 'typescript';

/** An environment variable name as the app spells them (`ENTRA_CLIENT_ID`, `ServiceBusConnection__x`). */
const SETTING_NAME = /^[A-Z][A-Za-z0-9]*(?:_{1,2}[A-Za-z0-9]+)*$/;

export interface SourceText {
  file: string;
  text: string;
}

function visit(source: SourceText, onNode: (node: ts.Node) => void): void {
  const file = ts.createSourceFile(source.file, source.text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const walk = (node: ts.Node): void => {
    onNode(node);
    ts.forEachChild(node, walk);
  };
  walk(file);
}

function literalText(node: ts.Node | undefined): string | undefined {
  return node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;
}

/**
 * Settings the configuration code reads: `e('NAME')`-style calls of a local helper with one
 * setting-shaped string literal, `env['NAME']`, `env.NAME` and `process.env.NAME`.
 */
export function settingsReadBy(sources: readonly SourceText[]): Set<string> {
  const read = new Set<string>();
  for (const source of sources) {
    visit(source, (node) => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.arguments.length === 1) {
        const name = literalText(node.arguments[0]);
        if (name !== undefined && SETTING_NAME.test(name)) read.add(name);
      }
      if (ts.isElementAccessExpression(node) && /(^|\.)env$/.test(node.expression.getText())) {
        const name = literalText(node.argumentExpression);
        if (name !== undefined && SETTING_NAME.test(name)) read.add(name);
      }
      if (ts.isPropertyAccessExpression(node) && /(^|\.)env$/.test(node.expression.getText()) && SETTING_NAME.test(node.name.text)) read.add(node.name.text);
    });
  }
  return read;
}

/** `%NAME%` binding expressions in function definitions: the Functions host resolves them from app settings. */
export function bindingSettings(sources: readonly SourceText[]): Set<string> {
  const names = new Set<string>();
  for (const source of sources) {
    visit(source, (node) => {
      const text = literalText(node);
      if (text === undefined) return;
      for (const match of text.matchAll(/%([A-Za-z][A-Za-z0-9_]*)%/g)) if (match[1]) names.add(match[1]);
    });
  }
  return names;
}

/** `connection: 'Name'` of triggers: the host reads every `Name__*` setting for that connection. */
export function triggerConnections(sources: readonly SourceText[]): Set<string> {
  const names = new Set<string>();
  for (const source of sources) {
    visit(source, (node) => {
      if (ts.isPropertyAssignment(node) && node.name.getText() === 'connection') {
        const name = literalText(node.initializer);
        if (name !== undefined) names.add(name);
      }
    });
  }
  return names;
}

/** Setting names in the first column of the table under the given markdown heading. */
export function documentedSettings(markdown: string, heading: string): Set<string> {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  const names = new Set<string>();
  if (start < 0) return names;
  for (const line of lines.slice(start + 1)) {
    if (/^#{1,6} /.test(line)) break;
    const firstCell = /^\|([^|]*)\|/.exec(line)?.[1] ?? '';
    for (const match of firstCell.matchAll(/`([^`]+)`/g)) if (match[1]) names.add(match[1]);
  }
  return names;
}

/** Read by the Functions host itself (not by the app), with where each comes from. */
export const HOST_SETTINGS_IN_AZURE: ReadonlyMap<RegExp, string> = new Map([
  [/^AzureWebJobsStorage__(accountName|credential|clientId)$/, 'host storage, identity-based'],
  [/^APPLICATIONINSIGHTS_(CONNECTION_STRING|AUTHENTICATION_STRING)$/, 'host telemetry'],
]);
export const HOST_SETTINGS_LOCAL: ReadonlyMap<RegExp, string> = new Map([
  [/^FUNCTIONS_WORKER_RUNTIME$/, 'Core Tools need it locally (Flex Consumption rejects it in Azure)'],
  [/^AzureWebJobsStorage$/, 'host storage (Azurite) for `func start`'],
]);

export interface SettingsDriftInput {
  /** Read by src/config. */
  read: ReadonlySet<string>;
  /** `%NAME%` in function definitions. */
  bindings: ReadonlySet<string>;
  /** Trigger connection names (`ServiceBusConnection`). */
  connections: ReadonlySet<string>;
  /** Keys of the app settings the deployment sets. */
  deployed: ReadonlySet<string>;
  /** Settings infra/README.md documents as left at their defaults in Azure. */
  documentedDefaults: ReadonlySet<string>;
  /** Keys of local.settings.example.json's Values. */
  example: ReadonlySet<string>;
}

function matchesAny(name: string, patterns: ReadonlyMap<RegExp, string>): boolean {
  return [...patterns.keys()].some((pattern) => pattern.test(name));
}

/** Every disagreement, as a sentence naming the setting and what to do. Empty: no drift. */
export function settingsDriftProblems(input: SettingsDriftInput): string[] {
  const problems: string[] = [];
  const appSettings = new Set([...input.read, ...input.bindings]);
  const viaConnection = (name: string): boolean => [...input.connections].some((c) => name.startsWith(`${c}__`));

  for (const name of [...appSettings].sort()) {
    if (!input.example.has(name)) problems.push(`${name} is read by the app but missing from local.settings.example.json`);
    if (!input.deployed.has(name) && !input.documentedDefaults.has(name)) {
      problems.push(`${name} is read by the app but neither set in infra/app/app-settings.bicep nor listed in infra/README.md under "Settings left at their defaults"`);
    }
  }
  for (const name of [...input.bindings].sort()) {
    if (!input.deployed.has(name)) problems.push(`%${name}% is a binding expression: the host needs ${name} set in infra/app/app-settings.bicep`);
  }
  for (const name of [...input.deployed].sort()) {
    if (!appSettings.has(name) && !viaConnection(name) && !matchesAny(name, HOST_SETTINGS_IN_AZURE)) {
      problems.push(`${name} is set in infra/app/app-settings.bicep but neither the app, a trigger connection nor the Functions host reads it`);
    }
    if (input.documentedDefaults.has(name)) problems.push(`${name} is set in infra/app/app-settings.bicep and also documented as left at its default`);
  }
  for (const name of [...input.example].sort()) {
    if (!appSettings.has(name) && !viaConnection(name) && !matchesAny(name, HOST_SETTINGS_LOCAL)) {
      problems.push(`${name} is in local.settings.example.json but nothing reads it`);
    }
  }
  for (const name of [...input.documentedDefaults].sort()) {
    if (!appSettings.has(name)) problems.push(`${name} is documented in infra/README.md but the app does not read it`);
  }
  return problems;
}
