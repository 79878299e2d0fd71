// Builds the package: one ESM and one CJS file per public subpath, the CLI, and type declarations.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

const parts = ['runtime', 'verify', 'inbound', 'iparams', 'outbound', 'schema', 'offline', 'protocol', 'build', 'keys'];
const entries = Object.fromEntries(parts.map((p) => [p, `src/${p}/index.ts`]));
entries.errors = 'src/errors.ts';
entries.log = 'src/log.ts';

// `--outdir DIR` builds elsewhere (tests install the package into a temp node_modules without touching dist/).
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? process.argv[at + 1] : 'dist';
rmSync(outdir, { recursive: true, force: true });
const errorsSource = resolve('src/errors.ts');

/**
 * Every part imports the error classes from the one built errors file instead of bundling a copy, so an error from
 * any entry point is `instanceof` the classes of `tessera/errors`.
 */
function sharedErrors(extension) {
  return {
    name: 'tessera-shared-errors',
    setup(b) {
      b.onResolve({ filter: /errors(\.js)?$/ }, (args) => {
        if (args.kind === 'entry-point' || resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts')) !== errorsSource) return undefined;
        return { path: `./errors${extension}`, external: true };
      });
    },
  };
}

const common = { bundle: true, platform: 'node', target: 'node20', packages: 'external', logLevel: 'warning', splitting: false };
const [esm] = await Promise.all([
  build({ ...common, entryPoints: entries, format: 'esm', outdir, outExtension: { '.js': '.mjs' }, plugins: [sharedErrors('.mjs')], metafile: true }),
  build({ ...common, entryPoints: entries, format: 'cjs', outdir, outExtension: { '.js': '.cjs' }, plugins: [sharedErrors('.cjs')] }),
  build({ ...common, entryPoints: { cli: 'src/cli/index.ts' }, format: 'cjs', outdir, outExtension: { '.js': '.cjs' } }),
]);
// One set of classes for both module systems: the ESM errors file re-exports the CommonJS one (Node reads its
// named exports from esbuild's annotation), so an ESM import and a require() of tessera/errors are the same classes.
const errorsOut = Object.entries(esm.metafile.outputs).find(([, o]) => o.entryPoint === 'src/errors.ts');
writeFileSync(`${outdir}/errors.mjs`, `export { ${errorsOut[1].exports.join(', ')} } from './errors.cjs';\n`);
if (!process.argv.includes('--no-types')) {
  const tsc = ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--outDir', `${outdir}/types`];
  execFileSync(process.execPath, tsc, { stdio: 'inherit' });
}
