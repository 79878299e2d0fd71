/** Public-key options are checked at construction: no algorithm mixing, HTTPS JWKS only, only public, fitting JWKs. */
import { createVerifier, type VerifierOptions } from '../../src/index.js';
import { silentLogger } from '../../../protocol/src/log.js';
import { APP_ID, CURRENT_SECRET, ORIGIN } from './_helpers.js';
import { appKey, type AppKey } from './_asymmetric-helpers.js';

let es: AppKey;
let ed: AppKey;
let privateD: string;

beforeAll(() => {
  [es, ed] = [appKey('ES256', 'es-1'), appKey('EdDSA', 'ed-1')];
  privateD = (es.privateKey.export({ format: 'jwk' }) as { d: string }).d;
});

const base = { mode: 'jwt', issuer: APP_ID, installationId: 'acme-1', publicOrigin: ORIGIN, logger: silentLogger } as const;

function thrownBy(options: Record<string, unknown>): Error | undefined {
  try {
    createVerifier(options as unknown as VerifierOptions);
  } catch (err) {
    return err as Error;
  }
  return undefined;
}

describe('createVerifier', () => {
  describe('options of public-key JWT mode', () => {
    it.each<[string, () => Record<string, unknown>, RegExp]>([
      ['HS256 pinned with ES256', () => ({ ...base, algorithms: ['HS256', 'ES256'], keys: [es.jwk] }), /cannot be mixed/],
      ['secrets with ES256 and keys', () => ({ ...base, secrets: [CURRENT_SECRET], algorithms: ['ES256'], keys: [es.jwk] }), /cannot be mixed/],
      [
        'secrets with a jwksUrl (HS256 by default)',
        () => ({ ...base, secrets: [CURRENT_SECRET], algorithms: ['HS256'], jwksUrl: 'https://app.example.com/jwks.json' }),
        /cannot be mixed/,
      ],
      ['keys without algorithms', () => ({ ...base, keys: [es.jwk] }), /"algorithms" is required/],
      ['ES256 without keys or jwksUrl', () => ({ ...base, algorithms: ['ES256'] }), /"jwksUrl" or "keys"/],
      [
        'both jwksUrl and keys',
        () => ({ ...base, algorithms: ['ES256'], keys: [es.jwk], jwksUrl: 'https://app.example.com/jwks.json' }),
        /exclusive/,
      ],
      ['RS256', () => ({ ...base, algorithms: ['RS256'], keys: [es.jwk] }), /not supported/],
      [
        'an http jwksUrl off loopback',
        () => ({ ...base, algorithms: ['ES256'], jwksUrl: 'http://app.example.com/jwks.json', allowLoopbackHttp: true }),
        /https/,
      ],
      [
        'an http loopback jwksUrl without allowLoopbackHttp',
        () => ({ ...base, algorithms: ['ES256'], jwksUrl: 'http://127.0.0.1:4000/jwks.json' }),
        /allowLoopbackHttp/,
      ],
      ['a jwksUrl with credentials', () => ({ ...base, algorithms: ['ES256'], jwksUrl: 'https://u:p@app.example.com/jwks.json' }), /credentials/],
      ['a jwksUrl with a fragment', () => ({ ...base, algorithms: ['ES256'], jwksUrl: 'https://app.example.com/jwks.json#k' }), /fragment/],
      ['a jwksUrl that is not a URL', () => ({ ...base, algorithms: ['ES256'], jwksUrl: 'jwks.json' }), /absolute URL/],
      [
        'allowLoopbackHttp with static keys',
        () => ({ ...base, algorithms: ['ES256'], keys: [es.jwk], allowLoopbackHttp: true }),
        /only with "jwksUrl"/,
      ],
      [
        'allowLoopbackHttp that is not a boolean',
        () => ({ ...base, algorithms: ['ES256'], jwksUrl: 'http://127.0.0.1/jwks.json', allowLoopbackHttp: 'yes' }),
        /boolean/,
      ],
      ['an empty keys list', () => ({ ...base, algorithms: ['ES256'], keys: [] }), /non-empty/],
      [
        'a key with private members',
        () => ({ ...base, algorithms: ['ES256'], keys: [{ ...(es.privateKey.export({ format: 'jwk' }) as object), kid: 'k' }] }),
        /keys\[0\]" holds private key members/,
      ],
      ['a key without kid', () => ({ ...base, algorithms: ['ES256'], keys: [{ ...es.jwk, kid: undefined }] }), /has no kid/],
      [
        'two keys with one kid',
        () => ({ ...base, algorithms: ['ES256'], keys: [es.jwk, { ...appKey('ES256', 'x').jwk, kid: 'es-1' }] }),
        /keys\[1\]" repeats a kid/,
      ],
      ['a key for encryption', () => ({ ...base, algorithms: ['ES256'], keys: [{ ...es.jwk, use: 'enc' }] }), /"use"/],
      ['a key whose key_ops lack verify', () => ({ ...base, algorithms: ['ES256'], keys: [{ ...es.jwk, key_ops: ['encrypt'] }] }), /key_ops/],
      ['an Ed25519 key with only ES256 pinned', () => ({ ...base, algorithms: ['ES256'], keys: [ed.jwk] }), /fits no pinned algorithm/],
      ['a P-384 key', () => ({ ...base, algorithms: ['ES256'], keys: [{ ...es.jwk, crv: 'P-384' }] }), /fits no pinned algorithm/],
      ['a key whose alg is another', () => ({ ...base, algorithms: ['ES256'], keys: [{ ...es.jwk, alg: 'ES384' }] }), /"alg" other than ES256/],
      ['a point off the curve', () => ({ ...base, algorithms: ['ES256'], keys: [{ ...es.jwk, y: es.jwk.x }] }), /not a valid public key/],
      ['truncated coordinates', () => ({ ...base, algorithms: ['ES256'], keys: [{ ...es.jwk, x: 'AAAA' }] }), /malformed x\/y/],
    ])('throws a TypeError for %s', (_name, options, message) => {
      // Prepare
      const given = options();

      // Act
      const thrown = thrownBy(given);

      // Assess
      expect(thrown).toBeInstanceOf(TypeError);
      expect(thrown?.message).toMatch(message);
      expect(thrown?.message).not.toContain(privateD);
      expect(thrown?.message).not.toContain(CURRENT_SECRET);
    });

    it.each<[string, () => Record<string, unknown>]>([
      ['static ES256 and EdDSA keys', () => ({ ...base, algorithms: ['ES256', 'EdDSA'], keys: [es.jwk, ed.jwk] })],
      ['an https jwksUrl', () => ({ ...base, algorithms: ['EdDSA'], jwksUrl: 'https://app.example.com/.well-known/jwks.json' })],
      [
        'an http localhost jwksUrl with allowLoopbackHttp',
        () => ({ ...base, algorithms: ['ES256'], jwksUrl: 'http://localhost:4000/jwks.json', allowLoopbackHttp: true }),
      ],
      ['an Ed25519 key whose alg is the fully specified Ed25519', () => ({ ...base, algorithms: ['EdDSA'], keys: [{ ...ed.jwk, alg: 'Ed25519' }] })],
    ])('builds a verifier from %s without fetching anything', (_name, options) => {
      // Prepare
      const given = options();

      // Act
      const thrown = thrownBy(given);

      // Assess
      expect(thrown).toBeUndefined();
    });
  });
});
