/** Fuzzed `Authorization` headers: Bearer to the verifier and to the session guard, Basic to the Basic guard. */
import fc from 'fast-check';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { createVerifier } from '../../packages/verify/src/index.js';
import { createBasicGuard } from '../../packages/runtime/src/inbound/basic.js';
import { createSessionVerifier, type SessionVerifier } from '../../packages/runtime/src/inbound/session.js';
import { captureLogger } from '../helpers/logs.js';
import { fuzzParams, marker, mutationsOf, sampleOf, settle, withMarker } from './_fuzz.js';
import { APP_ID, CURRENT_SECRET, INSTALLATION_ID, NOW_MS, NOW_SEC, ORIGIN, REQUEST, mintToken } from '../../packages/verify/test/unit/_helpers.js';

const B64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];
const TOKEN_EDGES = [...B64URL.slice(0, 8), ...B64URL.slice(-4), '.', '=', '+', '/', ' ', '\t', ',', '"', '\u0000', 'é'];
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A header built around `token`: the scheme in any case, spacing, a second credential, a repeat, a huge one, a marker. */
function bearerHeaders(token: string, mark: string): fc.Arbitrary<string | string[] | undefined> {
  const spelled = fc
    .tuple(
      fc.constantFrom('Bearer', 'bearer', 'BEARER', 'BeArEr', 'Bearer:', 'Basic', 'Token', ''),
      fc.constantFrom(' ', '  ', '\t', '', ' \u00a0'),
      fc.constantFrom('', ' ', '  ', '\t', ','),
    )
    .map(([scheme, gap, tail]) => `${scheme}${gap}${token}${tail}`);
  return fc.oneof(
    { weight: 3, arbitrary: spelled },
    { weight: 5, arbitrary: mutationsOf(`Bearer ${token}`, TOKEN_EDGES) },
    { weight: 2, arbitrary: fc.nat({ max: token.length }).map((i) => `Bearer ${token.slice(0, i)}${mark}${token.slice(i)}`) },
    { weight: 1, arbitrary: withMarker(mark).map((s) => `Bearer ${s}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        undefined,
        '',
        '   ',
        [`Bearer ${token}`, `Bearer ${token}`],
        `Bearer ${token}.${mark}`,
        `Bearer ${mark.repeat(800)}`,
      ),
    },
  );
}

describe('Bearer header to the verifier (fuzz)', () => {
  let token: string;
  beforeAll(async () => {
    token = await mintToken();
  });

  it('accepts only the signed token under the Bearer rule, else a documented code naming nothing presented', async () => {
    let accepts = 0;
    await fc.assert(
      fc.asyncProperty(
        marker.chain((mark) => fc.tuple(fc.constant(mark), bearerHeaders(token, mark))),
        async ([mark, authorization]) => {
          const { logger, lines } = captureLogger();
          const verifier = createVerifier({
            mode: 'jwt',
            secrets: [CURRENT_SECRET],
            issuer: APP_ID,
            installationId: INSTALLATION_ID,
            publicOrigin: ORIGIN,
            logger,
            now: () => NOW_MS,
          });
          const outcome = await settle(() => verifier.verify({ ...REQUEST, headers: { authorization } }), {
            codes: ['ERR_VERIFY_MISSING', 'ERR_VERIFY_MALFORMED', 'ERR_VERIFY_SIGNATURE', 'ERR_VERIFY_ALGORITHM'],
            markers: [mark],
            lines,
            // verifier.md: the refused token's kid and sub are logged when they have the shape of an id.
            documentedLogFields: ['kid', 'claimedInstallation'],
          });
          // RFC 6750 §2.1: the scheme in any case, one or more spaces, the b64token, nothing else.
          const strict = typeof authorization === 'string' && new RegExp(`^[Bb][Ee][Aa][Rr][Ee][Rr] +${escapeRegex(token)} *$`).test(authorization);
          expect(outcome.accepted).toBe(strict);
          if (outcome.accepted) accepts++;
        },
      ),
      fuzzParams(),
    );
    expect(accepts).toBeGreaterThan(0);
  });
});

describe('Bearer header to the session guard (fuzz)', () => {
  let token: string;
  let claims: Record<string, unknown>;
  let sessions: SessionVerifier;
  let lines: string[];
  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'p1', alg: 'ES256', use: 'sig' };
    claims = {
      iss: 'https://platform.test',
      aud: APP_ID,
      sub: 'user-42',
      installation_id: INSTALLATION_ID,
      scope: 'orders:read',
      iat: NOW_SEC,
      exp: NOW_SEC + 120,
    };
    token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'tessera-session+jwt', kid: 'p1' }).sign(privateKey);
    const log = captureLogger();
    lines = log.lines;
    sessions = createSessionVerifier({
      jwksUrl: 'https://platform.test/.well-known/jwks.json',
      issuer: 'https://platform.test',
      audience: APP_ID,
      fetchJwks: async () => ({ keys: [jwk] }),
      now: () => NOW_MS,
      logger: log.logger,
    });
  });

  it('accepts only a header carrying the signed claims, else 401 ERR_SESSION_MISSING or ERR_SESSION_INVALID', async () => {
    let accepts = 0;
    await fc.assert(
      fc.asyncProperty(
        marker.chain((mark) =>
          fc.tuple(
            fc.constant(mark),
            bearerHeaders(token, mark).filter((h) => !Array.isArray(h)),
          ),
        ),
        async ([mark, authorization]) => {
          lines.length = 0;
          const outcome = await settle(() => sessions.verify(authorization as string | undefined, ['orders:read']), {
            codes: ['ERR_SESSION_MISSING', 'ERR_SESSION_INVALID'],
            markers: [mark],
            lines,
          });
          if (!outcome.accepted) return expect(outcome.error.status).toBe(401);
          accepts++;
          expect(authorization).toMatch(/^bearer +[^ ]+ *$/i);
          expect(outcome.value.claims).toEqual(claims);
        },
      ),
      fuzzParams(),
    );
    expect(accepts).toBeGreaterThan(0);
  });
});

const USER = 'acme-1';
const PASSWORD = 'pässwörd-Ω-0123456789';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** RFC 7617 §2 read strictly: `Basic`, spaces, canonical base64 of UTF-8 `user:password` without controls, compared after NFC. */
function basicAllows(header: string | undefined): boolean {
  if (header === undefined || header.length > 8192) return false;
  const m = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!m) return false;
  const bytes = Buffer.from(m[1] as string, 'base64');
  if (bytes.toString('base64') !== m[1]) return false;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return false;
  }
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) return false;
  const colon = text.indexOf(':');
  return colon > 0 && text.slice(0, colon).normalize('NFC') === USER && text.slice(colon + 1).normalize('NFC') === PASSWORD;
}

const VALID_BASIC = `Basic ${b64(`${USER}:${PASSWORD}`)}`;
const B64 = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/='];
const credential = (mark: string) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(`${USER}:${PASSWORD}`) },
    fc.constantFrom(
      `${USER}:${PASSWORD}`,
      `${USER}:${PASSWORD.normalize('NFD')}`,
      `${USER.toUpperCase()}:${PASSWORD}`,
      `${USER}:${PASSWORD} `,
      ` ${USER}:${PASSWORD}`,
      `${USER}:${PASSWORD}\u0000`,
      `${USER}${PASSWORD}`,
    ),
    withMarker(mark).map((user) => `${user}:${PASSWORD}`),
    withMarker(mark).map((password) => `${USER}:${password}`),
    fc.tuple(withMarker(mark), fc.string()).map(([a, b]) => `${a}:${b}`),
  );
const basicHeaders = (mark: string) =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.constantFrom('Basic', 'basic', 'BASIC', 'Basic', 'Bearer', 'Basic:'),
          fc.constantFrom(' ', '   ', '\t', ''),
          credential(mark),
          fc.constantFrom('', ' ', '\t'),
          fc.constantFrom('utf8', 'utf8', 'utf8', 'latin1'),
        )
        .map(([scheme, gap, cred, tail, enc]) => `${scheme}${gap}${Buffer.from(cred, enc as BufferEncoding).toString('base64')}${tail}`),
    },
    mutationsOf(VALID_BASIC, [...B64, ' ', '\t', '-', '_', '\u0000']),
    withMarker(mark).map((s) => `Basic ${s}`),
    fc.constantFrom(undefined, '', 'Basic', `Basic ${'QUFB'.repeat(2100)}`),
  );

describe('Basic header to the Basic guard (fuzz)', () => {
  it('accepts only the right user and password under RFC 7617, else 401 ERR_BASIC_INVALID naming neither', async () => {
    await fc.assert(
      fc.asyncProperty(
        marker.chain((mark) => fc.tuple(fc.constant(mark), basicHeaders(mark))),
        async ([mark, authorization]) => {
          const { logger, lines } = captureLogger();
          const guard = createBasicGuard({ users: () => ({ [USER]: PASSWORD }), realm: 'orders', logger, now: () => NOW_MS });
          const outcome = await settle(() => guard.verify(authorization), { codes: ['ERR_BASIC_INVALID'], markers: [mark, b64(mark)], lines });
          expect(outcome.accepted).toBe(basicAllows(authorization));
          if (outcome.accepted) expect(outcome.value.user).toBe(USER);
          else expect(outcome.error.headers['www-authenticate']).toBe('Basic realm="orders", charset="UTF-8"');
        },
      ),
      fuzzParams(),
    );
  });

  it('meets a real share of accepted headers, so the accept path is exercised', () => {
    // Prepare
    const headers = sampleOf(marker.chain(basicHeaders), 1000);
    // Act
    const accepted = headers.filter(basicAllows);
    // Assess
    expect(accepted.length).toBeGreaterThan(30);
  });
});
