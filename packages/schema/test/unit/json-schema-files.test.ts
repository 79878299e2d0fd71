/** The JSON Schema files for editors: in step with the constants, valid draft-07, and satisfied by the repo's files. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { IPARAMS_JSON_SCHEMA, MANIFEST_JSON_SCHEMA } from '../../src/index.js';

const ROOT = join(__dirname, '../../../..');
const read = (path: string): unknown => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));

describe('JSON Schema files', () => {
  it.each([
    ['packages/schema/schema/manifest.schema.json', MANIFEST_JSON_SCHEMA],
    ['packages/schema/schema/iparams.schema.json', IPARAMS_JSON_SCHEMA],
  ])('%s matches its constant (regenerate with npx tsx scripts/write-schemas.ts)', (path, constant) => {
    // Act
    const text = readFileSync(join(ROOT, path), 'utf8');

    // Assess
    expect(text).toBe(`${JSON.stringify(constant, null, 2)}\n`);
  });

  it.each([
    ['manifest.json', 'packages/schema/schema/manifest.schema.json'],
    ['iparams.json', 'packages/schema/schema/iparams.schema.json'],
  ])("validates the repository's %s with a plain draft-07 validator, as an editor would", (file, schemaPath) => {
    // Prepare
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(read(schemaPath) as object);

    // Act
    const valid = validate(read(file));

    // Assess
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });
});
