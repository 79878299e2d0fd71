/** The session guard's attack catalogue: every refusal with its code and status, and no token in errors or logs. */
import { SignJWT, exportSPKI } from 'jose';
import { ERROR_CODES, type TesseraErrorCode } from '../../../../protocol/src/errors.js';
import type { Recorder } from '../../../../../test/helpers/http-recorder.js';
import { startRecorder } from '../../../../../test/helpers/http-recorder.js';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createApp } from '../../../src/index.js';
import { storeFor } from '../runtime/_iparam-store.js';
import {
  APP_ID,
  NOW_SEC,
  SESSION_TYP,
  expectRefusal,
  forgeUnsigned,
  mintSession,
  platformKey,
  sessionClaims,
  sessionVerifier,
  signRaw,
  startJwks,
  type PlatformKey,
} from './_session-helpers.js';

interface Attack {
  name: string;
  code: TesseraErrorCode;
  /** The Authorization header as received (undefined: none). */
  header: () => Promise<string | undefined>;
  /** JWKS requests the refusal may make: 0 proves it happened before any key lookup. */
  fetches?: number;
  requiredScopes?: string[];
  /** The header itself is missing or malformed: the challenge says `invalid_request`, not `invalid_token`. */
  aboutRequest?: true;
}

let jwks: Awaited<ReturnType<typeof startJwks>>;
let attackerSite: Recorder;
let rs: PlatformKey;
let es: PlatformKey;
let attacker: PlatformKey;

beforeAll(async () => {
  [rs, es, attacker] = await Promise.all([platformKey('RS256', 'rs-1'), platformKey('ES256', 'es-1'), platformKey('RS256', 'evil-1')]);
  jwks = await startJwks([rs, es]);
  // Serves the attacker's key, so a verifier that followed jku/x5u would find a matching key there.
  attackerSite = await startRecorder();
  attackerSite.respond((_req, res) => res.end(JSON.stringify({ keys: [attacker.publicJwk] })));
});
afterAll(async () => {
  await Promise.all([jwks.close(), attackerSite.close()]);
});

const bearer = async (token: string | Promise<string>) => `Bearer ${await token}`;
const signedWithPublicKey = async (secret: string) =>
  bearer(new SignJWT(sessionClaims()).setProtectedHeader({ alg: 'HS256', typ: SESSION_TYP, kid: 'rs-1' }).sign(new TextEncoder().encode(secret)));
const swapped = async (claims: Record<string, unknown>) => {
  const [header, , signature] = (await mintSession(rs)).split('.');
  return `Bearer ${header}.${Buffer.from(JSON.stringify(sessionClaims(claims))).toString('base64url')}.${signature}`;
};

