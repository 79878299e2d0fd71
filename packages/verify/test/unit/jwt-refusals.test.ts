/** The attack catalogue of JWT mode: every refusal, its code and status, and nothing secret in errors or logs. */
import { createVerifier } from '../../src/index.js';
import type { TesseraErrorCode } from '../../../protocol/src/errors.js';
import { MAX_TOKEN_BYTES, normalizeHtu } from '../../../protocol/src/index.js';
import {
  APP_ID,
  CURRENT_SECRET,
  NOW_SEC,
  ORIGIN,
  PREVIOUS_SECRET,
  REQUEST,
  STRANGER_SECRET,
  bearer,
  capturedLogger,
  expectRefusal,
  forgeToken,
  frozenClock,
  goodClaims,
  mintToken,
} from './_helpers.js';

interface Attack {
  name: string;
  code: TesseraErrorCode;
  /** Builds the request as received; defaults to {@link REQUEST} with a good token. */
  build: () => Promise<{ headers: Record<string, string | string[]>; method?: string; url?: string; body?: Buffer; token?: string }>;
}

const GOOD_HEADER = { alg: 'HS256', typ: 'tessera+jwt' };
const withToken = async (token: string | Promise<string>) => {
  const t = await token;
  return { headers: bearer(t), token: t };
};

