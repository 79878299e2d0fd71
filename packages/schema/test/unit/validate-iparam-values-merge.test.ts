/** validateIparamValues: presence, defaults, unknown keys, and partial updates merged over stored values. */
import { validateIparamValues, type IparamsSchema } from '../../src/index.js';
import { expectIparamIssues } from './_refusal.js';

const SCHEMA: IparamsSchema = {
  server_url: { display_name: 'URL', type: 'url', required: true },
  shared_secret: { display_name: 'Secret', type: 'text', secure: true, required: true, regex: '^[A-Za-z0-9_-]{43,}$' },
  auth_mode: { display_name: 'Mode', type: 'dropdown', options: ['jwt', 'shared-secret'], default_value: 'jwt', required: true },
  order_prefix: { display_name: 'Prefix', type: 'text', default_value: 'ORD-', max: 8 },
  note: { display_name: 'Note', type: 'paragraph' },
  tags: { display_name: 'Tags', type: 'multiselect', options: ['a', 'b'], required: true },
};
const SECRET = 'S3cr3t-value-that-is-long-enough-for-the-regex-Xy';
const FULL = { server_url: 'https://a.example.com', shared_secret: SECRET, tags: ['a'] };

describe('validateIparamValues', () => {
  describe('presence and defaults', () => {
    it('applies defaults for fields not given', () => {
      // Act
      const values = validateIparamValues(SCHEMA, FULL);

      // Assess
      expect(values).toEqual({ ...FULL, auth_mode: 'jwt', order_prefix: 'ORD-' });
    });

    it.each([
      ['undefined', undefined],
      ['null', null],
      ['the empty string', ''],
    ])('treats %s as not given', (_name, blank) => {
      // Act
      const values = validateIparamValues(SCHEMA, { ...FULL, order_prefix: blank, note: blank });

      // Assess
      expect(values).toEqual({ ...FULL, auth_mode: 'jwt', order_prefix: 'ORD-' });
    });

    it('reports each missing required field', () => {
      // Act
      const act = () => validateIparamValues(SCHEMA, { shared_secret: '' });

      // Assess
      expectIparamIssues(act, [
        { field: 'server_url', rule: 'is required' },
        { field: 'shared_secret', rule: 'is required' },
        { field: 'tags', rule: 'is required' },
      ]);
    });

    it('counts an empty selection of a required multiselect as missing', () => {
      // Act
      const act = () => validateIparamValues(SCHEMA, { ...FULL, tags: [] });

      // Assess
      expectIparamIssues(act, [{ field: 'tags', rule: 'is required' }]);
    });

    it('refuses unknown keys, echoing only name-like keys', () => {
      // Prepare
      const pasted = 'https://looks-like-a-value.example.com';

      // Act
      const act = () => validateIparamValues(SCHEMA, { ...FULL, color: 'red', [pasted]: 1 });

      // Assess
      expectIparamIssues(
        act,
        [
          { field: 'color', rule: 'is not a known parameter' },
          { field: '(invalid name)', rule: 'is not a known parameter' },
        ],
        pasted,
      );
    });

    it.each([
      ['an array', []],
      ['a string', SECRET],
      ['null', null],
    ])('refuses %s instead of an object of values', (_name, input) => {
      // Act
      const act = () => validateIparamValues(SCHEMA, input);

      // Assess
      expectIparamIssues(act, [{ field: '(values)', rule: 'must be an object of parameter values' }], SECRET);
    });

    it('does not let a __proto__ key reach the result', () => {
      // Prepare
      const input = JSON.parse(
        `{"server_url":"https://a.example.com","shared_secret":"${SECRET}","tags":["a"],"__proto__":{"polluted":1}}`,
      ) as unknown;

      // Act
      const act = () => validateIparamValues(SCHEMA, input);

      // Assess
      expectIparamIssues(act, [{ field: '__proto__', rule: 'is not a known parameter' }]);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('option: partial', () => {
    const previous = { ...FULL, auth_mode: 'jwt', order_prefix: 'ORD-' };

    it('validates only the given keys and merges them over previous', () => {
      // Act
      const values = validateIparamValues(SCHEMA, { order_prefix: 'INV-' }, { partial: true, previous });

      // Assess
      expect(values).toEqual({ ...previous, order_prefix: 'INV-' });
    });

    it('refuses a bad replacement without echoing it', () => {
      // Act
      const act = () => validateIparamValues(SCHEMA, { shared_secret: 'short-Zk4' }, { partial: true, previous });

      // Assess
      expectIparamIssues(act, [{ field: 'shared_secret', rule: 'must match /^[A-Za-z0-9_-]{43,}$/' }], 'short-Zk4');
    });

    it('refuses to blank a required field', () => {
      // Act
      const act = () => validateIparamValues(SCHEMA, { server_url: '' }, { partial: true, previous });

      // Assess
      expectIparamIssues(act, [{ field: 'server_url', rule: 'is required' }]);
    });

    it('drops a blanked optional field, or falls back to its default', () => {
      // Act
      const values = validateIparamValues(SCHEMA, { note: null, order_prefix: '' }, { partial: true, previous: { ...previous, note: 'x' } });

      // Assess
      expect(values).toEqual(previous);
    });

    it('drops stored values the schema no longer declares', () => {
      // Act
      const values = validateIparamValues(SCHEMA, { note: 'n' }, { partial: true, previous: { ...previous, retired: 'x' } });

      // Assess
      expect(values).toEqual({ ...previous, note: 'n' });
    });

    it('starts from nothing when previous is not given', () => {
      // Act
      const values = validateIparamValues(SCHEMA, { note: 'n' }, { partial: true });

      // Assess
      expect(values).toEqual({ note: 'n' });
    });
  });

  describe('options', () => {
    it('throws TypeError on an unknown option', () => {
      // Act
      const act = () => validateIparamValues(SCHEMA, FULL, { partail: true } as never);

      // Assess
      expect(act).toThrow(TypeError);
      expect(act).toThrow('unknown option "partail"');
    });
  });
});
