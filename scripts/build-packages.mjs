// Builds every workspace package, leaves first: each one's declarations need those of the packages it imports.
import { execFileSync } from 'node:child_process';

export const BUILD_ORDER = ['protocol', 'schema', 'verify', 'offline', 'runtime', 'cli'];
const flags = process.argv.slice(2);
for (const name of BUILD_ORDER) {
  execFileSync(process.execPath, ['scripts/build-package.mjs', '--package', `packages/${name}`, ...flags], { stdio: 'inherit' });
}
