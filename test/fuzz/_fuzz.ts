/**
 * The fuzz project's shared pieces: the seed and run count every property uses, a marker that attacker input carries,
 * and the one verdict each parser's outcome must meet (a strict accept, or a documented refusal that echoes nothing).
 */
import fc from 'fast-check';
import { ERROR_CODES, isTesseraError, type TesseraError, type TesseraErrorCode } from '../../packages/protocol/src/errors.js';

/** Fixed so `npm test` replays the same inputs; `TESSERA_FUZZ_SEED` explores others (fast-check prints it on failure). */
export const FUZZ_SEED = readInteger('TESSERA_FUZZ_SEED', 0x7e55e7a);
/** Runs per property: 200 in `npm test`, `TESSERA_FUZZ_RUNS=20000` in `npm run test:fuzz`. */
export const FUZZ_RUNS = readInteger('TESSERA_FUZZ_RUNS', 200);

function readInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new TypeError(`${name} must be an integer`);
  return value;
}

/**
 * The parameters of one property: the shared seed, and the run count scaled for costly properties (a real HTTP
 * round trip, a signature per run), never below one.
 * @example
 * await fc.assert(fc.asyncProperty(arb, check), fuzzParams(0.5));
 */
export function fuzzParams(scale = 1): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(FUZZ_RUNS * scale)) };
}

/** A distinctive 12-character token: nothing a parser or logger writes by itself contains it. */
export const marker: fc.Arbitrary<string> = fc
  .string({ unit: fc.constantFrom(...'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'), minLength: 10, maxLength: 10 })
  .map((s) => `Zq${s}`);

/** Characters that reach parsers' edges: separators, whitespace, NUL and other controls, confusable and astral Unicode. */
export const EDGE_CHARS = [
  ...' \t\r\n\u0000\u0001\u001f\u007f\u0085\u00a0\u2028\ufeff',
  ...'.,;:=/\\?#@%+-_~*"\'`<>()[]{}|!$&^',
  'ü',
  'İ',
  'K', // Kelvin sign, folds to K
  '。',
  '．',
  '😀',
  '\ud800', // a lone surrogate
];

/** One mutation of `base`: a character inserted, removed, replaced or re-cased, a truncation, or a repetition. */
export function mutationOf(base: string, alphabet: readonly string[] = EDGE_CHARS): fc.Arbitrary<string> {
  const at = fc.nat({ max: base.length });
  const char = fc.oneof(fc.constantFrom(...alphabet), fc.string({ minLength: 1, maxLength: 1 }));
  return fc.oneof(
    fc.tuple(at, char).map(([i, c]) => base.slice(0, i) + c + base.slice(i)),
    at.map((i) => base.slice(0, i) + base.slice(i + 1)),
    fc.tuple(at, char).map(([i, c]) => base.slice(0, i) + c + base.slice(i + 1)),
    at.map((i) => base.slice(0, i) + base.slice(i, i + 1).toUpperCase() + base.slice(i + 1)),
    at.map((i) => base.slice(0, i) + base.slice(i, i + 1).toLowerCase() + base.slice(i + 1)),
    at.map((i) => base.slice(0, i)),
    fc.integer({ min: 2, max: 3 }).map((n) => base.repeat(n)),
  );
}

/** Up to three mutations in a row, so near misses also come two or three edits away. */
export function mutationsOf(base: string, alphabet?: readonly string[]): fc.Arbitrary<string> {
  return fc.integer({ min: 1, max: 3 }).chain((n) => {
    let arb = mutationOf(base, alphabet);
    for (let i = 1; i < n; i++) arb = arb.chain((s) => mutationOf(s, alphabet));
    return arb;
  });
}

/** An arbitrary string with the marker somewhere inside it. */
export function withMarker(mark: string, inner: fc.Arbitrary<string> = fc.string({ maxLength: 24 })): fc.Arbitrary<string> {
  return fc.tuple(inner, inner).map(([a, b]) => `${a}${mark}${b}`);
}

/** How a parser answered: a value it accepted, or the TesseraError it refused with. */
export type Outcome<T> = { accepted: true; value: T } | { accepted: false; error: TesseraError };

/** What {@link settle} checks a refusal against. */
export interface Expectation {
  /** The codes documented for this parser; any other code fails the property. */
  codes: readonly TesseraErrorCode[];
  /** Substrings of the attacker input that must never show in the error or in a log line. */
  markers: readonly string[];
  /** Log lines captured while the parser ran (test/helpers/logs.ts); each is checked for the markers. */
  lines?: string[];
  /** Log fields where the docs let an id-shaped value through (e.g. `kid`); removed before the lines are checked. */
  documentedLogFields?: readonly string[];
}

/** Every text an error exposes: message, cause, reason, headers, its JSON and its issues. */
function textsOf(error: TesseraError): string[] {
  const e = error as TesseraError & { reason?: unknown; issues?: unknown };
  return [
    error.message,
    String(error.cause ?? ''),
    JSON.stringify(error.cause ?? null),
    String(e.reason ?? ''),
    JSON.stringify(error.headers),
    JSON.stringify(e.issues ?? null),
    JSON.stringify(error),
  ];
}

function withoutFields(line: string, fields: readonly string[]): string {
  if (fields.length === 0) return line;
  const record = JSON.parse(line) as Record<string, unknown>;
  for (const field of fields) delete record[field];
  return JSON.stringify(record);
}

/**
 * Throws (failing the property) unless no marker shows in the texts; the message names where, never the value.
 * @example
 * expectNoEcho(['Zq1234567890'], { 'response body': body });
 */
export function expectNoEcho(markers: readonly string[], texts: Record<string, readonly string[] | string>): void {
  for (const [where, value] of Object.entries(texts)) {
    const joined = typeof value === 'string' ? value : value.join('\n');
    for (const mark of markers) if (joined.includes(mark)) throw new Error(`attacker input echoed in ${where}`);
  }
}

/**
 * Runs one parse and returns its outcome, after checking the rules every parser of attacker input keeps: a refusal
 * is a TesseraError with a code in ERROR_CODES and among `codes`; anything else thrown fails; neither the error nor a
 * captured log line carries a marker.
 * @example
 * const outcome = await settle(() => guard.verify(header), { codes: ['ERR_BASIC_INVALID'], markers: [mark], lines });
 */
export async function settle<T>(act: () => T | Promise<T>, expected: Expectation): Promise<Outcome<T>> {
  let outcome: Outcome<T>;
  try {
    outcome = { accepted: true, value: await act() };
  } catch (err) {
    if (!isTesseraError(err)) throw new Error(`unexpected ${(err as Error)?.name ?? typeof err}: ${(err as Error)?.message}`);
    if (!(err.code in ERROR_CODES) || !expected.codes.includes(err.code)) throw new Error(`undocumented code ${err.code}`);
    expectNoEcho(expected.markers, { error: textsOf(err) });
    outcome = { accepted: false, error: err };
  }
  const lines = (expected.lines ?? []).map((line) => withoutFields(line, expected.documentedLogFields ?? []));
  expectNoEcho(expected.markers, { 'a log line': lines });
  return outcome;
}

/**
 * Draws `count` samples of `arb` from the shared seed: for the deterministic checks that a property's accept path is
 * not vacuous (its generator yields enough accepted inputs).
 * @example
 * const accepted = sampleOf(originArb, 500).filter(allowed).length;
 */
export function sampleOf<T>(arb: fc.Arbitrary<T>, count: number): T[] {
  return fc.sample(arb, { seed: FUZZ_SEED, numRuns: count });
}
