// Makes sure the system binaries the tests run are installed, installing their Debian packages when it may.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {object} Requirement
 * @property {string} binary what the tests run
 * @property {string} debianPackage the Debian package that ships it
 * @property {string} [path] where the tests run it from, when they name an absolute path instead of searching PATH
 * @property {string} usedBy which tests need it
 */

/**
 * Every system binary the tests run for real. Nothing else: `unshare` in test/e2e/package is optional there.
 * @type {readonly Requirement[]}
 * @example
 * REQUIREMENTS.map((r) => r.debianPackage); // ['chromium', 'redis-server', 'openssl', 'bsdutils']
 */
export const REQUIREMENTS = Object.freeze([
  { binary: 'chromium', debianPackage: 'chromium', path: '/usr/bin/chromium', usedBy: 'test/browser (through playwright-core)' },
  { binary: 'redis-server', debianPackage: 'redis-server', path: '/usr/bin/redis-server', usedBy: 'test/integration/verify-redis-replay.test.ts' },
  { binary: 'openssl', debianPackage: 'openssl', usedBy: 'test/integration/jwks-https.test.ts' },
  { binary: 'script', debianPackage: 'bsdutils', usedBy: 'test/integration/cli/*terminal*.test.ts' },
]);

const NAME = 'ensure-system-packages';

/** Whether `file` is a regular file this process may execute. */
function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The absolute path of `binary` in the first directory of `PATH` that holds it as an executable file.
 * @param {string} binary
 * @param {string | undefined} PATH
 * @returns {string | undefined}
 * @example
 * findOnPath('openssl', '/usr/local/bin:/usr/bin'); // '/usr/bin/openssl'
 */
export function findOnPath(binary, PATH) {
  for (const dir of (PATH ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, binary))) return join(dir, binary);
  }
  return undefined;
}

/**
 * The requirements not met. One with a `path` must be at that path, since that is what its test runs; a copy
 * elsewhere on PATH would not help it.
 * @param {string | undefined} PATH
 * @param {readonly Requirement[]} [requirements]
 * @returns {Requirement[]}
 * @example
 * findMissing(process.env.PATH).map((r) => r.binary); // [] on a machine set up for the tests
 */
export function findMissing(PATH, requirements = REQUIREMENTS) {
  return requirements.filter((r) => (r.path === undefined ? findOnPath(r.binary, PATH) === undefined : !isExecutable(r.path)));
}

/** `chromium (/usr/bin/chromium)` or `script (on PATH)`. */
function describeBinary(r) {
  return `${r.binary} (${r.path ?? 'on PATH'})`;
}

/** The one-line command a person runs to install `packages` on Debian. */
function installCommand(packages) {
  return `sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`;
}

/**
 * @typedef {{ action: 'none' }
 *   | { action: 'install', missing: Requirement[], packages: string[], commands: string[][] }
 *   | { action: 'stop', missing: Requirement[], packages: string[], message: string }} Plan
 */

/**
 * What to do about the missing binaries: nothing, install their packages with apt-get (as root, or through
 * `sudo -n` when that works without a password), or stop with one message saying how to install them.
 * It reads the file system and runs nothing.
 * @param {{ PATH: string | undefined, uid: number | undefined, canSudo: boolean, hasAptGet: boolean,
 *   requirements?: readonly Requirement[] }} input
 * @returns {Plan}
 * @example
 * planSystemPackages({ PATH: '/usr/bin', uid: 1000, canSudo: false, hasAptGet: true });
 * // { action: 'stop', …, message: '… sudo apt-get update && sudo apt-get install -y chromium …' } when chromium is missing
 */
export function planSystemPackages({ PATH, uid, canSudo, hasAptGet, requirements = REQUIREMENTS }) {
  const missing = findMissing(PATH, requirements);
  if (missing.length === 0) return { action: 'none' };
  const packages = [...new Set(missing.map((r) => r.debianPackage))];
  const binaries = missing.map(describeBinary).join(', ');
  if (!hasAptGet) {
    const wanted = missing.map((r) => `${describeBinary(r)}, Debian package ${r.debianPackage}, for ${r.usedBy}`).join('; ');
    return {
      action: 'stop',
      missing,
      packages,
      message:
        `${NAME}: the tests need binaries this machine lacks, and it has no apt-get to install them: ${wanted}. ` +
        'Install them by other means, each at the path shown, then run the tests again.',
    };
  }
  // DEBIAN_FRONTEND reaches apt-get through `env`: sudo's env_reset would drop it from the environment.
  const prefix = uid === 0 ? [] : canSudo ? ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive'] : undefined;
  if (prefix === undefined) {
    return {
      action: 'stop',
      missing,
      packages,
      message:
        `${NAME}: the tests need ${binaries}, which this machine lacks, and this user cannot install packages ` +
        `(not root, and sudo -n fails). Install them with: ${installCommand(packages)}`,
    };
  }
  return {
    action: 'install',
    missing,
    packages,
    commands: [
      [...prefix, 'apt-get', 'update'],
      [...prefix, 'apt-get', 'install', '-y', ...packages],
    ],
  };
}

/** Whether `sudo -n true` succeeds: sudo is on PATH and asks no password. */
function sudoWorks(PATH) {
  const sudo = findOnPath('sudo', PATH);
  return sudo !== undefined && spawnSync(sudo, ['-n', 'true'], { stdio: 'ignore' }).status === 0;
}

/** Checks, installs when it may, and returns the exit code. */
function main() {
  const { PATH } = process.env;
  const uid = process.getuid?.();
  const hasAptGet = findOnPath('apt-get', PATH) !== undefined;
  // Probe sudo only when it would be used, so a machine with everything installed runs nothing.
  const canSudo = uid !== 0 && hasAptGet && findMissing(PATH).length > 0 && sudoWorks(PATH);
  const plan = planSystemPackages({ PATH, uid, canSudo, hasAptGet });
  if (plan.action === 'none') return 0;
  if (plan.action === 'stop') {
    console.error(plan.message);
    return 1;
  }
  console.error(`${NAME}: installing ${plan.packages.join(' ')} for ${plan.missing.map(describeBinary).join(', ')}`);
  for (const [command, ...args] of plan.commands) {
    const run = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (run.status !== 0) {
      console.error(
        `${NAME}: \`${[command, ...args].join(' ')}\` failed (${run.error?.message ?? `exit ${run.status ?? run.signal}`}). ` +
          `Install the packages with: ${installCommand(plan.packages)}`,
      );
      return 1;
    }
  }
  const still = findMissing(PATH);
  if (still.length > 0) {
    console.error(`${NAME}: apt-get installed ${plan.packages.join(' ')}, yet these are still missing: ${still.map(describeBinary).join(', ')}`);
    return 1;
  }
  return 0;
}

/** Whether this file is the script node was asked to run (argv[1] may be a link; import.meta.url is the real file). */
function invokedDirectly() {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false; // `node -e … arg`: argv[1] is an argument, not a file
  }
}

if (invokedDirectly()) process.exitCode = main();
