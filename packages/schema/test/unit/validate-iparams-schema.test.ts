/** validateIparamsSchema: structure from the JSON Schema and the rules across a field's attributes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateIparamsSchema, type IparamField } from '../../src/index.js';
import { expectConfigIssue } from './_refusal.js';

const MARK = 'Qx7DISTINCT';
const ROOT = join(__dirname, '../../../..');
type Loose = Record<string, unknown>;

function field(extra: Loose): Loose {
  return { display_name: 'F', ...extra };
}

describe('validateIparamsSchema', () => {
  describe('accepted files', () => {
    it("accepts the repository's own iparams.json and drops $schema", () => {
      // Prepare
      const json = JSON.parse(readFileSync(join(ROOT, 'iparams.json'), 'utf8')) as Loose;

      // Act
      const schema = validateIparamsSchema(json);

      // Assess
      expect(Object.keys(schema)).toEqual(['server_url', 'shared_secret', 'auth_mode', 'support_email', 'order_prefix', 'basic_password']);
      expect(schema).not.toHaveProperty('$schema');
      expect(schema.shared_secret?.secure).toBe(true);
      expect(schema.basic_password?.secure).toBe(true);
    });

    it.each<[string, Loose]>([
      [
        'text with everything',
        { type: 'text', description: 'd', required: true, default_value: 'AB', regex: '^[A-Z]+$', regex_error_message: 'm', min: 1, max: 5 },
      ],
      ['secure paragraph', { type: 'paragraph', secure: true, required: true }],
      ['number with a negative range and default', { type: 'number', min: -5.5, max: -1, default_value: -2 }],
      ['email with a regex', { type: 'email', regex: '.+@example\\.com' }],
      ['url with a default', { type: 'url', default_value: 'https://example.com' }],
      ['dropdown with a default', { type: 'dropdown', options: ['a', 'b'], default_value: 'b' }],
      ['radio', { type: 'radio', options: ['x'] }],
      ['multiselect with counts and a default', { type: 'multiselect', options: ['a', 'b', 'c'], min: 0, max: 2, default_value: ['a'] }],
      ['checkbox with a default', { type: 'checkbox', default_value: false }],
      ['date with a default', { type: 'date', default_value: '2024-02-29' }],
      ['secure: false on a number', { type: 'number', secure: false }],
    ])('accepts %s', (_name, attributes) => {
      // Act
      const schema = validateIparamsSchema({ f: field(attributes) });

      // Assess
      expect(schema.f).toEqual(field(attributes) as unknown as IparamField);
    });

    it('accepts a field name of 64 letters, digits and underscores', () => {
      // Prepare
      const name = `A_9${'x'.repeat(61)}`;

      // Act
      const schema = validateIparamsSchema({ [name]: field({ type: 'text' }) });

      // Assess
      expect(Object.keys(schema)).toEqual([name]);
    });
  });

  describe('structural refusals', () => {
    it.each<[string, unknown, string, string]>([
      ['an array', [], '/', 'must be an object'],
      ['a field that is a string', { a: 'text' }, '/a', 'must be an object'],
      [
        'a name with a dash',
        { 'bad-name': field({ type: 'text' }) },
        '/bad-name',
        'is not a valid parameter name: use 1 to 64 letters, digits or underscores',
      ],
      [
        'a name of 65 characters',
        { ['x'.repeat(65)]: field({ type: 'text' }) },
        `/${'x'.repeat(65)}`,
        'is not a valid parameter name: use 1 to 64 letters, digits or underscores',
      ],
      ['a missing display_name', { a: { type: 'text' } }, '/a/display_name', 'is required'],
      ['an empty display_name', { a: { display_name: '', type: 'text' } }, '/a/display_name', 'must not be empty'],
      ['a missing type', { a: { display_name: 'A' } }, '/a/type', 'is required'],
      [
        'an unknown type',
        { a: field({ type: MARK }) },
        '/a/type',
        'must be one of: text, paragraph, number, email, url, dropdown, multiselect, radio, checkbox, date',
      ],
      ['an unknown attribute', { a: field({ type: 'text', placeholder: MARK }) }, '/a/placeholder', 'is not a known attribute'],
      ['required as a string', { a: field({ type: 'text', required: 'yes' }) }, '/a/required', 'must be a boolean'],
      ['empty options', { a: field({ type: 'dropdown', options: [] }) }, '/a/options', 'must have at least 1 item'],
      ['duplicate options', { a: field({ type: 'dropdown', options: ['a', 'a'] }) }, '/a/options', 'must not contain duplicates'],
      [
        'an object default',
        { a: field({ type: 'text', default_value: { x: MARK } }) },
        '/a/default_value',
        'must be a string or a number or a boolean or a list',
      ],
      ['min as a string', { a: field({ type: 'number', min: '1' }) }, '/a/min', 'must be a number'],
    ])('refuses %s', (_name, json, path, rule) => {
      // Act
      const act = () => validateIparamsSchema(json);

      // Assess
      expectConfigIssue(act, { file: 'iparams.json', field: path, rule }, MARK);
    });

    it('refuses a field named __proto__', () => {
      // Prepare
      const json = JSON.parse('{"__proto__": {"display_name": "P", "type": "text"}}') as unknown;

      // Act
      const act = () => validateIparamsSchema(json);

      // Assess
      expectConfigIssue(act, { field: '/__proto__', rule: 'is a reserved name' });
    });

    it('names the file given in options', () => {
      // Act
      const act = () => validateIparamsSchema({ a: {} }, { file: 'apps/x/iparams.json' });

      // Assess
      expectConfigIssue(act, { file: 'apps/x/iparams.json', field: '/a/type', rule: 'is required' });
    });
  });

  describe('rules across attributes', () => {
    it.each<[string, Loose, string, string]>([
      ['secure on a number', { type: 'number', secure: true }, '/a/secure', 'is allowed only on text and paragraph fields'],
      ['secure on a dropdown', { type: 'dropdown', options: ['a'], secure: true }, '/a/secure', 'is allowed only on text and paragraph fields'],
      ['a default on a secure field', { type: 'text', secure: true, default_value: MARK }, '/a/default_value', 'is not allowed on a secure field'],
      ['a dropdown without options', { type: 'dropdown' }, '/a/options', 'is required for dropdown, radio and multiselect fields'],
      ['a radio without options', { type: 'radio' }, '/a/options', 'is required for dropdown, radio and multiselect fields'],
      ['a multiselect without options', { type: 'multiselect' }, '/a/options', 'is required for dropdown, radio and multiselect fields'],
      ['options on a text field', { type: 'text', options: ['a'] }, '/a/options', 'is allowed only on dropdown, radio and multiselect fields'],
      ['a regex that does not compile', { type: 'text', regex: '([a-z' }, '/a/regex', 'must be a valid JavaScript regular expression (u flag)'],
      ['a regex on a number', { type: 'number', regex: '^1$' }, '/a/regex', 'is allowed only on text, paragraph, email and url fields'],
      [
        'regex_error_message without regex',
        { type: 'text', regex_error_message: 'm' },
        '/a/regex_error_message',
        'is allowed only together with regex',
      ],
      ['min above max', { type: 'number', min: 5, max: 1 }, '/a/min', 'must not be greater than max'],
      ['min on a date', { type: 'date', min: 1 }, '/a/min', 'is allowed only on text, paragraph, number and multiselect fields'],
      ['max on a checkbox', { type: 'checkbox', max: 1 }, '/a/max', 'is allowed only on text, paragraph, number and multiselect fields'],
      ['a negative character count', { type: 'text', min: -1 }, '/a/min', 'must be a whole number, 0 or more'],
      ['a fractional selection count', { type: 'multiselect', options: ['a'], max: 1.5 }, '/a/max', 'must be a whole number, 0 or more'],
      [
        'a default outside the options',
        { type: 'dropdown', options: ['x', 'y'], default_value: MARK },
        '/a/default_value',
        'is not valid for this field: must be one of: x, y',
      ],
      [
        'a default longer than max',
        { type: 'text', max: 3, default_value: MARK },
        '/a/default_value',
        'is not valid for this field: must be at most 3 characters',
      ],
      [
        'a default that breaks the regex',
        { type: 'text', regex: '^[a-z]+$', regex_error_message: 'lower case only', default_value: MARK },
        '/a/default_value',
        'is not valid for this field: lower case only',
      ],
      [
        'a string default on a checkbox',
        { type: 'checkbox', default_value: 'yes' },
        '/a/default_value',
        'is not valid for this field: must be true or false',
      ],
      [
        'a number default above max',
        { type: 'number', max: 10, default_value: 11 },
        '/a/default_value',
        'is not valid for this field: must be at most 10',
      ],
      [
        'a date default that does not exist',
        { type: 'date', default_value: '2023-02-29' },
        '/a/default_value',
        'is not valid for this field: must be a real calendar date written YYYY-MM-DD',
      ],
      [
        'a multiselect default outside the options',
        { type: 'multiselect', options: ['a'], default_value: [MARK] },
        '/a/default_value',
        'is not valid for this field: must contain only: a',
      ],
      [
        'a url default that is not http(s)',
        { type: 'url', default_value: `ftp://${MARK}` },
        '/a/default_value',
        'is not valid for this field: must be an https:// or http:// URL',
      ],
    ])('refuses %s', (_name, attributes, path, rule) => {
      // Act
      const act = () => validateIparamsSchema({ a: field(attributes) });

      // Assess
      expectConfigIssue(act, { file: 'iparams.json', field: path, rule }, MARK);
    });

    it('reports every issue of every field at once', () => {
      // Prepare
      const json = {
        a: field({ type: 'number', secure: true, min: 3, max: 1 }),
        b: field({ type: 'radio' }),
      };

      // Act
      const act = () => validateIparamsSchema(json);

      // Assess
      const error = expectConfigIssue(act, { field: '/b/options', rule: 'is required for dropdown, radio and multiselect fields' });
      expect(error.issues.map((i) => i.field)).toEqual(['/a/secure', '/a/min', '/b/options']);
      expect(error.message).toContain('iparams.json /a/secure: is allowed only on text and paragraph fields');
    });
  });
});
