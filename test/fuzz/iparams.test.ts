/** Fuzzed installation values against every field type of iparams.json: accepted values meet the docs' rules, refusals echo none. */
import fc from 'fast-check';
import { IPARAM_NAME_PATTERN, validateIparamValues, type IparamsSchema } from '../../packages/schema/src/index.js';
import { EDGE_CHARS, fuzzParams, marker, mutationsOf, sampleOf, settle, withMarker } from './_fuzz.js';

const SCHEMA: IparamsSchema = {
  name: { display_name: 'Name', type: 'text', min: 2, max: 20 },
  notes: { display_name: 'Notes', type: 'paragraph', max: 200 },
  count: { display_name: 'Count', type: 'number', min: 0, max: 100 },
  contact: { display_name: 'Contact', type: 'email' },
  server_url: { display_name: 'Server URL', type: 'url', required: true },
  plan: { display_name: 'Plan', type: 'dropdown', options: ['basic', 'pro'] },
  tier: { display_name: 'Tier', type: 'radio', options: ['a', 'b'], default_value: 'a' },
  regions: { display_name: 'Regions', type: 'multiselect', options: ['eu', 'us', 'ap'], max: 2 },
  enabled: { display_name: 'Enabled', type: 'checkbox' },
  start: { display_name: 'Start', type: 'date' },
  code: { display_name: 'Code', type: 'text', regex: '[A-Z]{3}-[0-9]{2}', regex_error_message: 'must look like ABC-12' },
  api_key: { display_name: 'API key', type: 'text', secure: true, required: true },
};

/** A value per field that the field accepts. */
const VALID: Record<string, unknown> = {
  name: 'Acme Ltd',
  notes: 'line one\n\tline two',
  count: 42,
  contact: 'ops@acme.example.com',
  server_url: 'https://acme.example.com/api',
  plan: 'pro',
  tier: 'b',
  regions: ['eu', 'ap'],
  enabled: true,
  start: '2024-02-29',
  code: 'ABC-12',
  api_key: 'k3y-0123456789',
};

/** A value for one field: the valid one, a near miss of it carrying the marker, another type, or blank. */
function valueFor(field: string, mark: string): fc.Arbitrary<unknown> {
  const valid = VALID[field];
  const text = typeof valid === 'string' ? valid : JSON.stringify(valid);
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(valid) },
    { weight: 2, arbitrary: mutationsOf(text, EDGE_CHARS) },
    fc.nat({ max: text.length }).map((i) => text.slice(0, i) + mark + text.slice(i)),
    fc.constantFrom(`${text}\u0000${mark}`, `${mark}\ud800`, `${text.normalize('NFD')}`, `${mark}`.repeat(30), ` ${text} `, undefined, null, ''),
    fc.oneof(
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant([mark]),
      fc.constant({ v: mark }),
      fc.constant(['eu', 'eu']),
      fc.constant(['eu', mark]),
    ),
  );
}
const inputArb = fc.tuple(marker, marker).chain(([keyMark, valueMark]) =>
  fc.record({
    keyMark: fc.constant(keyMark),
    valueMark: fc.constant(valueMark),
    values: fc.record(Object.fromEntries(Object.keys(SCHEMA).map((f) => [f, valueFor(f, valueMark)])), { requiredKeys: ['server_url', 'api_key'] }),
    unknown: fc.oneof(
      { weight: 4, arbitrary: fc.constant<string[]>([]) },
      fc.array(fc.oneof(withMarker(keyMark), fc.constantFrom('__proto__', 'constructor', 'toString')), { maxLength: 2 }),
    ),
  }),
);

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const codePoints = (s: string) => [...s].length;
// No lone surrogate (String#isWellFormed is ES2024, past this project's lib).
const wellFormed = (s: string) => !/\p{Cs}/u.test(s);
/** The docs' rule for each field, written apart from the validator: what an accepted value must be. */
const RULES: Record<string, (v: unknown) => boolean> = {
  name: (v) => typeof v === 'string' && wellFormed(v) && !CONTROL.test(v) && codePoints(v) >= 2 && codePoints(v) <= 20,
  notes: (v) => typeof v === 'string' && wellFormed(v) && !/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(v) && codePoints(v) <= 200,
  count: (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100,
  contact: (v) => typeof v === 'string' && !/[\s\u0000-\u001f]/.test(v) && v.split('@').length === 2 && /\.[A-Za-z0-9]+$/.test(v),
  server_url: (v) => {
    if (typeof v !== 'string' || !/^https?:\/\//i.test(v) || /\s/.test(v)) return false;
    const url = new URL(v);
    return url.username === '' && url.password === '' && url.hostname !== '';
  },
  plan: (v) => v === 'basic' || v === 'pro',
  tier: (v) => v === 'a' || v === 'b',
  regions: (v) => Array.isArray(v) && v.length <= 2 && new Set(v).size === v.length && v.every((r) => ['eu', 'us', 'ap'].includes(r)),
  enabled: (v) => typeof v === 'boolean',
  start: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
  code: (v) => typeof v === 'string' && /^[A-Z]{3}-[0-9]{2}$/.test(v),
  api_key: (v) => typeof v === 'string' && wellFormed(v) && !CONTROL.test(v) && v !== '',
};

function inputOf(values: Record<string, unknown>, unknown: string[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) input[k] = v;
  for (const key of unknown) Object.defineProperty(input, key, { value: 'x', enumerable: true, configurable: true, writable: true });
  return input;
}

describe('validateIparamValues (fuzz)', () => {
  it('accepts only values meeting each field rule, else ERR_IPARAM_INVALID naming fields and rules, never a value', async () => {
    await fc.assert(
      fc.asyncProperty(inputArb, async ({ keyMark, valueMark, values, unknown }) => {
        const input = inputOf(values, unknown);
        // docs/errors.md: an unknown key is named only when it has the shape of a parameter name.
        const keyEchoAllowed = unknown.some((k) => IPARAM_NAME_PATTERN.test(k));
        const outcome = await settle(() => validateIparamValues(SCHEMA, input), {
          codes: ['ERR_IPARAM_INVALID'],
          markers: keyEchoAllowed ? [valueMark] : [valueMark, keyMark],
        });
        if (!outcome.accepted) {
          const issues = (outcome.error as unknown as { issues: { field: string }[] }).issues;
          for (const { field } of issues) expect(Object.hasOwn(SCHEMA, field) || field === '(invalid name)' || unknown.includes(field)).toBe(true);
          return;
        }
        expect(unknown.filter((k) => !Object.hasOwn(SCHEMA, k))).toEqual([]);
        for (const [field, value] of Object.entries(outcome.value)) {
          expect({ field, ok: RULES[field]?.(value) }).toEqual({ field, ok: true });
          const given = input[field];
          if (given !== undefined && given !== null && given !== '') {
            expect(value).toEqual(
              typeof given === 'string' ? given.normalize('NFC') : Array.isArray(given) ? given.map((g) => String(g).normalize('NFC')) : given,
            );
          }
        }
        expect(Object.keys(outcome.value)).toEqual(expect.arrayContaining(['server_url', 'api_key', 'tier']));
      }),
      fuzzParams(),
    );
  });

  it('meets a real share of accepted inputs, so the accept path is exercised', () => {
    // Prepare
    const inputs = sampleOf(inputArb, 1000);
    // Act
    const accepted = inputs.filter(({ values, unknown }) => {
      try {
        validateIparamValues(SCHEMA, inputOf(values, unknown));
        return true;
      } catch {
        return false;
      }
    });
    // Assess
    expect(accepted.length).toBeGreaterThan(20);
  });
});
