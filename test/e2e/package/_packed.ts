/**
 * The packages as a customer gets them: each built from a staging copy, `npm pack`ed, and unpacked into an empty
 * project with no network. npm's own installer cannot run offline without cached registry metadata, so the tarballs
 * are unpacked where npm would put them and their third-party dependencies linked from the checkout's node_modules.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type PackageName = 'protocol' | 'schema' | 'verify' | 'offline' | 'runtime' | 'cli';

/** Leaves first, in the order `npm run build` uses, so each package's declarations see those it imports. */
export function buildOrder(root: string): PackageName[] {
  return JSON.parse(execFileSync(process.execPath, ['scripts/build-packages.mjs', '--order'], { cwd: root, encoding: 'utf8' })) as PackageName[];
}

export interface PackageManifest {
  name: string;
  files: string[];
  exports: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export interface Packed {
  /** The tarball of each package. */
  tarballs: Record<PackageName, string>;
  /** Paths inside each tarball, as `npm pack` listed them. */
  files: Record<PackageName, string[]>;
  remove(): void;
}

const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageManifest;

/** Builds and packs every package from copies staged inside the checkout (so third-party types resolve), leaving packages/ alone. */
export function packAll(root: string): Packed {
  mkdirSync(join(root, '.tessera'), { recursive: true });
  const stage = mkdtempSync(join(root, '.tessera', 'pack-'));
  const tarballs = {} as Record<PackageName, string>;
  const files = {} as Record<PackageName, string[]>;
  for (const name of buildOrder(root)) {
    const from = join(root, 'packages', name);
    const to = join(stage, name);
    for (const entry of ['package.json', 'src', ...readManifest(from).files.filter((f) => f !== 'dist')]) {
      cpSync(join(from, entry), join(to, entry), { recursive: true });
    }
    // The staged packages find each other, not the checkout's, when their declarations are built.
    mkdirSync(join(stage, 'node_modules', '@tessera'), { recursive: true });
    symlinkSync(to, join(stage, 'node_modules', '@tessera', name));
    execFileSync(process.execPath, [join(root, 'scripts/build-package.mjs'), '--package', to], { cwd: root, stdio: 'pipe' });
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', stage], {
        cwd: to,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as { filename: string; files: { path: string }[] }[];
    tarballs[name] = join(stage, packed!.filename);
    files[name] = packed!.files.map((f) => f.path);
  }
  return { tarballs, files, remove: () => rmSync(stage, { recursive: true, force: true }) };
}

export interface Customer {
  /** The project: `node_modules/@tessera/<name>` holds each unpacked tarball. */
  app: string;
  dir(name: PackageName): string;
  remove(): void;
}

/**
 * An empty project with the given tarballs installed and their third-party dependencies present, as npm installs
 * them: required peers too, optional peers only when the project has them (`withPeers`).
 */
export function installInto(root: string, packed: Packed, names: readonly PackageName[], withPeers: readonly string[] = []): Customer {
  const app = mkdtempSync(join(tmpdir(), 'tessera-customer-'));
  const dir = (name: PackageName) => join(app, 'node_modules', '@tessera', name);
  for (const name of names) {
    mkdirSync(dir(name), { recursive: true });
    execFileSync('tar', ['-xzf', packed.tarballs[name], '-C', dir(name), '--strip-components=1']);
  }
  for (const name of names) {
    const m = readManifest(dir(name)) as PackageManifest & { peerDependenciesMeta?: Record<string, { optional?: boolean }> };
    const peers = Object.keys(m.peerDependencies ?? {}).filter((p) => m.peerDependenciesMeta?.[p]?.optional !== true || withPeers.includes(p));
    for (const dep of [...Object.keys(m.dependencies ?? {}), ...peers]) {
      const target = join(root, 'node_modules', dep);
      const link = join(app, 'node_modules', dep);
      // Workspace packages come from their tarballs only; an optional peer the checkout lacks stays absent.
      if (dep.startsWith('@tessera/') || existsSync(link) || !existsSync(target)) continue;
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(target, link);
    }
  }
  return { app, dir, remove: () => rmSync(app, { recursive: true, force: true }) };
}

/**
 * Every package a package's `dependencies` bring, transitively, resolved the way Node does (peers are the user's
 * choice and are left out). Names only.
 */
export function dependencyTree(app: string, name: string): Set<string> {
  const seen = new Set<string>();
  const visit = (from: string, dep: string) => {
    let dirOf: string | undefined;
    for (let d = from; ; d = dirname(d)) {
      if (existsSync(join(d, 'node_modules', dep, 'package.json'))) {
        dirOf = join(d, 'node_modules', dep);
        break;
      }
      if (dirname(d) === d) break;
    }
    if (dirOf === undefined) throw new Error(`${dep} is not installed (needed below ${from})`);
    if (seen.has(dep)) return;
    seen.add(dep);
    const m = readManifest(dirOf);
    // Node resolves a linked package's own dependencies from where it really lives.
    for (const next of Object.keys({ ...m.dependencies })) visit(realpathSync(dirOf), next);
  };
  const m = readManifest(join(app, 'node_modules', name));
  for (const dep of Object.keys(m.dependencies ?? {})) visit(join(app, 'node_modules', name), dep);
  return seen;
}
