// Builds the package: one ESM and one CJS file per public subpath, the CLI, and type declarations.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const parts = ['runtime', 'verify', 'inbound', 'iparams', 'outbound', 'schema', 'offline', 'protocol', 'build', 'keys'];
const entries = Object.fromEntries(parts.map((p) => [p, `src/${p}/index.ts`]));
entries.errors = 'src/errors.ts';
entries.log = 'src/log.ts';

// `--outdir DIR` builds elsewhere (tests install the package into a temp node_modules without touching dist/).
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? process.argv[at + 1] : 'dist';
rmSync(outdir, { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning', splitting: false };
await Promise.all([
  build({ ...common, entryPoints: entries, format: 'esm', outdir, outExtension: { '.js': '.mjs' } }),
  build({ ...common, entryPoints: entries, format: 'cjs', outdir, outExtension: { '.js': '.cjs' } }),
  build({ ...common, entryPoints: { cli: 'src/cli/index.ts' }, format: 'cjs', outdir, outExtension: { '.js': '.cjs' } }),
]);
if (!process.argv.includes('--no-types')) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
