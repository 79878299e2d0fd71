/**
 * The layout rules of STYLE.md as a test: packages depend on each other one way and only on what their package.json
 * declares, parts inside a package are entered through their index.ts, and the verifier stays free of server-side deps.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const PACKAGES = readdirSync(join(root, 'packages'));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

interface Import {
  pkg: string;
  /** Path inside the package's src/. */
  file: string;
  /** The folder of src/ the file is in, `(root)` for src/ itself. */
  part: string;
  spec: string;
}

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm;
const partOf = (path: string) => (path.includes('/') ? path.split('/')[0]! : '(root)');
const imports: Import[] = PACKAGES.flatMap((pkg) => {
  const src = join(root, 'packages', pkg, 'src');
  return files(src).flatMap((path) => {
    const file = relative(src, path);
    return [...readFileSync(path, 'utf8').matchAll(IMPORT)].map((m) => ({ pkg, file, part: partOf(file), spec: m[1]! }));
  });
});
const manifests = Object.fromEntries(
  PACKAGES.map((pkg) => [
    pkg,
    JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8')) as Record<string, Record<string, string>>,
  ]),
);

/** The workspace packages each may import: leaves first, arrows one way. */
const ALLOWED_PACKAGES: Record<string, string[]> = {
  protocol: [],
  schema: ['protocol'],
  verify: ['protocol'],
  offline: ['protocol'],
  runtime: ['protocol', 'schema'],
  cli: ['protocol', 'schema', 'runtime', 'offline', 'verify'],
};
/** Inside @tessera/runtime: which parts (folders of src/) each may import. */
const RUNTIME_PARTS: Record<string, string[]> = {
  outbound: [],
  inbound: [],
  iparams: ['outbound'],
  keys: ['iparams'],
  websocket: ['inbound'],
  // The install page is built on an app: it takes the app's guards through _internals.ts, never define-function.
  install: ['(root)', 'iparams', 'inbound'],
  '(root)': ['iparams', 'inbound', 'outbound', 'keys', 'websocket'],
};
/** Root files a part may enter besides an index: the app's internals, lent to parts built on an app. */
const ROOT_DOORS = ['_internals.js'];

const packageName = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
const isBuiltin = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec);
/** Where a relative import lands, inside its package's src/ (a path starting `..` has left the package). */
const landing = (i: Import) => relative(join(root, 'packages', i.pkg, 'src'), resolve(root, 'packages', i.pkg, 'src', i.file, '..', i.spec));

describe('package layout', () => {
  it('finds the imports it checks, in every package', () => {
    expect(imports.length).toBeGreaterThan(50);
    expect(new Set(imports.map((i) => i.pkg))).toEqual(new Set(Object.keys(ALLOWED_PACKAGES)));
  });

  it('keeps relative imports inside their package', () => {
    expect(imports.filter((i) => i.spec.startsWith('.') && landing(i).startsWith('..'))).toEqual([]);
  });

  it('keeps the arrows between packages one way', () => {
    const bad = imports.filter((i) => i.spec.startsWith('@tessera/') && !ALLOWED_PACKAGES[i.pkg]!.includes(packageName(i.spec).slice(9)));
    expect(bad).toEqual([]);
  });

  it('imports only what package.json declares (dependencies or peers; aws-lambda through @types/aws-lambda)', () => {
    const bad = imports.filter((i) => {
      if (i.spec.startsWith('.') || isBuiltin(i.spec)) return false;
      const name = packageName(i.spec);
      const m = manifests[i.pkg]!;
      return ![name, `@types/${name}`].some((n) => m.dependencies?.[n] !== undefined || m.peerDependencies?.[n] !== undefined);
    });
    expect(bad).toEqual([]);
  });

  it('declares no dependency it does not import (workspace packages and third-party alike)', () => {
    for (const pkg of PACKAGES) {
      const used = new Set(imports.filter((i) => i.pkg === pkg && !i.spec.startsWith('.')).map((i) => packageName(i.spec)));
      const declared = Object.keys(manifests[pkg]!.dependencies ?? {});
      // A package may provide the optional peer of a workspace package it imports (cli gives @tessera/verify/ws its ws).
      const peersProvided = new Set(
        [...used].filter((u) => u.startsWith('@tessera/')).flatMap((u) => Object.keys(manifests[u.slice(9)]?.peerDependencies ?? {})),
      );
      const unused = declared.filter((d) => !used.has(d) && !used.has(d.replace(/^@types\//, '')) && !peersProvided.has(d));
      expect([pkg, unused]).toEqual([pkg, []]);
    }
  });

  it('enters another part of @tessera/runtime only through its index.ts, arrows one way', () => {
    const runtime = imports.filter((i) => i.pkg === 'runtime' && i.spec.startsWith('.'));
    const crossing = runtime.map((i) => ({ ...i, to: landing(i) })).filter((i) => partOf(i.to) !== i.part);
    expect(crossing.filter((i) => !/^[a-z]+\/index\.js$/.test(i.to) && !ROOT_DOORS.includes(i.to))).toEqual([]);
    expect(crossing.filter((i) => !RUNTIME_PARTS[i.part]!.includes(partOf(i.to)))).toEqual([]);
  });

  it('keeps the AWS SDK, axios, ajv, yaml and express out of the verifier customers install', () => {
    const verify = imports.filter((i) => i.pkg === 'verify' || i.pkg === 'protocol');
    expect(verify.filter((i) => /@aws-sdk|axios|ajv|yaml|express$/.test(i.spec))).toEqual([]);
  });

  it("lets the error, log and environment modules import nothing of the project but one another's types", () => {
    const leaves = ['errors.ts', 'log.ts', 'environment.ts'];
    const own = (i: (typeof imports)[number]) => leaves.includes(i.spec.replace(/^\.\//, '').replace(/\.js$/, '.ts'));
    const outside = imports.filter((i) => i.pkg === 'protocol' && leaves.includes(i.file) && !isBuiltin(i.spec) && !own(i));
    expect(outside).toEqual([]);
  });

  it("reads process.env in one place: the protocol's environment reader", () => {
    // The build plugin's text of the SDK's first credential link, which reads AWS's variables inside a function bundle.
    const allowed = ['packages/protocol/src/environment.ts', 'packages/cli/src/build/lambda-plugins.ts'];
    const hits = PACKAGES.flatMap((p) => files(join(root, 'packages', p, 'src')))
      .filter((f) => /^(?!\s*(\*|\/\/|\/\*)).*\bprocess\.env\b/m.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(hits.filter((f) => !allowed.includes(f))).toEqual([]);
  });

  it('uses no console.* in library code', () => {
    const hits = PACKAGES.filter((p) => p !== 'cli')
      .flatMap((p) => files(join(root, 'packages', p, 'src')))
      // Lines inside doc comments (examples) do not run.
      .filter((f) => /^(?!\s*\*).*\bconsole\.(log|info|warn|error|debug)\(/m.test(readFileSync(f, 'utf8')));
    expect(hits.map((f) => relative(root, f))).toEqual([]);
  });
});
