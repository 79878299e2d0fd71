/** Reads and validates a project's manifest.json, iparams.json and serverless.yml from its directory. */
import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '@tessera/protocol/errors';
import { pointer } from './_ajv.js';
import { manifestIssues } from './_manifest-rules.js';
import { CSRF_ROUTE_NAME } from './manifest-schema.js';
import type { ConfigIssue, IparamsSchema, Manifest, Project } from './types.js';
import { validateIparamsSchema } from './validate-iparams-schema.js';
import { validateManifest } from './validate-manifest.js';

const MANIFEST_FILE = 'manifest.json';
const IPARAMS_FILE = 'iparams.json';
const SERVERLESS_FILE = 'serverless.yml';

/** V8's JSON errors quote the source text, so only the position is kept. */
function jsonParseRule(text: string, error: unknown): string {
  const position = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (!position) return 'is not valid JSON';
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `is not valid JSON (line ${line}, column ${column})`;
}

async function readJson(dir: string, file: string): Promise<{ json?: unknown; issue?: ConfigIssue }> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch {
    return { issue: { file, field: '/', rule: 'cannot be read (missing or unreadable)' } };
  }
  try {
    return { json: JSON.parse(text) as unknown };
  } catch (error) {
    return { issue: { file, field: '/', rule: jsonParseRule(text, error) } };
  }
}

function issuesOf(error: unknown): ConfigIssue[] {
  if (error instanceof ConfigError) return [...error.issues];
  throw error;
}

async function loadWithIssues(dir: string): Promise<{ project?: Project; issues: ConfigIssue[] }> {
  const [manifestRead, iparamsRead] = await Promise.all([readJson(dir, MANIFEST_FILE), readJson(dir, IPARAMS_FILE)]);
  const issues: ConfigIssue[] = [];
  let iparams: IparamsSchema | undefined;
  let manifest: Manifest | undefined;
  if (iparamsRead.issue) issues.push(iparamsRead.issue);
  else {
    try {
      iparams = validateIparamsSchema(iparamsRead.json, { file: IPARAMS_FILE });
    } catch (error) {
      issues.push(...issuesOf(error));
    }
  }
  if (manifestRead.issue) issues.push(manifestRead.issue);
  else if (iparams) {
    try {
      manifest = validateManifest(manifestRead.json, iparams, { file: MANIFEST_FILE });
    } catch (error) {
      issues.push(...issuesOf(error));
    }
  } else {
    // Without a sound iparams.json the cross-checks would only repeat its problems; check the manifest on its own.
    issues.push(...manifestIssues(manifestRead.json, undefined, MANIFEST_FILE));
  }
  return manifest && iparams ? { project: { manifest, iparams }, issues } : { issues };
}

/**
 * Reads `manifest.json` and `iparams.json` from `dir` and validates both, including their cross-checks.
 * Throws `ConfigError` listing every issue of either file.
 * @example
 * const { manifest, iparams } = await loadProject(process.cwd());
 */
export async function loadProject(dir: string): Promise<Project> {
  const { project, issues } = await loadWithIssues(resolve(dir));
  if (!project) throw new ConfigError(issues);
  return project;
}

/** Resolves `${self:a.b}` against the parsed serverless.yml; anything else stays unresolved. */
function resolveSelf(value: string, doc: unknown): string | undefined {
  const resolved = value.replace(/\$\{self:([A-Za-z0-9_.-]+)\}/g, (whole, path: string) => {
    let node: unknown = doc;
    for (const key of path.split('.')) {
      node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    }
    return typeof node === 'string' || typeof node === 'number' ? String(node) : whole;
  });
  return resolved.includes('${') ? undefined : resolved;
}

async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function serverlessIssues(dir: string, manifest: Manifest): Promise<ConfigIssue[]> {
  const file = SERVERLESS_FILE;
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch {
    return [{ file, field: '/', rule: 'cannot be read (missing or unreadable)' }];
  }
  // CloudFormation tags (!Ref, !GetAtt…) only produce warnings here, which is what tolerating them means.
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const line = doc.errors[0]?.linePos?.[0]?.line;
    return [{ file, field: '/', rule: `is not valid YAML${line ? ` (line ${line})` : ''}` }];
  }
  const root = doc.toJS() as unknown;
  const functions = typeof root === 'object' && root !== null ? (root as Record<string, unknown>).functions : undefined;
  if (typeof functions === 'string') return []; // `${file(...)}` and friends: nothing to check without serverless
  if (typeof functions !== 'object' || functions === null) {
    return Object.keys(manifest.functions).length === 0 ? [] : [{ file, field: '/functions', rule: 'is required' }];
  }

  const issues: ConfigIssue[] = [];
  const needed = Object.keys(manifest.functions).map((name) => [name, `is declared in ${MANIFEST_FILE} but missing here`]);
  if (Object.values(manifest.functions).some((f) => f.csrf === true)) {
    needed.push([CSRF_ROUTE_NAME, `serves GET /${CSRF_ROUTE_NAME} for the csrf: true functions of ${MANIFEST_FILE} but is missing here`]);
  }
  for (const [name, missing] of needed as [string, string][]) {
    const declared = Object.hasOwn(functions, name) ? (functions as Record<string, unknown>)[name] : undefined;
    if (typeof declared !== 'object' || declared === null) {
      issues.push({ file, field: pointer('functions', name), rule: missing });
      continue;
    }
    const handler = (declared as Record<string, unknown>).handler;
    if (typeof handler !== 'string' || handler === '') {
      issues.push({ file, field: pointer('functions', name, 'handler'), rule: 'is required' });
      continue;
    }
    const resolved = resolveSelf(handler, root);
    if (resolved === undefined) continue;
    const dot = resolved.lastIndexOf('.');
    const modulePath = dot > 0 ? resolved.slice(0, dot) : '';
    if (modulePath === '') {
      issues.push({ file, field: pointer('functions', name, 'handler'), rule: 'must be <file>.<export>, e.g. functions/get-order.handler' });
      continue;
    }
    const candidates = ['.ts', '.js'].map((ext) => join(dir, modulePath + ext));
    const found = await Promise.all(candidates.map(fileExists));
    if (!found.includes(true)) {
      issues.push({ file, field: pointer('functions', name, 'handler'), rule: `points at ${modulePath}, which has no .ts or .js file` });
    }
  }
  return issues;
}

/**
 * Checks a project directory and returns every issue instead of throwing: manifest.json, iparams.json, their
 * cross-checks, and that each manifest function has a handler in serverless.yml whose file exists.
 * @example
 * for (const i of await validateProject('.')) console.error(`${i.file} ${i.field}: ${i.rule}`);
 */
export async function validateProject(dir: string): Promise<ConfigIssue[]> {
  const root = resolve(dir);
  const { project, issues } = await loadWithIssues(root);
  if (project) issues.push(...(await serverlessIssues(root, project.manifest)));
  return issues;
}
