/** Fuzzed `htu` claims and request targets: the binding matches exactly the WHATWG-normalised public origin plus target. */
import fc from 'fast-check';
import { createHtuMatcher } from '../../packages/verify/src/_htu.js';
import { createVerifier } from '../../packages/verify/src/index.js';
import { captureLogger } from '../helpers/logs.js';
import { APP_ID, CURRENT_SECRET, INSTALLATION_ID, NOW_MS, REQUEST, mintToken } from '../../packages/verify/test/unit/_helpers.js';
import { EDGE_CHARS, fuzzParams, marker, mutationsOf, sampleOf, settle } from './_fuzz.js';

const ORIGINS = ['https://orders.acme.test', 'https://orders.acme.test:8443', 'http://127.0.0.1:4000', 'https://xn--bcher-kva.example'];
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** RFC 3986 §6.2.2: percent-escapes of unreserved characters decoded, the others' hex upper-cased. */
function normalizePercent(part: string): string {
  return part.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => {
    const ch = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
}

/** The oracle: the one `htu` a target admits, from WHATWG URL alone, or undefined when none does. */
function expectedHtu(origin: string, target: string): string | undefined {
  if (!target.startsWith('/')) return undefined;
  let url: URL;
  try {
    url = new URL(origin + target);
  } catch {
    return undefined;
  }
  if (url.origin !== new URL(origin).origin) return undefined;
  return `${url.protocol}//${url.host}${normalizePercent(url.pathname)}${normalizePercent(url.search)}`;
}

const PATH_CHARS = [
  ..."abcXYZ019-._~!$&'()*+,;=:@/?",
  '%',
  '%7e',
  '%7E',
  '%2F',
  '%2f',
  '%41',
  '%zz',
  '%',
  '..',
  '/./',
  '/../',
  '\\',
  '#',
  ' ',
  '\t',
  '\u0000',
  'ü',
  '😀',
  '\ud800',
  '"',
  '<',
  '^',
  '`',
  '{',
  '|',
];
const target = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...PATH_CHARS), { maxLength: 16 }).map((parts) => `/${parts.join('')}`) },
  fc.constantFrom('/orders/42?full=1', '//evil.test/x', '/@evil.test', '/.evil.test', '/?', '/#f', '/%2e%2e/admin', ''),
  fc.array(fc.constantFrom(...PATH_CHARS), { maxLength: 8 }).map((parts) => parts.join('')),
);
/** The htu a signer might send for a target: the exact concatenation, the normal form, or a near miss of either. */
const htuFor = (origin: string, t: string, mark: string) => {
  const exact = origin + t;
  const normal = expectedHtu(origin, t) ?? exact;
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(exact, normal) },
    fc.constantFrom(
      exact.toUpperCase(),
      exact.replace('://', '://ORDERS.').replace('ORDERS.orders.', 'ORDERS.'),
      origin.startsWith('https:') ? normal.replace(/^(https:\/\/[^/:]+)/, '$1:443') : normal.replace(/^(http:\/\/[^/]+)/, '$1/.'),
      `${normal}#frag`,
      `${normal}?`,
      normal.replace(/~/g, '%7E'),
      normal.replace(origin, 'https://evil.test'),
      normal.replace(origin, `${origin}.evil.test`),
      `${normal}${mark}`,
    ),
    mutationsOf(normal, [...EDGE_CHARS, '%', '/', '~', 'A']),
  );
};
const caseArb = marker.chain((mark) =>
  fc
    .tuple(fc.constant(mark), fc.constantFrom(...ORIGINS), target)
    .chain(([m, origin, t]) => fc.tuple(fc.constant(m), fc.constant(origin), fc.constant(t), htuFor(origin, t, m))),
);

describe('createHtuMatcher (fuzz)', () => {
  const matchers = new Map(ORIGINS.map((o) => [o, createHtuMatcher(o)]));

  it('matches exactly the normalised public origin plus target, never another origin, on the fast and full paths alike', () => {
    fc.assert(
      fc.property(caseArb, ([, origin, t, htu]) => {
        const matches = (matchers.get(origin) as ReturnType<typeof createHtuMatcher>)(htu, t);
        expect(matches).toBe(htu === expectedHtu(origin, t));
        if (matches) expect(new URL(htu).origin).toBe(new URL(origin).origin);
      }),
      fuzzParams(),
    );
  });

  it('meets a real share of matching pairs, so the accept path is exercised', () => {
    // Prepare
    const cases = sampleOf(caseArb, 1000);
    // Act
    const matching = cases.filter(([, origin, t, htu]) => (matchers.get(origin) as ReturnType<typeof createHtuMatcher>)(htu, t));
    // Assess
    expect(matching.length).toBeGreaterThan(150);
  });
});

describe('htu through the verifier (fuzz)', () => {
  const verifiers = new Map(
    ORIGINS.map((origin) => {
      const log = captureLogger();
      const verifier = createVerifier({
        mode: 'jwt',
        secrets: [CURRENT_SECRET],
        issuer: APP_ID,
        installationId: INSTALLATION_ID,
        publicOrigin: origin,
        logger: log.logger,
        now: () => NOW_MS,
      });
      return [origin, { verifier, lines: log.lines }];
    }),
  );

  it('accepts a signed token only when its htu is the request target under the public origin, else 401 ERR_VERIFY_BINDING', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ([mark, origin, t, htu]) => {
        const { verifier, lines } = verifiers.get(origin) as { verifier: ReturnType<typeof createVerifier>; lines: string[] };
        lines.length = 0;
        const token = await mintToken({ claims: { aud: origin, htu } });
        const outcome = await settle(() => verifier.verify({ ...REQUEST, url: t, headers: { authorization: `Bearer ${token}` } }), {
          codes: ['ERR_VERIFY_BINDING'],
          markers: [mark, ...(t.length >= 12 ? [t] : [])],
          lines,
          documentedLogFields: ['kid', 'claimedInstallation'],
        });
        expect(outcome.accepted).toBe(htu === expectedHtu(origin, t));
      }),
      fuzzParams(0.5),
    );
  });
});
