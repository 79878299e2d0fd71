/** Fuzzed cookies and CSRF pairs: the double-submit check passes only the issued, session-bound, unexpired pair. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { createCsrfGuard } from '../../packages/runtime/src/inbound/csrf.js';
import { captureLogger } from '../helpers/logs.js';
import { EDGE_CHARS, fuzzParams, marker, mutationsOf, sampleOf, settle, withMarker } from './_fuzz.js';

const NOW_MS = Date.UTC(2026, 10, 22, 12, 0, 0);
const BINDING = JSON.stringify(['acme-1', 'user-42']);
const NAME = '__Host-tessera-csrf';
const { logger, lines } = captureLogger();
const guard = createCsrfGuard({ secret: 'csrf-secret-0123456789abcdefghijklmnopqrstuvwxyz', now: () => NOW_MS, logger });
const issued = guard.issue(BINDING);
const COOKIE_VALUE = (/^[^=]+=([^;]+);/.exec(issued.setCookie) as RegExpExecArray)[1] as string;
const other = guard.issue(BINDING);
const OTHER_VALUE = (/^[^=]+=([^;]+);/.exec(other.setCookie) as RegExpExecArray)[1] as string;
const foreign = guard.issue(JSON.stringify(['acme-2', 'user-42']));
const FOREIGN_VALUE = (/^[^=]+=([^;]+);/.exec(foreign.setCookie) as RegExpExecArray)[1] as string;

/** Every pair issued to this session: either passes, as the cookie and the header carry the same one. */
const SESSION_PAIRS: readonly (readonly [string, string])[] = [
  [issued.token, COOKIE_VALUE],
  [other.token, OTHER_VALUE],
];
const B64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The issued value with the MAC's last character changed only in the 2 bits base64url decoding drops. */
const STRAY_BITS_VALUE = COOKIE_VALUE.slice(0, -1) + B64URL_ALPHABET[B64URL_ALPHABET.indexOf(COOKIE_VALUE.slice(-1)) ^ 1];
const B64URL_EDGES = ['A', 'z', '0', '-', '_', '.', '=', ' ', '\t', ';', ',', '"', '\u0000', '+', '/'];

/** A Cookie pair: the issued value, its near misses, another session's, or a marked junk value, under the name or a near name. */
const pair = (mark: string) =>
  fc
    .tuple(
      fc.oneof(
        { weight: 6, arbitrary: fc.constant(NAME) },
        fc.constantFrom('__host-tessera-csrf', '__Host-tessera-csrf ', ' __Host-tessera-csrf', '__Secure-tessera-csrf', 'tessera-csrf', `${NAME}x`),
      ),
      fc.oneof(
        { weight: 6, arbitrary: fc.constant(COOKIE_VALUE) },
        { weight: 4, arbitrary: mutationsOf(COOKIE_VALUE, B64URL_EDGES) },
        fc.constantFrom(
          OTHER_VALUE,
          FOREIGN_VALUE,
          STRAY_BITS_VALUE,
          STRAY_BITS_VALUE,
          `${COOKIE_VALUE} `,
          `"${COOKIE_VALUE}"`,
          COOKIE_VALUE.replace(/\.(\d+)\./, '.99999999999.'),
        ),
        withMarker(mark),
      ),
      fc.constantFrom('=', '=', ' = ', '=='),
    )
    .map(([name, value, eq]) => `${name}${eq}${value}`);
const cookieList = (mark: string) =>
  fc.array(fc.oneof({ weight: 3, arbitrary: pair(mark) }, fc.constantFrom('theme=dark', 'a=b=c', '', '=x', ';', `sid=${mark}`)), {
    minLength: 0,
    maxLength: 4,
  });

