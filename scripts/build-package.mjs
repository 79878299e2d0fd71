// Builds one workspace package (run in its folder, or `--package DIR`): an ESM and a CommonJS file per subpath of
// its package.json `exports`, and type declarations. `--outdir DIR` builds elsewhere (the pack test stages a copy);
// `--no-types` skips the declarations.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const arg = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const pkgDir = resolve(arg('--package') ?? '.');
const outdir = resolve(arg('--outdir') ?? join(pkgDir, 'dist'));
const repo = resolve(dirname(new URL(import.meta.url).pathname), '..');
const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));

/** Subpath `.` is src/index.ts; `./x` is src/x/index.ts, or src/x.ts for a one-file part. Outputs are flat: x.mjs. */
const entries = {};
for (const [subpath, target] of Object.entries(manifest.exports)) {
  if (typeof target !== 'object' || target.import === undefined) continue;
  const name = subpath === '.' ? 'index' : subpath.slice(2);
  const folder = join(pkgDir, 'src', name === 'index' ? '' : name, 'index.ts');
  entries[name] = existsSync(folder) && name !== 'index' ? folder : join(pkgDir, 'src', `${name}.ts`);
}
const byFile = new Map(Object.entries(entries).map(([name, file]) => [file, name]));

/**
 * An import of another entry point of the same package stays an import of that entry's built file, so each class
 * exists once per package (an `instanceof` holds whichever subpath the user imported it from). Other packages are
 * external already (`packages: 'external'`).
 */
function entriesStayShared(extension) {
  return {
    name: 'tessera-shared-entries',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const base = resolve(args.resolveDir, args.path.replace(/\.js$/, ''));
        const name = byFile.get(`${base}.ts`) ?? byFile.get(join(base, 'index.ts'));
        return name === undefined ? undefined : { path: `./${name}${extension}`, external: true };
      });
    },
  };
}

rmSync(outdir, { recursive: true, force: true });
// tsconfigRaw: the repository's paths (sources of the other packages, for development) must not apply here; every
// other package stays an import of its published name.
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  entryPoints: entries,
  outdir,
  tsconfigRaw: { compilerOptions: {} },
};
const [esm] = await Promise.all([
  build({ ...common, format: 'esm', outExtension: { '.js': '.mjs' }, plugins: [entriesStayShared('.mjs')], metafile: true }),
  build({ ...common, format: 'cjs', outExtension: { '.js': '.cjs' }, plugins: [entriesStayShared('.cjs')] }),
]);

// The error classes exist once for both module systems: the ESM errors file re-exports the CommonJS one (Node reads
// its named exports from esbuild's annotation), so `import` and `require()` of @tessera/protocol/errors agree.
if (entries.errors !== undefined) {
  const out = Object.values(esm.metafile.outputs).find((o) => o.entryPoint && resolve(o.entryPoint) === entries.errors);
  writeFileSync(join(outdir, 'errors.mjs'), `export { ${out.exports.join(', ')} } from './errors.cjs';\n`);
}

if (!process.argv.includes('--no-types')) {
  // Other workspace packages resolve through node_modules to their built declarations (build them first).
  const tsconfig = join(outdir, '..', `.tsconfig.build.${process.pid}.json`);
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: relative(dirname(tsconfig), join(repo, 'tsconfig.json')),
      compilerOptions: {
        noEmit: false,
        declaration: true,
        emitDeclarationOnly: true,
        rootDir: join(pkgDir, 'src'),
        outDir: join(outdir, 'types'),
        types: ['node'],
        paths: {},
      },
      include: [join(pkgDir, 'src')],
    }),
  );
  try {
    execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { stdio: 'inherit' });
  } finally {
    rmSync(tsconfig, { force: true });
  }
}
