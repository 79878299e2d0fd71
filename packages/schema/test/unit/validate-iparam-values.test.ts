/** validateIparamValues: the rule every field type applies to one value. */
import { validateIparamValues, type IparamField, type IparamsSchema } from '../../src/index.js';
import { expectIparamIssues } from './_refusal.js';

const MARK = 'Qx7DISTINCT';

function only(field: Partial<IparamField> & Pick<IparamField, 'type'>): IparamsSchema {
  return { f: { display_name: 'F', ...field } };
}

describe('validateIparamValues', () => {
  describe('refusals name the field and the rule, never the value', () => {
    it.each<[string, Partial<IparamField> & Pick<IparamField, 'type'>, unknown, string]>([
      ['text: a number', { type: 'text' }, 12345, 'must be a string'],
      ['text: a bell character', { type: 'text' }, `${MARK}\u0007`, 'must not contain control characters'],
      ['text: a line feed', { type: 'text' }, `${MARK}\nx`, 'must not contain control characters'],
      ['text: a C1 control', { type: 'text' }, `${MARK}\u0085`, 'must not contain control characters'],
      ['text: a lone surrogate', { type: 'text' }, `${MARK}\uD800`, 'must be well-formed Unicode text'],
      ['text: longer than max', { type: 'text', max: 8 }, `${MARK}-long`, 'must be at most 8 characters'],
      ['text: shorter than min', { type: 'text', min: 50 }, MARK, 'must be at least 50 characters'],
      ['text: regex without message', { type: 'text', regex: '^[A-Z]{0,6}-?$' }, MARK, 'must match /^[A-Z]{0,6}-?$/'],
      [
        'text: regex with message',
        { type: 'text', regex: '[a-z]+', regex_error_message: 'must be lower case letters' },
        MARK,
        'must be lower case letters',
      ],
      ['text: regex is anchored', { type: 'text', regex: '[A-Z]+' }, `${MARK}`, 'must match /[A-Z]+/'],
      ['text: nothing is trimmed', { type: 'text', regex: '^[A-Z]+$' }, ` QXDISTINCT `, 'must match /^[A-Z]+$/'],
      ['paragraph: a carriage return', { type: 'paragraph' }, `${MARK}\r\n`, 'must not contain control characters other than line feed and tab'],
      ['paragraph: a NUL', { type: 'paragraph' }, `${MARK}\u0000`, 'must not contain control characters other than line feed and tab'],
      ['number: a numeric string', { type: 'number' }, '987654', 'must be a finite number'],
      ['number: NaN', { type: 'number' }, Number.NaN, 'must be a finite number'],
      ['number: Infinity', { type: 'number' }, Number.POSITIVE_INFINITY, 'must be a finite number'],
      ['number: below min', { type: 'number', min: 10 }, -987654, 'must be at least 10'],
      ['number: above max', { type: 'number', max: 10 }, 987654, 'must be at most 10'],
      ['checkbox: a string', { type: 'checkbox' }, 'true', 'must be true or false'],
      ['checkbox: a number', { type: 'checkbox' }, 1, 'must be true or false'],
      ['email: no at sign', { type: 'email' }, `${MARK}.example.com`, 'must be a valid email address'],
      ['email: no dot in the domain', { type: 'email' }, `${MARK}@localhost`, 'must be a valid email address'],
      ['email: a space', { type: 'email' }, `a ${MARK}@example.com`, 'must be a valid email address'],
      ['email: two at signs', { type: 'email' }, `${MARK}@a@example.com`, 'must be a valid email address'],
      ['url: ftp', { type: 'url' }, `ftp://${MARK}.example.com`, 'must be an https:// or http:// URL'],
      ['url: javascript', { type: 'url' }, `javascript:alert('${MARK}')`, 'must be an https:// or http:// URL'],
      ['url: no slashes', { type: 'url' }, `https:${MARK}.example.com`, 'must be an https:// or http:// URL'],
      ['url: no scheme', { type: 'url' }, `${MARK}.example.com`, 'must be an https:// or http:// URL'],
      ['url: a space', { type: 'url' }, `https://${MARK}.example.com/a b`, 'must be an https:// or http:// URL'],
      ['url: credentials', { type: 'url' }, `https://user:${MARK}@example.com`, 'must not contain a user name or password'],
      ['url: regex', { type: 'url', regex: '^https://.*$' }, `http://${MARK}.example.com`, 'must match /^https://.*$/'],
      ['date: not a date', { type: 'date' }, MARK, 'must be a real calendar date written YYYY-MM-DD'],
      ['date: 29 February in a common year', { type: 'date' }, '2023-02-29', 'must be a real calendar date written YYYY-MM-DD'],
      ['date: 29 February 1900', { type: 'date' }, '1900-02-29', 'must be a real calendar date written YYYY-MM-DD'],
      ['date: 31 April', { type: 'date' }, '2024-04-31', 'must be a real calendar date written YYYY-MM-DD'],
      ['date: month 13', { type: 'date' }, '2024-13-01', 'must be a real calendar date written YYYY-MM-DD'],
      ['date: one-digit month', { type: 'date' }, '2024-1-01', 'must be a real calendar date written YYYY-MM-DD'],
      ['date: year zero', { type: 'date' }, '0000-01-01', 'must be a real calendar date written YYYY-MM-DD'],
      ['date: with a time', { type: 'date' }, '2024-01-01T00:00:00Z', 'must be a real calendar date written YYYY-MM-DD'],
      ['dropdown: not an option', { type: 'dropdown', options: ['a', 'b'] }, MARK, 'must be one of: a, b'],
      ['dropdown: a number', { type: 'dropdown', options: ['1', '2'] }, 1, 'must be a string'],
      ['radio: not an option', { type: 'radio', options: ['x', 'y'] }, MARK, 'must be one of: x, y'],
      ['multiselect: a string', { type: 'multiselect', options: ['a', 'b'] }, 'a', 'must be a list of options'],
      ['multiselect: a number inside', { type: 'multiselect', options: ['a', 'b'] }, ['a', 1], 'must be a list of options'],
      ['multiselect: not an option', { type: 'multiselect', options: ['a', 'b'] }, ['a', MARK], 'must contain only: a, b'],
      ['multiselect: twice the same', { type: 'multiselect', options: ['a', 'b'] }, ['a', 'a'], 'must not select an option twice'],
      ['multiselect: fewer than min', { type: 'multiselect', options: ['a', 'b'], min: 2 }, ['a'], 'must have at least 2 selections'],
      ['multiselect: more than max', { type: 'multiselect', options: ['a', 'b'], max: 1 }, ['a', 'b'], 'must have at most 1 selection'],
    ])('refuses %s', (_name, field, value, rule) => {
      // Prepare
      const schema = only(field);

      // Act
      const act = () => validateIparamValues(schema, { f: value });

      // Assess
      expectIparamIssues(act, [{ field: 'f', rule }], typeof value === 'string' && value.includes(MARK) ? MARK : undefined);
    });

    it('never echoes a secure value that breaks its regex', () => {
      // Prepare
      const secret = 'Zr8-THIS-IS-THE-SECRET';
      const schema: IparamsSchema = {
        api_key: { display_name: 'Key', type: 'text', secure: true, regex: '^[a-f0-9]{32}$', regex_error_message: 'must be 32 hex digits' },
      };

      // Act
      const act = () => validateIparamValues(schema, { api_key: secret });

      // Assess
      expectIparamIssues(act, [{ field: 'api_key', rule: 'must be 32 hex digits' }], secret);
    });

    it('reports one issue per bad field, all at once', () => {
      // Prepare
      const schema: IparamsSchema = {
        a: { display_name: 'A', type: 'number' },
        b: { display_name: 'B', type: 'checkbox' },
        c: { display_name: 'C', type: 'text', required: true },
      };

      // Act
      const act = () => validateIparamValues(schema, { a: 'x', b: 'y', d: 1 });

      // Assess
      expectIparamIssues(act, [
        { field: 'd', rule: 'is not a known parameter' },
        { field: 'a', rule: 'must be a finite number' },
        { field: 'b', rule: 'must be true or false' },
        { field: 'c', rule: 'is required' },
      ]);
    });
  });

  describe('accepted values', () => {
    it.each<[string, Partial<IparamField> & Pick<IparamField, 'type'>, unknown, unknown]>([
      ['text: NFC-normalised', { type: 'text' }, 'Cafe\u0301', 'Caf\u00e9'],
      ['text: an emoji counts as one character', { type: 'text', max: 2 }, '\u{1F600}\u{1F600}', '\u{1F600}\u{1F600}'],
      ['text: a regex in full', { type: 'text', regex: '^[A-Z]{0,6}-?$' }, 'INV-', 'INV-'],
      ['paragraph: line feeds and tabs', { type: 'paragraph' }, 'a\n\tb', 'a\n\tb'],
      ['number: zero', { type: 'number', min: 0, max: 0 }, 0, 0],
      ['number: a negative fraction', { type: 'number' }, -1.5, -1.5],
      ['checkbox: false', { type: 'checkbox' }, false, false],
      ['email', { type: 'email' }, 'ops+tessera@mail.example.com', 'ops+tessera@mail.example.com'],
      ['url: http on loopback', { type: 'url' }, 'http://localhost:4100', 'http://localhost:4100'],
      ['url: kept as written', { type: 'url' }, 'https://A.example.com/x?y=1', 'https://A.example.com/x?y=1'],
      ['date: 29 February in a leap year', { type: 'date' }, '2024-02-29', '2024-02-29'],
      ['date: 29 February 2000', { type: 'date' }, '2000-02-29', '2000-02-29'],
      ['dropdown', { type: 'dropdown', options: ['jwt', 'shared-secret'] }, 'jwt', 'jwt'],
      ['radio', { type: 'radio', options: ['x', 'y'] }, 'y', 'y'],
      ['multiselect: within min and max', { type: 'multiselect', options: ['a', 'b', 'c'], min: 1, max: 2 }, ['c', 'a'], ['c', 'a']],
      ['multiselect: none when optional', { type: 'multiselect', options: ['a'] }, [], []],
    ])('accepts %s', (_name, field, value, expected) => {
      // Prepare
      const schema = only(field);

      // Act
      const values = validateIparamValues(schema, { f: value });

      // Assess
      expect(values).toEqual({ f: expected });
    });
  });
});
