/** Fuzzed installation ids and parameter names: the character rule from docs/errors.md, and refusals that name no id. */
import fc from 'fast-check';
import { isId, isParameterName } from '../../packages/protocol/src/ids.js';
import { assertInstallationId, assertParameterName } from '../../packages/runtime/src/iparams/_layout.js';
import { EDGE_CHARS, fuzzParams, marker, mutationsOf, sampleOf, settle, withMarker } from './_fuzz.js';

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_.-';
const NAME_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_';

/** docs/errors.md: `[a-z0-9_.-]{1,64}` and not only dots, checked character by character. */
function idAllowed(value: unknown): boolean {
  if (typeof value !== 'string' || value.length < 1 || value.length > 64) return false;
  return [...value].every((c) => ID_CHARS.includes(c)) && [...value].some((c) => c !== '.');
}
/** docs/errors.md: `[A-Za-z0-9_]{1,64}`. */
function nameAllowed(value: unknown): boolean {
  return typeof value === 'string' && value.length >= 1 && value.length <= 64 && [...value].every((c) => NAME_CHARS.includes(c));
}

const EXTRA = ['A', 'Z', 'ı', 'K', 'ſ', '/', ':', '..', '\n', ' ', '\u0000', '%2e'];
const candidate = (alphabet: string, mark: string) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...alphabet), minLength: 1, maxLength: 70 }) },
    { weight: 2, arbitrary: mutationsOf('acme-eu.1', [...EXTRA, ...EDGE_CHARS]) },
    { weight: 2, arbitrary: mutationsOf('server_url', [...EXTRA, ...EDGE_CHARS]) },
    fc.constantFrom('.', '..', '...', '.a', 'a'.repeat(64), 'a'.repeat(65), 'A'.repeat(64), '', 'acme\n'),
    withMarker(mark),
    fc.anything(),
  );

const RULES = [
  { what: 'installation ids', alphabet: ID_CHARS, allowed: idAllowed, test: isId, check: assertInstallationId, code: 'ERR_INSTALLATION_ID_INVALID' },
  {
    what: 'parameter names',
    alphabet: NAME_CHARS,
    allowed: nameAllowed,
    test: isParameterName,
    check: assertParameterName,
    code: 'ERR_PARAMETER_NAME_INVALID',
  },
] as const;

describe.each(RULES)('$what (fuzz)', ({ alphabet, allowed, test, check, code }) => {
  it(`accepts exactly the documented values, else ${code} naming no part of the value`, async () => {
    await fc.assert(
      fc.asyncProperty(
        marker.chain((mark) => fc.tuple(fc.constant(mark), candidate(alphabet, mark))),
        async ([mark, value]) => {
          expect(test(value)).toBe(allowed(value));
          const outcome = await settle(() => check(value), { codes: [code], markers: [mark] });
          expect(outcome.accepted).toBe(allowed(value));
        },
      ),
      fuzzParams(),
    );
  });

  it('meets a real share of valid values, so the accept path is exercised', () => {
    const values = sampleOf(
      marker.chain((mark) => candidate(alphabet, mark)),
      1000,
    );
    expect(values.filter(allowed).length).toBeGreaterThan(150);
  });
});
