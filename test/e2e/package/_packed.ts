/** The package as a customer gets it: built, `npm pack`ed, and unpacked into a customer project's node_modules. */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface PackedInstall {
  /** The customer project: `node_modules/<name>` holds the unpacked tarball. */
  app: string;
  /** The unpacked package. */
  dir: string;
  /** Paths inside the tarball, as `npm pack` listed them. */
  files: string[];
  remove(): void;
}

/**
 * Packs the package at `root` from a staging copy (the checkout's `dist/` is left alone) and unpacks it into a fresh
 * project. Its dependencies are linked from `root`'s node_modules, as an offline install would have placed them.
 */
export function installPacked(root: string): PackedInstall {
  const stage = mkdtempSync(join(tmpdir(), 'tessera-stage-'));
  const app = mkdtempSync(join(tmpdir(), 'tessera-customer-'));
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string;
    files: string[];
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  cpSync(join(root, 'package.json'), join(stage, 'package.json'));
  for (const entry of manifest.files.filter((f) => f !== 'dist')) cpSync(join(root, entry), join(stage, entry), { recursive: true });
  execFileSync(process.execPath, ['scripts/build.mjs', '--outdir', join(stage, 'dist')], { cwd: root, stdio: 'pipe' });
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', stage], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
  ) as { filename: string; files: { path: string }[] }[];
  const dir = join(app, 'node_modules', manifest.name);
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xzf', join(stage, packed!.filename), '-C', dir, '--strip-components=1']);
  for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })) {
    const target = join(root, 'node_modules', dep);
    if (!existsSync(target)) continue; // an optional peer the checkout lacks stays absent, as for a customer without it
    const link = join(app, 'node_modules', dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link);
  }
  rmSync(stage, { recursive: true, force: true });
  return { app, dir, files: packed!.files.map((f) => f.path), remove: () => rmSync(app, { recursive: true, force: true }) };
}