const attacks: Attack[] = [
  // transport
  { name: 'no Authorization header', aboutRequest: true, code: 'ERR_SESSION_MISSING', header: async () => undefined, fetches: 0 },
  { name: 'an empty Authorization header', aboutRequest: true, code: 'ERR_SESSION_MISSING', header: async () => ' ', fetches: 0 },
  {
    name: 'a token in the Basic scheme',
    aboutRequest: true,
    code: 'ERR_SESSION_INVALID',
    header: async () => `Basic ${await mintSession(rs)}`,
    fetches: 0,
  },
  {
    name: 'two tokens in one header',
    aboutRequest: true,
    code: 'ERR_SESSION_INVALID',
    header: async () => `Bearer ${await mintSession(rs)}, Bearer x`,
    fetches: 0,
  },
  {
    name: 'a 100 KB token',
    aboutRequest: true,
    code: 'ERR_SESSION_INVALID',
    header: () => bearer(mintSession(rs, { claims: { pad: 'x'.repeat(100 * 1024) } })),
    fetches: 0,
  },
  { name: 'two segments', code: 'ERR_SESSION_INVALID', header: async () => 'Bearer eyJhbGciOiJSUzI1NiJ9.e30', fetches: 0 },
  // algorithm: refused before any key is looked up
  {
    name: 'alg none, unsigned',
    code: 'ERR_SESSION_INVALID',
    header: () => bearer(forgeUnsigned({ alg: 'none', typ: SESSION_TYP, kid: 'rs-1' }, sessionClaims())),
    fetches: 0,
  },
  {
    name: 'HS256 keyed with the platform public JWK',
    code: 'ERR_SESSION_INVALID',
    header: () => signedWithPublicKey(JSON.stringify(rs.publicJwk)),
    fetches: 0,
  },
  {
    name: 'HS256 keyed with the platform public key PEM',
    code: 'ERR_SESSION_INVALID',
    header: async () => signedWithPublicKey(await exportSPKI(rs.publicKey)),
    fetches: 0,
  },
  // keys and key-locating headers: jku/x5u/jwk/x5c are never used
  { name: 'an unknown kid signed by another key', code: 'ERR_SESSION_INVALID', header: () => bearer(mintSession(attacker)) },
  {
    name: 'the platform kid signed by another key',
    code: 'ERR_SESSION_INVALID',
    header: () => bearer(mintSession(attacker, { header: { kid: 'rs-1' } })),
  },
  {
    name: 'jku naming the attacker JWKS',
    code: 'ERR_SESSION_INVALID',
    header: () => bearer(mintSession(attacker, { header: { jku: `${attackerSite.origin}/jwks.json` } })),
  },
  {
    name: 'x5u naming the attacker site',
    code: 'ERR_SESSION_INVALID',
    header: () => bearer(mintSession(attacker, { header: { x5u: `${attackerSite.origin}/cert.pem` } })),
  },
  {
    name: 'jwk embedding the attacker key',
    code: 'ERR_SESSION_INVALID',
    header: () => bearer(mintSession(attacker, { header: { jwk: attacker.publicJwk } })),
  },
  { name: 'x5c with a bogus chain', code: 'ERR_SESSION_INVALID', header: () => bearer(mintSession(attacker, { header: { x5c: ['MIIBbogus'] } })) },
  {
    name: 'crit with an unknown extension',
    code: 'ERR_SESSION_INVALID',
    header: () => bearer(signRaw(rs, { alg: 'RS256', typ: SESSION_TYP, kid: 'rs-1', crit: ['urn:x:must'], 'urn:x:must': 1 }, sessionClaims())),
    fetches: 0,
  },
  // profile: no other kind of token passes as a session
  {
    name: 'typ tessera+jwt (an outbound request token)',
    code: 'ERR_SESSION_INVALID',
    header: () => bearer(mintSession(rs, { header: { typ: 'tessera+jwt' } })),
  },
  { name: 'typ JWT (an ID token)', code: 'ERR_SESSION_INVALID', header: () => bearer(mintSession(rs, { header: { typ: 'JWT' } })) },
  { name: 'typ missing', code: 'ERR_SESSION_INVALID', header: () => bearer(mintSession(rs, { header: { typ: undefined } })) },
  { name: 'iss another platform', code: 'ERR_SESSION_INVALID', header: () => bearer(mintSession(rs, { claims: { iss: 'https://evil.test' } })) },
  { name: 'aud another app', code: 'ERR_SESSION_INVALID', header: () => bearer(mintSession(es, { claims: { aud: 'other-app' } })) },
  {
    name: 'aud a list without this app',
    code: 'ERR_SESSION_INVALID',
    header: () => bearer(mintSession(rs, { claims: { aud: ['other-app', `${APP_ID}x`] } })),
  },
  // signature
  { name: 'a tampered payload (installation swapped)', code: 'ERR_SESSION_INVALID', header: () => swapped({ installation_id: 'globex-2' }) },
  { name: 'a tampered payload (scope widened)', code: 'ERR_SESSION_INVALID', header: () => swapped({ scope: 'orders:read orders:write admin' }) },
  { name: 'an empty signature', code: 'ERR_SESSION_INVALID', header: async () => `Bearer ${(await mintSession(rs)).replace(/\.[^.]+$/, '.')}` },
  // time, with the 5 s tolerance and the 300 s cap
  {
    name: 'expired beyond the tolerance',
    code: 'ERR_SESSION_EXPIRED',
    header: () => bearer(mintSession(rs, { claims: { iat: NOW_SEC - 126, nbf: NOW_SEC - 126, exp: NOW_SEC - 6 } })),
  },
  {
    name: 'issued more than 300 s ago',
    code: 'ERR_SESSION_EXPIRED',
    header: () => bearer(mintSession(rs, { claims: { iat: NOW_SEC - 306, nbf: NOW_SEC - 306, exp: NOW_SEC + 10 } })),
  },
  { name: 'not yet valid (nbf 10 s ahead)', code: 'ERR_SESSION_INVALID', header: () => bearer(mintSession(rs, { claims: { nbf: NOW_SEC + 10 } })) },
  {
    name: 'issued in the future (iat 10 s ahead)',
    code: 'ERR_SESSION_INVALID',
    header: () => bearer(mintSession(rs, { claims: { iat: NOW_SEC + 10, exp: NOW_SEC + 130 } })),
  },
  { name: 'a lifetime of 301 s', code: 'ERR_SESSION_INVALID', header: () => bearer(mintSession(rs, { claims: { exp: NOW_SEC + 301 } })) },
  { name: 'exp as a string', code: 'ERR_SESSION_INVALID', header: () => bearer(mintSession(rs, { claims: { exp: String(NOW_SEC + 60) } })) },
  ...['exp', 'iat', 'iss', 'aud', 'sub'].map(
    (claim): Attack => ({ name: `claim ${claim} missing`, code: 'ERR_SESSION_INVALID', header: () => bearer(mintSession(rs, { omit: [claim] })) }),
  ),
  // installation: from the verified claim only, and well-formed
  { name: 'installation claim missing', code: 'ERR_SESSION_INVALID', header: () => bearer(mintSession(rs, { omit: ['installation_id'] })) },
  ...['..', '.', 'ACME-1', '../globex', 'a'.repeat(65), '', 'acme 1', 42].map(
    (id): Attack => ({
      name: `installation id ${JSON.stringify(id).slice(0, 20)}`,
      code: 'ERR_SESSION_INVALID',
      header: () => bearer(mintSession(rs, { claims: { installation_id: id } })),
    }),
  ),
  // scopes
  { name: 'scope as a list', code: 'ERR_SESSION_INVALID', header: () => bearer(mintSession(rs, { claims: { scope: ['orders:read'] } })) },
  {
    name: 'a required scope missing',
    code: 'ERR_SCOPE_MISSING',
    header: () => bearer(mintSession(rs, { claims: { scope: 'orders:read' } })),
    requiredScopes: ['orders:write'],
  },
  { name: 'no scope claim', code: 'ERR_SCOPE_MISSING', header: () => bearer(mintSession(rs, { omit: ['scope'] })), requiredScopes: ['orders:read'] },
  {
    name: 'a scope that only starts like the required one',
    code: 'ERR_SCOPE_MISSING',
    header: () => bearer(mintSession(rs, { claims: { scope: 'orders:read-all' } })),
    requiredScopes: ['orders:read'],
  },
];

