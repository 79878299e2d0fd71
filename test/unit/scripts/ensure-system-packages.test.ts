/** scripts/ensure-system-packages.mjs: what it plans for a fake PATH, and the real script stopping when it cannot install. */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const SCRIPT = resolve(__dirname, '../../../scripts/ensure-system-packages.mjs');

interface Requirement {
  binary: string;
  debianPackage: string;
  path?: string;
  usedBy: string;
}
type Plan =
  | { action: 'none' }
  | { action: 'install'; packages: string[]; commands: string[][] }
  | { action: 'stop'; packages: string[]; message: string };
interface PlanInput {
  PATH: string;
  uid: number;
  canSudo: boolean;
  hasAptGet: boolean;
  requirements: Requirement[];
}

/**
 * Calls an export of the script in a child node: jest's CommonJS runtime cannot load an ES module, and the
 * script has no dependencies to transform. A function export is called with `args`; a value is returned as is.
 */
function callExport<T>(name: string, ...args: unknown[]): T {
  const code = `import * as m from ${JSON.stringify(pathToFileURL(SCRIPT).href)};
    const [name, args] = JSON.parse(process.argv[1]);
    const value = m[name];
    process.stdout.write(JSON.stringify(typeof value === 'function' ? value(...args) : value));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code, JSON.stringify([name, args])], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${name} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

const REQUIREMENTS = callExport<Requirement[]>('REQUIREMENTS');

describe('ensure-system-packages', () => {
  let dir: string;
  let bin: string;
  let requirements: Requirement[];

  /** Puts an executable stub where `binary` is looked for: its absolute path (moved under `dir`) or the fake PATH. */
  function install(...binaries: string[]): void {
    for (const binary of binaries) {
      const r = requirements.find((q) => q.binary === binary)!;
      const file = r.path ?? join(bin, binary);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    }
  }

  function plan(input: Partial<PlanInput>): Plan {
    return callExport<Plan>('planSystemPackages', { PATH: bin, uid: 1000, canSudo: false, hasAptGet: true, requirements, ...input });
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-system-packages-'));
    bin = join(dir, 'bin');
    mkdirSync(bin);
    // The real list, with each absolute path moved into the temp dir so this machine's own binaries do not count.
    requirements = REQUIREMENTS.map((r) => (r.path === undefined ? r : { ...r, path: join(dir, 'root', r.path) }));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('REQUIREMENTS', () => {
    it('lists every system binary the tests run, with its Debian package and the path a test runs it from', () => {
      // Act
      const listed = REQUIREMENTS.map((r) => [r.binary, r.debianPackage, r.path]);
      // Assess
      expect(listed).toEqual([
        ['chromium', 'chromium', '/usr/bin/chromium'],
        ['redis-server', 'redis-server', '/usr/bin/redis-server'],
        ['openssl', 'openssl', undefined],
        ['script', 'bsdutils', undefined],
      ]);
    });
  });

  describe('planSystemPackages', () => {
    it('does nothing when every binary is present', () => {
      // Prepare
      install('chromium', 'redis-server', 'openssl', 'script');
      // Act
      const result = plan({ uid: 1000, canSudo: false });
      // Assess
      expect(result).toEqual({ action: 'none' });
    });

    it('installs the missing packages with one apt-get update and one apt-get install when root', () => {
      // Prepare
      install('openssl', 'script');
      // Act
      const result = plan({ uid: 0 });
      // Assess
      expect(result).toMatchObject({
        action: 'install',
        packages: ['chromium', 'redis-server'],
        commands: [
          ['apt-get', 'update'],
          ['apt-get', 'install', '-y', 'chromium', 'redis-server'],
        ],
      });
    });

    it('installs through sudo -n, passing DEBIAN_FRONTEND past sudo, when not root and sudo works', () => {
      // Prepare
      install('chromium', 'redis-server', 'script');
      // Act
      const result = plan({ uid: 1000, canSudo: true });
      // Assess
      const sudo = ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get'];
      expect(result).toMatchObject({
        action: 'install',
        packages: ['openssl'],
        commands: [
          [...sudo, 'update'],
          [...sudo, 'install', '-y', 'openssl'],
        ],
      });
    });

    it('stops with one message naming exactly the missing packages and the command that installs them', () => {
      // Prepare
      install('openssl', 'script');
      // Act
      const result = plan({ uid: 1000, canSudo: false });
      // Assess
      expect(result).toMatchObject({ action: 'stop', packages: ['chromium', 'redis-server'] });
      const { message } = result as Extract<Plan, { action: 'stop' }>;
      expect(message).toContain('Install them with: sudo apt-get update && sudo apt-get install -y chromium redis-server');
      expect(message).not.toMatch(/openssl|bsdutils/);
      expect(message.split('\n')).toHaveLength(1);
    });

    it('stops without apt-get, naming each missing binary, where it must be and its Debian package', () => {
      // Prepare
      install('chromium', 'redis-server');
      // Act
      const result = plan({ uid: 0, hasAptGet: false });
      // Assess
      expect(result).toMatchObject({ action: 'stop', packages: ['openssl', 'bsdutils'] });
      const { message } = result as Extract<Plan, { action: 'stop' }>;
      expect(message).toContain('no apt-get');
      expect(message).toContain('openssl (on PATH), Debian package openssl');
      expect(message).toContain('script (on PATH), Debian package bsdutils');
      expect(message).not.toContain('chromium');
    });

    it('counts a binary its test runs from an absolute path as missing when it is only elsewhere on PATH', () => {
      // Prepare
      install('redis-server', 'openssl', 'script');
      writeFileSync(join(bin, 'chromium'), '#!/bin/sh\n', { mode: 0o755 });
      // Act
      const result = plan({ uid: 0 });
      // Assess
      expect(result).toMatchObject({ action: 'install', packages: ['chromium'] });
    });

    it('counts a file on PATH that is not executable as missing', () => {
      // Prepare
      install('chromium', 'redis-server', 'openssl', 'script');
      chmodSync(join(bin, 'openssl'), 0o644);
      // Act
      const result = plan({ uid: 0 });
      // Assess
      expect(result).toMatchObject({ action: 'install', packages: ['openssl'] });
    });
  });

  describe('the script', () => {
    it('exits 1 at once with one message when binaries are missing and there is no apt-get or sudo on PATH', () => {
      // Prepare: a PATH with nothing on it, so it finds neither openssl nor script, nor apt-get or sudo to install them
      const env = { PATH: bin, HOME: dir };
      // Act
      const run = spawnSync(process.execPath, [SCRIPT], { env, encoding: 'utf8' });
      // Assess
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('no apt-get');
      expect(lines[0]).toContain('Debian package openssl');
      expect(lines[0]).toContain('Debian package bsdutils');
      // chromium and redis-server are looked for where their tests run them, which this PATH does not change
      expect(lines[0]!.includes('Debian package chromium')).toBe(!existsSync('/usr/bin/chromium'));
      expect(lines[0]!.includes('Debian package redis-server')).toBe(!existsSync('/usr/bin/redis-server'));
    });

    it('runs apt-get update, then apt-get install of the missing packages, non-interactively, and checks again', () => {
      // Prepare: stand-ins for apt-get (logs, and "installs" openssl and script onto the fake PATH) and for sudo
      // (works without a password), so the real script takes its install path whether this test runs as root or not
      const log = join(dir, 'apt.log');
      writeFileSync(
        join(bin, 'apt-get'),
        [
          '#!/bin/sh',
          `echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*" >> '${log}'`,
          `[ "$1" = install ] && for b in openssl script; do printf '#!/bin/sh\\n' > '${bin}'/$b; /bin/chmod 755 '${bin}'/$b; done`,
          'exit 0',
        ].join('\n'),
        { mode: 0o755 },
      );
      writeFileSync(join(bin, 'sudo'), '#!/bin/sh\n[ "$*" = "-n true" ] && exit 0\nshift 2\nexec /usr/bin/env "$@"\n', { mode: 0o755 });
      const packages = ['chromium', 'redis-server'].filter((p) => !existsSync(`/usr/bin/${p}`)).concat('openssl', 'bsdutils');
      // Act
      const run = spawnSync(process.execPath, [SCRIPT], { env: { PATH: bin, HOME: dir }, encoding: 'utf8' });
      // Assess
      expect(readFileSync(log, 'utf8')).toBe(
        `DEBIAN_FRONTEND=noninteractive update\nDEBIAN_FRONTEND=noninteractive install -y ${packages.join(' ')}\n`,
      );
      expect(run.stderr).toContain(`installing ${packages.join(' ')}`);
      // The stand-in installs only what is looked for on PATH: anything else it was asked for is reported still missing.
      expect(run.status).toBe(packages.length === 2 ? 0 : 1);
    });
  });
});
