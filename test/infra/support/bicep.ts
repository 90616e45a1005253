// Reads the Bicep files under infra/ with the tree-sitter Bicep grammar (WebAssembly build, no
// native code), so tests can check their syntax and hold their literal parts to the code.
// There is no Bicep compiler on this machine: this parses, it does not type-check.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const INFRA_DIR = join(REPO_ROOT, 'infra');

let parser: Promise<Parser> | undefined;

function bicepParser(): Promise<Parser> {
  parser ??= (async () => {
    await Parser.init();
    // Bytes, not a path: loading from a path takes a dynamic import that jest's CommonJS runtime refuses.
    const language = await Language.load(readFileSync(require.resolve('tree-sitter-bicep/tree-sitter-bicep.wasm')));
    const p = new Parser();
    p.setLanguage(language);
    return p;
  })();
  return parser;
}

/** A value read from Bicep: literals as JSON, anything computed as `{ $expr: '<source text>' }`. */
export type BicepValue = string | number | boolean | null | BicepValue[] | { [key: string]: BicepValue } | { $expr: string };

export function isExpr(value: BicepValue): value is { $expr: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof value.$expr === 'string' && Object.keys(value).length === 1;
}

export interface BicepParam {
  name: string;
  hasDefault: boolean;
}

export interface BicepModuleCall {
  symbol: string;
  /** Path of the module file, resolved against the calling file. */
  file: string;
  params: string[];
}

export interface BicepFile {
  file: string;
  /** Path relative to the repository root (for messages). */
  name: string;
  /** Syntax errors: `line:column` of each ERROR or MISSING node. */
  syntaxErrors: string[];
  extensions: string[];
  params: BicepParam[];
  outputs: string[];
  modules: BicepModuleCall[];
  /** `type@apiVersion` of every resource declared (not `existing` ones too: all of them). */
  resourceTypes: string[];
  /** `<symbol>.outputs.<name>` references, for module-interface checks. */
  outputReferences: Array<{ symbol: string; output: string }>;
  /** The literal value of a top-level `var`, evaluated (other vars of the file are followed). */
  variable(name: string): BicepValue;
}

/**
 * `extension <alias>` (Bicep 0.30+) postdates the grammar (1.1.0, which knows `import`/`provider`):
 * such lines are recorded and blanked (same length, so positions stay right) before parsing.
 */
function takeExtensions(source: string): { text: string; extensions: string[] } {
  const extensions: string[] = [];
  const text = source.replace(/^extension\s+([A-Za-z_][A-Za-z0-9_]*)[ \t]*$/gm, (line: string, alias: string) => {
    extensions.push(alias);
    return ' '.repeat(line.length);
  });
  return { text, extensions };
}

function stringValue(node: Node): string | null {
  // A string without interpolation: its content and escapes, unescaped.
  let out = '';
  for (const child of node.namedChildren) {
    if (!child) continue;
    if (child.type === 'string_content') out += child.text;
    else if (child.type === 'escape_sequence') out += unescape(child.text);
    else return null;
  }
  return out;
}

function unescape(sequence: string): string {
  const map: Record<string, string> = { "\\'": "'", '\\\\': '\\', '\\n': '\n', '\\r': '\r', '\\t': '\t', '\\$': '$' };
  return map[sequence] ?? sequence;
}

/** Named children, comments left out. */
function named(node: Node): Node[] {
  return node.namedChildren.filter((child): child is Node => child !== null && child.type !== 'comment');
}

