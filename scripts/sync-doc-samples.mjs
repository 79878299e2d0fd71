/**
 * Rewrites every `<!-- sample: FILE -->` block in README.md, docs/ and the packages' READMEs with the file's current text, so a sample is
 * edited (and formatted, and type-checked) as code under examples/ and the page follows. `--check` only reports.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((n) => n.endsWith('.md'))
    .map((n) => `docs/${n}`),
  ...readdirSync(join(root, 'packages')).map((n) => `packages/${n}/README.md`),
];
const BLOCK = /(<!-- sample: (\S+) -->\n```(\w+)\n)([\s\S]*?)(```\n<!-- \/sample -->)/g;

let stale = 0;
for (const page of pages) {
  const path = join(root, page);
  const before = readFileSync(path, 'utf8');
  const after = before.replace(BLOCK, (_all, open, file, _lang, _body, close) => {
    const text = readFileSync(join(root, file), 'utf8');
    return `${open}${text.endsWith('\n') ? text : `${text}\n`}${close}`;
  });
  if (after === before) continue;
  stale++;
  if (check) process.stdout.write(`${page}: a sample differs from its file\n`);
  else writeFileSync(path, after);
}
if (check && stale > 0) process.exitCode = 1;
else process.stdout.write(`${stale} page(s) ${check ? 'stale' : 'rewritten'}\n`);
