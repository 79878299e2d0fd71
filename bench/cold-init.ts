/** Cold init of one function bundle: a new process requiring the bundle, minus a bare `node -e 0`. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { lambdaPlugins } from '@tessera/cli/build';
import { fmt, median, table } from './_measure.js';

const root = resolve(__dirname, '..');
/** The options serverless.yml gives serverless-esbuild, so the bundle measured is the bundle deployed. */
const DEPLOYED: BuildOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  mainFields: ['module', 'main'],
  external: [],
  tsconfig: join(root, 'tsconfig.json'),
  plugins: lambdaPlugins(),
};

function wallMs(args: string[]): number {
  const start = process.hrtime.bigint();
  // A deployed stage: its platform's JWKS is HTTPS (the manifest's offline URL is refused outside offline mode).
  const env = { ...process.env, AWS_REGION: 'us-east-1', TESSERA_SESSION_JWKS_URL: 'https://platform.example.com/.well-known/jwks.json' };
  const r = spawnSync(process.execPath, args, { cwd: root, env, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * The deployed options as of git revision `ref`, checked out beside this one (its own sources, tsconfig and plugins,
 * this checkout's node_modules), so a layout change is measured against the bundle it replaces.
 */
function deployedAt(ref: string): { options: BuildOptions; entry: string; remove(): void } {
  mkdirSync(join(root, '.tessera'), { recursive: true });
  const tree = mkdtempSync(join(root, '.tessera', 'bench-against-'));
  execFileSync('git', ['worktree', 'add', '--detach', tree, ref], { cwd: root, stdio: 'ignore' });
  symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const plugins = require(join(tree, 'esbuild.plugins.cjs')) as BuildOptions['plugins'];
  return {
    options: { ...DEPLOYED, tsconfig: join(tree, 'tsconfig.json'), plugins },
    entry: join(tree, 'functions/getOrder.ts'),
    remove: () => execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: root, stdio: 'ignore' }),
  };
}

export async function benchColdInit(runs = 15, against?: string): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cold-'));
  const before = against === undefined ? undefined : deployedAt(against);
  const variants: { name: string; options: BuildOptions; entry?: string }[] = [
    { name: 'deployed: SDK bundled, ESM main fields, trim', options: DEPLOYED },
    { name: 'SDK external (loaded as from the runtime)', options: { ...DEPLOYED, external: ['@aws-sdk/*'] } },
    { name: 'without the trim plugins (axios, credentials)', options: { ...DEPLOYED, plugins: [] } },
    { name: 'naive: default main fields, no plugin', options: { ...DEPLOYED, mainFields: undefined, plugins: [] } },
    ...(before ? [{ name: `deployed, as of ${against}`, options: before.options, entry: before.entry }] : []),
  ];
  const files: string[] = [];
  for (const [i, v] of variants.entries()) {
    // Bundles go inside the project so an external SDK resolves from node_modules, as it does from the runtime on Lambda.
    const outfile = join(root, '.esbuild', `bench-cold-${i}.cjs`);
    await build({ ...v.options, entryPoints: [v.entry ?? join(root, 'functions/getOrder.ts')], outfile, logLevel: 'error' });
    files.push(outfile);
  }
  const samples: number[][] = [[], ...variants.map(() => [])];
  for (let r = 0; r < runs; r++) {
    samples[0]!.push(wallMs(['-e', '0']));
    for (const [i, f] of files.entries()) samples[i + 1]!.push(wallMs(['-e', `require(${JSON.stringify(f)})`]));
  }
  const base = median(samples[0]!);
  const rows = variants.map((v, i) => {
    const ms = median(samples[i + 1]!);
    return [v.name, `${(statSync(files[i]!).size / 1024).toFixed(0)} KiB`, `${ms.toFixed(1)} ms`, `+${(ms - base).toFixed(1)} ms`, fmt.x(ms / base)];
  });
  table(
    `Cold init of functions/getOrder (median of ${runs} processes)`,
    ['bundle', 'size', 'wall', 'over node -e 0', 'ratio'],
    [['node -e 0 (baseline)', '', `${base.toFixed(1)} ms`, '', fmt.x(1)], ...rows],
  );
  const overNaive = (median(samples[1]!) - base) / (median(samples[4]!) - base);
  console.log(`  deployed over naive, each over node -e 0: ${overNaive.toFixed(2)}× (target at most 0.40×)`);
  const kib = files.map((f) => statSync(f).size / 1024);
  for (const f of files) rmSync(f, { force: true });
  rmSync(dir, { recursive: true, force: true });
  before?.remove();
  const figures = {
    baselineMs: base,
    deployedOverMs: median(samples[1]!) - base,
    sdkExternalOverMs: median(samples[2]!) - base,
    naiveOverMs: median(samples[4]!) - base,
    deployedOverNaive: overNaive,
  };
  if (!before) return figures;
  const againstOverMs = median(samples[variants.length]!) - base;
  return {
    ...figures,
    againstOverMs,
    deployedVsAgainstWall: (figures.deployedOverMs + base) / (againstOverMs + base),
    deployedKiB: kib[0]!,
    againstKiB: kib[variants.length - 1]!,
  };
}
