/** The attack catalogue of public-key JWT mode: each refusal's code and status, nothing fetched, nothing leaked. */
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import type { TesseraErrorCode } from '../../../protocol/src/errors.js';
import { startRecorder, type Recorder } from '../../../../test/helpers/http-recorder.js';
import { expectRefusal, forgeToken, goodClaims, mintToken } from './_helpers.js';
import { appKey, BASE64URL_ALPHABET, forgeSigned, keyVerifier, mintSigned, startJwks, type AppKey } from './_asymmetric-helpers.js';

let es: AppKey;
let ed: AppKey;
let elsewhere: Recorder;
let jwks: Awaited<ReturnType<typeof startJwks>>;

beforeAll(async () => {
  [es, ed] = [appKey('ES256', 'es-1'), appKey('EdDSA', 'ed-1')];
  [elsewhere, jwks] = await Promise.all([startRecorder(), startJwks([])]);
  jwks.serve([es.jwk, ed.jwk]);
});
afterAll(() => Promise.all([elsewhere.close(), jwks.close()]));

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const HEADER = (key: AppKey) => ({ alg: key.alg, typ: 'tessera+jwt', kid: key.kid });

interface Attack {
  name: string;
  code: TesseraErrorCode;
  token: () => Promise<string> | string;
}

const attacks: Attack[] = [
  // algorithm
  {
    name: 'alg none, unsigned',
    code: 'ERR_VERIFY_ALGORITHM',
    token: () => `${b64({ alg: 'none', typ: 'tessera+jwt', kid: 'es-1' })}.${b64(goodClaims())}.`,
  },
  {
    name: 'HS256 keyed with the public JWK as the secret',
    code: 'ERR_VERIFY_ALGORITHM',
    token: () => forgeToken({ alg: 'HS256', typ: 'tessera+jwt', kid: 'es-1' }, goodClaims(), JSON.stringify(es.jwk)),
  },
  {
    name: 'HS256 keyed with the public key PEM as the secret',
    code: 'ERR_VERIFY_ALGORITHM',
    token: () =>
      forgeToken({ alg: 'HS256', typ: 'tessera+jwt', kid: 'es-1' }, goodClaims(), es.publicKey.export({ type: 'spki', format: 'pem' }) as string),
  },
  { name: 'HS256 with a shared secret', code: 'ERR_VERIFY_ALGORITHM', token: () => mintToken({ header: { kid: 'es-1' } }) },
  {
    name: 'ES384 signed with a P-384 key under the app kid',
    code: 'ERR_VERIFY_ALGORITHM',
    token: () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      const input = `${b64({ alg: 'ES384', typ: 'tessera+jwt', kid: 'es-1' })}.${b64(goodClaims())}`;
      return `${input}.${sign('sha384', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    },
  },
  // wrong curve or key kind
  {
    name: 'ES256 claimed, signed with a P-384 key (wrong curve)',
    code: 'ERR_VERIFY_SIGNATURE',
    token: () => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      const input = `${b64(HEADER(es))}.${b64(goodClaims())}`;
      return `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    },
  },
  {
    name: 'EdDSA claimed under the kid of the ES256 key',
    code: 'ERR_VERIFY_SIGNATURE',
    token: () => forgeSigned(ed, { ...HEADER(ed), kid: 'es-1' }, goodClaims()),
  },
  {
    name: 'ES256 signed with a secp256k1 key',
    code: 'ERR_VERIFY_SIGNATURE',
    token: () =>
      forgeSigned({ alg: 'ES256', privateKey: generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey }, HEADER(es), goodClaims()),
  },
  // keys named or carried by the token
  {
    name: 'an embedded jwk header (the attacker key)',
    code: 'ERR_VERIFY_MALFORMED',
    token: () => {
      const evil = appKey('ES256', 'es-1');
      return mintSigned(evil, { header: { jwk: evil.jwk } });
    },
  },
  {
    name: 'a jku header',
    code: 'ERR_VERIFY_MALFORMED',
    token: () => mintSigned(appKey('ES256', 'es-1'), { header: { jku: `${elsewhere.origin}/jwks.json` } }),
  },
  {
    name: 'an x5u header',
    code: 'ERR_VERIFY_MALFORMED',
    token: () => mintSigned(appKey('ES256', 'es-1'), { header: { x5u: `${elsewhere.origin}/cert.pem` } }),
  },
  {
    name: 'an x5c header',
    code: 'ERR_VERIFY_MALFORMED',
    token: () => forgeSigned(appKey('ES256', 'es-1'), { ...HEADER(es), x5c: ['MIIB'] }, goodClaims()),
  },
  // kid
  { name: 'no kid', code: 'ERR_VERIFY_MALFORMED', token: () => forgeSigned(es, { alg: 'ES256', typ: 'tessera+jwt' }, goodClaims()) },
  { name: 'a kid that is not a string', code: 'ERR_VERIFY_MALFORMED', token: () => forgeSigned(es, { ...HEADER(es), kid: 1 }, goodClaims()) },
  { name: 'an unknown kid', code: 'ERR_VERIFY_SIGNATURE', token: () => mintSigned(appKey('ES256', 'es-404')) },
  { name: 'the app kid, signed by another key', code: 'ERR_VERIFY_SIGNATURE', token: () => mintSigned(appKey('ES256', 'es-1')) },
  // header rules
  {
    name: 'crit with an unknown extension',
    code: 'ERR_VERIFY_MALFORMED',
    token: () => forgeSigned(es, { ...HEADER(es), crit: ['urn:x'], 'urn:x': 1 }, goodClaims()),
  },
  { name: 'typ JWT', code: 'ERR_VERIFY_MALFORMED', token: () => mintSigned(es, { header: { typ: 'JWT' } }) },
  // signature bytes
  {
    name: 'a tampered payload',
    code: 'ERR_VERIFY_SIGNATURE',
    token: async () => {
      const [h, , s] = (await mintSigned(es)).split('.');
      return `${h}.${b64(goodClaims({ sub: 'other-tenant' }))}.${s}`;
    },
  },
  { name: 'a DER-encoded ES256 signature', code: 'ERR_VERIFY_SIGNATURE', token: () => forgeSigned(es, HEADER(es), goodClaims(), 'der') },
  {
    name: 'a non-canonical last signature character',
    code: 'ERR_VERIFY_SIGNATURE',
    token: async () => {
      const token = await mintSigned(ed);
      const last = token.at(-1) as string;
      // 86 characters: the last carries 2 bits, so the next character up decodes to the same bytes.
      return token.slice(0, -1) + BASE64URL_ALPHABET[BASE64URL_ALPHABET.indexOf(last) + 1];
    },
  },
  { name: 'an empty signature', code: 'ERR_VERIFY_SIGNATURE', token: async () => (await mintSigned(es)).replace(/[^.]+$/, '') },
  { name: 'a zero signature', code: 'ERR_VERIFY_SIGNATURE', token: async () => (await mintSigned(es)).replace(/[^.]+$/, 'A'.repeat(86)) },
  {
    name: 'an HS256-sized MAC under ES256',
    code: 'ERR_VERIFY_SIGNATURE',
    token: () => {
      const input = `${b64(HEADER(es))}.${b64(goodClaims())}`;
      return `${input}.${createHmac('sha256', 'x').update(input).digest('base64url')}`;
    },
  },
];

describe('createVerifier', () => {
  describe.each([
    ['static keys', () => ({ keys: [es.jwk, ed.jwk] })],
    ['jwksUrl', () => ({ jwksUrl: jwks.url, allowLoopbackHttp: true })],
  ])('mode: jwt, ES256 and EdDSA from %s, refusals', (_source, keyOptions) => {
    it.each(attacks.map((a) => [a.name, a] as const))('refuses %s', async (_name, attack) => {
      // Prepare
      const { send, lines } = keyVerifier({ algorithms: ['ES256', 'EdDSA'], ...keyOptions() });
      const token = await attack.token();

      // Act
      const act = send(token);

      // Assess
      await expectRefusal(act, { code: attack.code, status: 401, lines, token });
      expect(elsewhere.connections).toBe(0);
    });
  });

  it('refuses an EdDSA token when only ES256 is pinned, even with its key listed', async () => {
    // Prepare
    const { send, lines } = keyVerifier({ algorithms: ['ES256'], jwksUrl: jwks.url, allowLoopbackHttp: true });
    const token = await mintSigned(ed);

    // Act
    const act = send(token);

    // Assess
    await expectRefusal(act, { code: 'ERR_VERIFY_ALGORITHM', status: 401, lines, token });
  });
});
