/** The layout rules of STYLE.md as a test: one door per part, arrows one way, the verifier free of server-side deps. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const src = resolve(__dirname, '../../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

interface Import {
  file: string;
  part: string;
  spec: string;
}

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm;
const imports: Import[] = files(src).flatMap((file) => {
  const rel = relative(src, file);
  const part = rel.includes('/') ? rel.split('/')[0]! : '(leaf)';
  return [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => ({ file: rel, part, spec: m[1]! }));
});

/** The part a relative import lands in, or undefined for a package. */
function target(i: Import): { part: string; path: string } | undefined {
  if (!i.spec.startsWith('.')) return undefined;
  const path = relative(src, resolve(src, i.file, '..', i.spec));
  return { part: path.includes('/') ? path.split('/')[0]! : '(leaf)', path };
}

const ALLOWED: Record<string, string[]> = {
  protocol: [],
  schema: [],
  verify: ['protocol'],
  outbound: ['protocol'],
  iparams: ['schema', 'outbound', 'protocol'],
  inbound: ['protocol'],
  keys: ['iparams', 'protocol'],
  runtime: ['iparams', 'inbound', 'outbound', 'keys', 'schema', 'protocol'],
  offline: ['iparams', 'schema', 'protocol'],
  build: [],
  cli: ['schema', 'iparams', 'inbound', 'outbound', 'verify', 'keys', 'runtime', 'offline', 'protocol'],
};

describe('src/ layout', () => {
  it('finds the imports it checks', () => {
    expect(imports.length).toBeGreaterThan(50);
  });

  it('enters another part only through its index.ts', () => {
    const bad = imports.filter((i) => {
      const t = target(i);
      return t && t.part !== i.part && t.part !== '(leaf)' && !/^[a-z]+\/index\.js$/.test(t.path);
    });
    expect(bad).toEqual([]);
  });

  it('keeps the arrows one way', () => {
    const bad = imports.filter((i) => {
      const t = target(i);
      return t && t.part !== i.part && t.part !== '(leaf)' && !(ALLOWED[i.part] ?? []).includes(t.part);
    });
    expect(bad).toEqual([]);
  });

  it('lets leaf modules (errors, log) import nothing of the project', () => {
    expect(imports.filter((i) => i.part === '(leaf)' && i.spec.startsWith('.'))).toEqual([]);
  });

  it('keeps the AWS SDK, axios and the runtime out of the verifier customers install', () => {
    const verify = imports.filter((i) => i.part === 'verify' || i.part === 'protocol');
    expect(verify.filter((i) => /@aws-sdk|axios|express$/.test(i.spec))).toEqual([]);
  });

  it('uses no console.* in library code', () => {
    const hits = files(src)
      .filter((f) => !f.includes('/cli/'))
      // Lines inside doc comments (examples) do not run.
      .filter((f) => /^(?!\s*\*).*\bconsole\.(log|info|warn|error|debug)\(/m.test(readFileSync(f, 'utf8')));
    expect(hits.map((f) => relative(src, f))).toEqual([]);
  });
});
