// Builds every workspace package, leaves first: each one's declarations need those of the packages it imports.
// The order follows the packages' own dependencies; `--order` prints it (the pack test builds in the same order).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const names = readdirSync('packages');
const deps = Object.fromEntries(
  names.map((n) => [
    n,
    Object.keys(JSON.parse(readFileSync(`packages/${n}/package.json`, 'utf8')).dependencies ?? {})
      .filter((d) => d.startsWith('@tessera/'))
      .map((d) => d.slice('@tessera/'.length)),
  ]),
);
const order = [];
const visit = (n, path = []) => {
  if (order.includes(n)) return;
  if (path.includes(n)) throw new Error(`packages depend on each other in a circle: ${[...path, n].join(' → ')}`);
  for (const d of deps[n]) visit(d, [...path, n]);
  order.push(n);
};
for (const n of names.sort()) visit(n);

if (process.argv.includes('--order')) {
  console.log(JSON.stringify(order));
} else {
  const flags = process.argv.slice(2);
  for (const name of order) {
    execFileSync(process.execPath, ['scripts/build-package.mjs', '--package', `packages/${name}`, ...flags], { stdio: 'inherit' });
  }
}
