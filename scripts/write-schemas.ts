/** Writes the schema package's manifest.schema.json and iparams.schema.json from the TypeScript constants (`npx tsx scripts/write-schemas.ts [--check]`). */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { IPARAMS_JSON_SCHEMA, MANIFEST_JSON_SCHEMA } from '../packages/schema/src/index.js';

const outDir = resolve(__dirname, '..', 'packages', 'schema', 'schema');
const files = {
  'manifest.schema.json': MANIFEST_JSON_SCHEMA,
  'iparams.schema.json': IPARAMS_JSON_SCHEMA,
};
const check = process.argv.includes('--check');

let stale = 0;
mkdirSync(outDir, { recursive: true });
for (const [name, schema] of Object.entries(files)) {
  const path = join(outDir, name);
  const text = `${JSON.stringify(schema, null, 2)}\n`;
  if (check) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // a missing file is simply stale
    }
    if (current !== text) {
      process.stderr.write(`schema/${name} is out of date: run npx tsx scripts/write-schemas.ts\n`);
      stale += 1;
    }
  } else {
    writeFileSync(path, text);
    process.stdout.write(`wrote schema/${name}\n`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