const STATUS: Record<string, number> = { ERR_SESSION_MISSING: 401, ERR_SESSION_INVALID: 401, ERR_SESSION_EXPIRED: 401, ERR_SCOPE_MISSING: 403 };

/** RFC 6750 §3: the challenge each refusal carries, its description the code's fixed message. */
function challengeOf({ code, aboutRequest, requiredScopes }: Attack): string {
  const description = `error_description="${ERROR_CODES[code][1]}"`;
  if (code === 'ERR_SCOPE_MISSING') return `Bearer error="insufficient_scope", ${description}, scope="${(requiredScopes ?? []).join(' ')}"`;
  return `Bearer error="${aboutRequest ? 'invalid_request' : 'invalid_token'}", ${description}`;
}

describe('createSessionVerifier', () => {
  describe('verify: attack catalogue', () => {
    it.each(attacks)('refuses $name with $code', async (attack) => {
      const { code, header, fetches, requiredScopes } = attack;
      // Prepare
      const { verifier, lines } = sessionVerifier(jwks.origin);
      const authorization = await header();
      const token = authorization?.replace(/^\S+ +/, '').trim();
      const [jwksBefore, attackerBefore] = [jwks.requests.length, attackerSite.connections];
      // Act
      const act = verifier.verify(authorization, requiredScopes ?? ['orders:read']);
      // Assess
      const refusal = await expectRefusal(act, { code, status: STATUS[code] as number, lines, ...(token ? { token } : {}) });
      expect(refusal.headers).toEqual({ 'www-authenticate': challengeOf(attack) });
      expect(attackerSite.connections).toBe(attackerBefore);
      if (fetches !== undefined) expect(jwks.requests.length - jwksBefore).toBe(fetches);
    });
  });

  describe('through defineFunction: the function never runs', () => {
    it.each(attacks)('answers $name with its status, $code and challenge, before iparams or the handler', async (attack) => {
      const { code, header, requiredScopes } = attack;
      // Prepare: the real guard behind a real function of an app whose manifest names the JWKS
      const { verifier, lines } = sessionVerifier(jwks.origin);
      const { store, read } = storeFor(['acme-1', 'globex']);
      const manifest = {
        app: { id: APP_ID, version: '1.0.0' },
        functions: { getOrder: { methods: ['GET'], scopes: requiredScopes ?? ['orders:read'] } },
        customer: { baseUrl: '{{iparams.server_url}}', allowedHosts: ['*.orders.example.com'], auth: { mode: 'jwt', secretIparam: 'shared_secret' } },
      };
      let ran = 0;
      const fn = createApp({ manifest, store, session: verifier, logger: { log: () => undefined } }).defineFunction('getOrder', () => {
        ran++;
        return { body: { secret: 'order data' } };
      });
      const authorization = await header();
      const token = authorization?.replace(/^\S+ +/, '').trim();
      const event = {
        rawPath: '/getOrder',
        rawQueryString: '',
        headers: authorization === undefined ? {} : { authorization },
        requestContext: { http: { method: 'GET', path: '/getOrder' } },
        isBase64Encoded: false,
      } as unknown as APIGatewayProxyEventV2;
      // Act
      const res = await fn(event);
      // Assess
      expect(res.statusCode).toBe(STATUS[code]);
      expect(res.headers?.['www-authenticate']).toBe(challengeOf(attack));
      expect(JSON.parse(String(res.body))).toEqual({ error: { code, message: expect.any(String) } });
      expect([ran, read.length]).toEqual([0, 0]);
      if (token) expect(JSON.stringify(res) + lines.join('\n')).not.toContain(token);
    });
  });
});