const attacks: Attack[] = [
  // transport
  { name: 'no Authorization header', code: 'ERR_VERIFY_MISSING', build: async () => ({ headers: {} }) },
  {
    name: 'a token in another scheme',
    code: 'ERR_VERIFY_MALFORMED',
    build: async () => {
      const token = await mintToken();
      return { headers: { authorization: `Basic ${token}` }, token };
    },
  },
  { name: 'an empty Bearer', code: 'ERR_VERIFY_MALFORMED', build: async () => ({ headers: { authorization: 'Bearer ' } }) },
  {
    name: 'two Authorization values',
    code: 'ERR_VERIFY_MALFORMED',
    build: async () => {
      const token = await mintToken();
      return { headers: { authorization: [`Bearer ${token}`, `Bearer ${token}`] }, token };
    },
  },
  {
    name: `a token over ${MAX_TOKEN_BYTES} bytes`,
    code: 'ERR_VERIFY_MALFORMED',
    build: () => withToken(mintToken({ claims: { pad: 'x'.repeat(MAX_TOKEN_BYTES) } })),
  },
  { name: 'two segments', code: 'ERR_VERIFY_MALFORMED', build: async () => ({ headers: bearer('eyJhbGciOiJIUzI1NiJ9.e30') }) },
  {
    name: 'four segments',
    code: 'ERR_VERIFY_MALFORMED',
    build: async () => withToken(`${await mintToken()}.AAAA`),
  },
  // header and algorithm
  {
    name: 'alg none, unsigned',
    code: 'ERR_VERIFY_ALGORITHM',
    build: () => withToken(forgeToken({ alg: 'none', typ: 'tessera+jwt' }, goodClaims(), null)),
  },
  {
    name: 'alg NONE, unsigned',
    code: 'ERR_VERIFY_ALGORITHM',
    build: () => withToken(forgeToken({ alg: 'NONE', typ: 'tessera+jwt' }, goodClaims(), null)),
  },
  { name: 'alg HS512 with the right secret', code: 'ERR_VERIFY_ALGORITHM', build: () => withToken(mintToken({ alg: 'HS512' })) },
  { name: 'alg missing', code: 'ERR_VERIFY_ALGORITHM', build: () => withToken(forgeToken({ typ: 'tessera+jwt' }, goodClaims())) },
  { name: 'typ JWT (another kind of token)', code: 'ERR_VERIFY_MALFORMED', build: () => withToken(mintToken({ header: { typ: 'JWT' } })) },
  { name: 'typ missing', code: 'ERR_VERIFY_MALFORMED', build: () => withToken(forgeToken({ alg: 'HS256' }, goodClaims())) },
  {
    name: 'crit with an unknown extension',
    code: 'ERR_VERIFY_MALFORMED',
    build: () => withToken(forgeToken({ ...GOOD_HEADER, crit: ['urn:x:must'], 'urn:x:must': 1 }, goodClaims())),
  },
  {
    name: 'b64 false',
    code: 'ERR_VERIFY_MALFORMED',
    build: () => withToken(forgeToken({ ...GOOD_HEADER, b64: false, crit: ['b64'] }, goodClaims())),
  },
  {
    name: 'a header that is not JSON',
    code: 'ERR_VERIFY_MALFORMED',
    build: () => withToken(`bm90IGpzb24.${Buffer.from('{}').toString('base64url')}.${'A'.repeat(43)}`),
  },
  // signature
  { name: 'signed with a stranger secret', code: 'ERR_VERIFY_SIGNATURE', build: () => withToken(mintToken({ secret: STRANGER_SECRET })) },
  {
    name: 'a tampered payload',
    code: 'ERR_VERIFY_SIGNATURE',
    build: async () => {
      const [header, , signature] = (await mintToken()).split('.');
      const payload = Buffer.from(JSON.stringify(goodClaims({ sub: 'other-tenant' }))).toString('base64url');
      return withToken(`${header}.${payload}.${signature}`);
    },
  },
  {
    name: 'a padded signature',
    code: 'ERR_VERIFY_SIGNATURE',
    build: async () => withToken(`${await mintToken()}=`),
  },
  { name: 'an empty signature', code: 'ERR_VERIFY_SIGNATURE', build: async () => withToken((await mintToken()).replace(/\.[^.]+$/, '.')) },
  { name: 'a payload that is a JSON array', code: 'ERR_VERIFY_MALFORMED', build: () => withToken(forgeToken(GOOD_HEADER, [goodClaims()])) },
  // claims
  ...['exp', 'iat', 'nbf', 'jti', 'iss', 'sub', 'aud', 'htm', 'htu', 'bh'].map(
    (claim): Attack => ({ name: `claim ${claim} missing`, code: 'ERR_VERIFY_MALFORMED', build: () => withToken(mintToken({ omit: [claim] })) }),
  ),
  { name: 'exp as a string', code: 'ERR_VERIFY_MALFORMED', build: () => withToken(mintToken({ claims: { exp: String(NOW_SEC + 30) } })) },
  { name: 'a 64-bit jti', code: 'ERR_VERIFY_MALFORMED', build: () => withToken(mintToken({ claims: { jti: 'AAAAAAAAAAA' } })) },
  { name: 'sub not a string', code: 'ERR_VERIFY_MALFORMED', build: () => withToken(mintToken({ claims: { sub: 42 } })) },
  {
    name: 'expired beyond the 5 s tolerance',
    code: 'ERR_VERIFY_EXPIRED',
    build: () => withToken(mintToken({ claims: { iat: NOW_SEC - 36, nbf: NOW_SEC - 36, exp: NOW_SEC - 6 } })),
  },
  {
    name: 'issued more than 60 s ago',
    code: 'ERR_VERIFY_EXPIRED',
    build: () => withToken(mintToken({ claims: { iat: NOW_SEC - 66, nbf: NOW_SEC - 66, exp: NOW_SEC + 4 } })),
  },
  { name: 'nbf 10 s ahead', code: 'ERR_VERIFY_NOT_YET_VALID', build: () => withToken(mintToken({ claims: { nbf: NOW_SEC + 10 } })) },
  {
    name: 'iat 10 s ahead',
    code: 'ERR_VERIFY_NOT_YET_VALID',
    build: () => withToken(mintToken({ claims: { iat: NOW_SEC + 10, exp: NOW_SEC + 40 } })),
  },
  { name: 'a lifetime of 61 s', code: 'ERR_VERIFY_LIFETIME', build: () => withToken(mintToken({ claims: { exp: NOW_SEC + 61 } })) },
  { name: 'aud another origin', code: 'ERR_VERIFY_AUDIENCE', build: () => withToken(mintToken({ claims: { aud: 'https://evil.test' } })) },
  { name: 'aud with a path', code: 'ERR_VERIFY_AUDIENCE', build: () => withToken(mintToken({ claims: { aud: `${ORIGIN}/` } })) },
  { name: 'aud an array holding the origin', code: 'ERR_VERIFY_AUDIENCE', build: () => withToken(mintToken({ claims: { aud: [ORIGIN] } })) },
  { name: 'iss another app', code: 'ERR_VERIFY_ISSUER', build: () => withToken(mintToken({ claims: { iss: 'other-app' } })) },
  // binding
  { name: 'htm GET on a POST', code: 'ERR_VERIFY_BINDING', build: () => withToken(mintToken({ claims: { htm: 'GET' } })) },
  {
    name: 'htu another path',
    code: 'ERR_VERIFY_BINDING',
    build: () => withToken(mintToken({ claims: { htu: normalizeHtu(`${ORIGIN}/orders/43?full=1`) } })),
  },
  {
    name: 'htu another query',
    code: 'ERR_VERIFY_BINDING',
    build: () => withToken(mintToken({ claims: { htu: normalizeHtu(`${ORIGIN}/orders/42`) } })),
  },
  {
    name: 'htu another host',
    code: 'ERR_VERIFY_BINDING',
    build: () => withToken(mintToken({ claims: { htu: normalizeHtu(`https://evil.test${REQUEST.url}`) } })),
  },
  {
    name: 'htu for a forwarded host (X-Forwarded-Host is ignored)',
    code: 'ERR_VERIFY_BINDING',
    build: async () => {
      const token = await mintToken({ claims: { htu: normalizeHtu(`https://evil.test${REQUEST.url}`) } });
      return { headers: { ...bearer(token), host: 'evil.test', 'x-forwarded-host': 'evil.test' }, token };
    },
  },
  {
    name: 'a request target that would change the host',
    code: 'ERR_VERIFY_BINDING',
    build: async () => {
      const token = await mintToken({ claims: { htu: normalizeHtu('https://evil.test/x') } });
      return { headers: bearer(token), url: '@evil.test/x', token };
    },
  },
  {
    name: 'bh of another body',
    code: 'ERR_VERIFY_BINDING',
    build: async () => ({ ...(await withToken(mintToken())), body: Buffer.from('{"note":"wire me money"}') }),
  },
];

describe('createVerifier', () => {
  describe('mode: jwt, refusals', () => {
    it.each(attacks)('refuses $name with $code', async ({ build, code }) => {
      // Prepare
      const { logger, lines } = capturedLogger();
      const verifier = createVerifier({
        mode: 'jwt',
        secrets: [CURRENT_SECRET, PREVIOUS_SECRET],
        issuer: APP_ID,
        publicOrigin: ORIGIN,
        logger,
        now: frozenClock().now,
      });
      const req = await build();

      // Act
      const act = verifier.verify({
        method: req.method ?? REQUEST.method,
        url: req.url ?? REQUEST.url,
        headers: req.headers,
        body: req.body ?? REQUEST.body,
      });

      // Assess
      await expectRefusal(act, { code, status: 401, lines, ...(req.token ? { token: req.token } : {}) });
    });
  });
});