export async function parseBicepSource(file: string, source: string): Promise<BicepFile> {
  const { text, extensions } = takeExtensions(source);
  const tree = (await bicepParser()).parse(text);
  if (!tree) throw new Error(`tree-sitter returned no tree for ${file}`);
  const root = tree.rootNode;
  const syntaxErrors: string[] = [];
  const walk = (node: Node): void => {
    if (node.type === 'ERROR' || node.isMissing) syntaxErrors.push(`${node.startPosition.row + 1}:${node.startPosition.column + 1}`);
    for (const child of named(node)) walk(child);
  };
  walk(root);

  const vars = new Map<string, Node>();
  const params: BicepParam[] = [];
  const outputs: string[] = [];
  const modules: BicepModuleCall[] = [];
  const resourceTypes: string[] = [];
  for (const statement of named(root)) {
    const [first, second] = named(statement);
    if (statement.type === 'variable_declaration' && first && second) vars.set(first.text, second);
    if (statement.type === 'parameter_declaration' && first) params.push({ name: first.text, hasDefault: named(statement).length > 2 });
    if (statement.type === 'output_declaration' && first) outputs.push(first.text);
    if (statement.type === 'module_declaration' && first && second) {
      const body = named(statement)[2];
      const object = body?.type === 'if_statement' ? named(body).find((n) => n.type === 'object') : body;
      modules.push({ symbol: first.text, file: resolve(dirname(file), stringValue(second) ?? ''), params: object ? paramNames(object) : [] });
    }
  }
  const collectTypes = (node: Node): void => {
    if (node.type === 'resource_declaration') {
      const type = named(node).find((n) => n.type === 'string');
      if (type) resourceTypes.push(stringValue(type) ?? type.text);
    }
    for (const child of named(node)) collectTypes(child);
  };
  collectTypes(root);

  const outputReferences: Array<{ symbol: string; output: string }> = [];
  const collectRefs = (node: Node): void => {
    // m.outputs.x, m!.outputs.x and m.?outputs.x all end in `<expr>.outputs` . `<name>`.
    const match = /^([A-Za-z_][A-Za-z0-9_]*)!?\??\.\??outputs\.\??([A-Za-z_][A-Za-z0-9_]*)$/.exec(node.text);
    if (node.type === 'member_expression' && match?.[1] && match[2]) outputReferences.push({ symbol: match[1], output: match[2] });
    for (const child of named(node)) collectRefs(child);
  };
  collectRefs(root);

  const evaluate = (node: Node, seen: Set<string>): BicepValue => {
    switch (node.type) {
      case 'object': {
        const out: Record<string, BicepValue> = {};
        for (const property of named(node).filter((n) => n.type === 'object_property')) {
          const [key, value] = named(property);
          if (!key || !value) continue;
          out[key.type === 'string' ? (stringValue(key) ?? key.text) : key.text] = evaluate(value, seen);
        }
        return out;
      }
      case 'array':
        return named(node).map((n) => evaluate(n, seen));
      case 'string': {
        const value = stringValue(node);
        return value ?? { $expr: node.text };
      }
      case 'number':
        return Number(node.text);
      case 'boolean':
        return node.text === 'true';
      case 'null':
        return null;
      case 'unary_expression':
        return /^-\d+(\.\d+)?$/.test(node.text) ? Number(node.text) : { $expr: node.text };
      case 'identifier': {
        const target = vars.get(node.text);
        if (!target || seen.has(node.text)) return { $expr: node.text };
        return evaluate(target, new Set([...seen, node.text]));
      }
      default:
        return { $expr: node.text };
    }
  };

  return {
    file,
    name: relative(REPO_ROOT, file),
    syntaxErrors,
    extensions,
    params,
    outputs,
    modules,
    resourceTypes,
    outputReferences,
    variable(name) {
      const node = vars.get(name);
      if (!node) throw new Error(`${relative(REPO_ROOT, file)} declares no var ${name}`);
      return evaluate(node, new Set([name]));
    },
  };
}

function paramNames(moduleBody: Node): string[] {
  const paramsProperty = named(moduleBody).find((p) => p.type === 'object_property' && named(p)[0]?.text === 'params');
  const object = paramsProperty ? named(paramsProperty)[1] : undefined;
  if (!object || object.type !== 'object') return [];
  return named(object)
    .filter((p) => p.type === 'object_property')
    .map((p) => named(p)[0]?.text ?? '');
}

export async function parseBicepFile(file: string): Promise<BicepFile> {
  return parseBicepSource(file, readFileSync(file, 'utf8'));
}

/** Every `.bicep` file under infra/. */
export function bicepFiles(): string[] {
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.bicep')) out.push(path);
    }
  };
  visit(INFRA_DIR);
  return out.sort();
}

/** JSON with `//` line comments (bicepconfig.json). */
export function readJsonc(file: string): unknown {
  const text = readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '');
  return JSON.parse(text) as unknown;
}