interface Request {
  mark: string;
  method: string;
  version: '1.0' | '2.0';
  headerToken: string | undefined;
  /** Payload 1.0 only: the header sent a second time under another spelling. */
  repeatedHeader: boolean;
  cookieHeader: string[];
  cookiesArray: string[];
}
const requestArb: fc.Arbitrary<Request> = marker.chain((mark) =>
  fc.record({
    mark: fc.constant(mark),
    method: fc.constantFrom('POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'post', 'GET', 'HEAD', 'OPTIONS', ''),
    version: fc.constantFrom('1.0', '2.0') as fc.Arbitrary<'1.0' | '2.0'>,
    headerToken: fc.oneof(
      { weight: 6, arbitrary: fc.constant(issued.token) },
      { weight: 3, arbitrary: mutationsOf(issued.token, [...B64URL_EDGES, ...EDGE_CHARS]) },
      fc.constantFrom(undefined, '', ` ${issued.token} `, other.token, `${issued.token},${issued.token}`, COOKIE_VALUE),
      withMarker(mark),
    ),
    repeatedHeader: fc.boolean(),
    cookieHeader: cookieList(mark),
    cookiesArray: cookieList(mark),
  }),
);

function eventOf(r: Request): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  if (r.headerToken !== undefined) headers[r.version === '2.0' ? 'x-csrf-token' : 'X-CSRF-Token'] = r.headerToken;
  if (r.headerToken !== undefined && r.version === '1.0' && r.repeatedHeader) headers['x-csrf-token'] = r.headerToken;
  if (r.cookieHeader.length > 0) headers[r.version === '2.0' ? 'cookie' : 'Cookie'] = r.cookieHeader.join('; ');
  return {
    version: r.version,
    headers,
    ...(r.version === '2.0' && r.cookiesArray.length > 0 ? { cookies: r.cookiesArray } : {}),
    requestContext: { http: { method: r.method } },
  } as unknown as APIGatewayProxyEventV2;
}

/** docs/frontend.md: safe methods pass; otherwise the header is the token and every cookie by that exact name is the issued one. */
function strictAllows(r: Request): boolean {
  if (['GET', 'HEAD'].includes(r.method.toUpperCase())) return true;
  const header = r.headerToken?.trim();
  const pair = SESSION_PAIRS.find(([token]) => token === header);
  if (pair === undefined || (r.version === '1.0' && r.repeatedHeader)) return false;
  const pairs = [...(r.version === '2.0' ? r.cookiesArray : []), ...r.cookieHeader.join('; ').split(';')];
  const values = pairs.filter((p) => p.includes('=') && p.slice(0, p.indexOf('=')).trim() === NAME).map((p) => p.slice(p.indexOf('=') + 1).trim());
  return values.length > 0 && values.every((v) => v === pair[1]);
}

describe('CsrfGuard.verify (fuzz)', () => {
  it('passes exactly the issued pair (or a safe method), else 400 ERR_CSRF_INVALID naming nothing presented', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        lines.length = 0;
        const outcome = await settle(() => guard.verify(eventOf(r), BINDING), {
          codes: ['ERR_CSRF_INVALID'],
          markers: [r.mark, issued.token, COOKIE_VALUE],
          lines,
        });
        expect(outcome.accepted).toBe(strictAllows(r));
      }),
      fuzzParams(),
    );
  });

  it('refuses the issued cookie whose MAC is re-spelled in the bits base64url decoding drops', () => {
    // Prepare
    const r: Request = {
      mark: 'ZqNoMarkHere',
      method: 'POST',
      version: '2.0',
      headerToken: issued.token,
      repeatedHeader: false,
      cookieHeader: [`${NAME}=${STRAY_BITS_VALUE}`],
      cookiesArray: [],
    };
    // Act
    const act = () => guard.verify(eventOf(r), BINDING);
    // Assess
    expect(STRAY_BITS_VALUE).not.toBe(COOKIE_VALUE);
    expect(act).toThrow(expect.objectContaining({ code: 'ERR_CSRF_INVALID' }));
  });

  it('meets a real share of passing unsafe requests, so the accept path is exercised', () => {
    // Prepare
    const unsafe = sampleOf(requestArb, 2000).filter((r) => !['GET', 'HEAD'].includes(r.method.toUpperCase()));
    // Act
    const passing = unsafe.filter(strictAllows);
    // Assess
    expect(passing.length).toBeGreaterThan(40);
  });
});
