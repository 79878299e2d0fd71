/** generateIparamTypes: the emitted interface, proven by type-checking code that uses it. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { generateIparamTypes, type IparamsSchema } from '../../src/index.js';

const SCHEMA: IparamsSchema = {
  server_url: { display_name: 'Server', description: 'Ends a comment early? */ no.', type: 'url', required: true },
  shared_secret: { display_name: 'Secret', type: 'text', secure: true, required: true },
  auth_mode: { display_name: 'Mode', type: 'dropdown', options: ['jwt', 'shared-secret'], default_value: 'jwt' },
  tone: { display_name: 'Tone', type: 'radio', options: ["it's", 'back\\slash'] },
  tags: { display_name: 'Tags', type: 'multiselect', options: ['a', 'b'] },
  retries: { display_name: 'Retries', type: 'number', required: true },
  verbose: { display_name: 'Verbose', type: 'checkbox', default_value: false },
  since: { display_name: 'Since', type: 'date' },
  '1st_field': { display_name: 'First', type: 'paragraph' },
};

const USE = `
import type { Settings } from './settings.generated';

const full: Settings = {
  server_url: 'https://a.example.com', shared_secret: 's', auth_mode: 'shared-secret', tone: "it's",
  tags: ['a', 'b'], retries: 3, verbose: true, since: '2024-01-01', '1st_field': 'p',
};
const minimal: Settings = { server_url: 'u', shared_secret: 's', auth_mode: 'jwt', retries: 0, verbose: false };
const back: Settings['tone'] = 'back\\\\slash';
// @ts-expect-error: not one of the dropdown options
const badMode: Settings['auth_mode'] = 'basic';
// @ts-expect-error: not one of the multiselect options
const badTags: Settings['tags'] = ['c'];
// @ts-expect-error: a number, not a string
const badRetries: Settings['retries'] = '3';
// @ts-expect-error: a required member is missing
const missing: Settings = { shared_secret: 's', auth_mode: 'jwt', retries: 0, verbose: false };
// @ts-expect-error: a defaulted member is always present
const noDefault: Settings = { server_url: 'u', shared_secret: 's', retries: 0, verbose: false };
export { full, minimal, back, badMode, badTags, badRetries, missing, noDefault };
`;

function typeCheck(files: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-types-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const program = ts.createProgram(
      Object.keys(files).map((name) => join(dir, name)),
      { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts'], types: [], skipLibCheck: true },
    );
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('generateIparamTypes', () => {
  it('emits an interface that type-checks the way the schema says', () => {
    // Prepare
    const source = generateIparamTypes(SCHEMA, { interfaceName: 'Settings' });

    // Act
    const diagnostics = typeCheck({ 'settings.generated.ts': source, 'use.ts': USE });

    // Assess
    expect(diagnostics).toEqual([]);
  });

  it('starts with a header saying the file is generated', () => {
    // Act
    const source = generateIparamTypes(SCHEMA);

    // Assess
    expect(source.split('\n')[0]).toMatch(/^\/\/ Generated from iparams\.json .*Do not edit/);
    expect(source).toContain('export interface Iparams {');
  });

  it('emits the same text for the same schema', () => {
    // Act
    const first = generateIparamTypes(SCHEMA);
    const second = generateIparamTypes(structuredClone(SCHEMA));

    // Assess
    expect(second).toBe(first);
  });

  it('emits an empty interface for an app without iparams', () => {
    // Act
    const diagnostics = typeCheck({ 'iparams.generated.ts': generateIparamTypes({}) });

    // Assess
    expect(diagnostics).toEqual([]);
  });

  describe('options', () => {
    it.each([
      ['an unknown option', { interface: 'X' }, 'unknown option "interface"'],
      ['a name that is not an identifier', { interfaceName: 'My Params' }, 'interfaceName must be an identifier'],
    ])('throws TypeError for %s', (_name, options, message) => {
      // Act
      const act = () => generateIparamTypes(SCHEMA, options as never);

      // Assess
      expect(act).toThrow(TypeError);
      expect(act).toThrow(message);
    });
  });
});
