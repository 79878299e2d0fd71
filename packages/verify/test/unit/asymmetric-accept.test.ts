/** Public-key JWT mode: ES256 and EdDSA tokens accepted from static keys or the app's JWKS, with its cache rules. */
import { INSTALLATION_ID, APP_ID, NOW_MS, expectRefusal } from './_helpers.js';
import { appKey, keyVerifier, mintSigned, startJwks, until, type AppKey } from './_asymmetric-helpers.js';

let es: AppKey;
let ed: AppKey;
let esNext: AppKey;

beforeAll(() => {
  [es, ed, esNext] = [appKey('ES256', 'es-1'), appKey('EdDSA', 'ed-1'), appKey('ES256', 'es-2')];
});

describe('createVerifier', () => {
  describe('mode: jwt, static public keys', () => {
    it.each<['ES256' | 'EdDSA']>([['ES256'], ['EdDSA']])('accepts a %s token signed by the app key and returns its claims', async (alg) => {
      // Prepare
      const key = alg === 'ES256' ? es : ed;
      const { send, lines } = keyVerifier({ algorithms: [alg], keys: [key.jwk] });
      const token = await mintSigned(key);

      // Act
      const verified = await send(token);

      // Assess
      expect(verified).toMatchObject({ mode: 'jwt', installationId: INSTALLATION_ID, claims: { iss: APP_ID } });
      expect(lines).toHaveLength(0);
    });

    it('accepts both algorithms when both are pinned, each with its own key', async () => {
      // Prepare
      const { send } = keyVerifier({ algorithms: ['ES256', 'EdDSA'], keys: [es.jwk, ed.jwk] });

      // Act
      const results = await Promise.all([send(await mintSigned(es)), send(await mintSigned(ed))]);

      // Assess
      expect(results.map((r) => r.mode)).toEqual(['jwt', 'jwt']);
    });

    it('refuses the same ES256 token twice (replay keyed by iss and jti)', async () => {
      // Prepare
      const { send, lines } = keyVerifier({ algorithms: ['ES256'], keys: [es.jwk] });
      const token = await mintSigned(es);
      await send(token);

      // Act
      const again = send(token);

      // Assess
      await expectRefusal(again, { code: 'ERR_VERIFY_REPLAYED', status: 401, lines, token });
    });
  });

  describe('mode: jwt, jwksUrl', () => {
    it('fetches the JWKS once and verifies many tokens from the cache', async () => {
      // Prepare
      const jwks = await startJwks([es.jwk, ed.jwk]);
      const { send } = keyVerifier({ algorithms: ['ES256', 'EdDSA'], jwksUrl: jwks.url, allowLoopbackHttp: true });

      // Act
      for (let i = 0; i < 5; i++) await send(await mintSigned(i % 2 ? ed : es));

      // Assess
      expect(jwks.requests).toHaveLength(1);
      await jwks.close();
    });

    it('coalesces concurrent first requests into one fetch', async () => {
      // Prepare
      const jwks = await startJwks([es.jwk]);
      const { send } = keyVerifier({ algorithms: ['ES256'], jwksUrl: jwks.url, allowLoopbackHttp: true });
      const tokens = await Promise.all(Array.from({ length: 10 }, () => mintSigned(es)));

      // Act
      const results = await Promise.all(tokens.map(send));

      // Assess
      expect(results).toHaveLength(10);
      expect(jwks.requests).toHaveLength(1);
      await jwks.close();
    });

    it('sends no cookie, credentials or other ambient header with the fetch', async () => {
      // Prepare
      const jwks = await startJwks([es.jwk]);
      const { send } = keyVerifier({ algorithms: ['ES256'], jwksUrl: `${jwks.url}?v=1`, allowLoopbackHttp: true });

      // Act
      await send(await mintSigned(es));

      // Assess
      const [request] = jwks.requests;
      expect(request?.method).toBe('GET');
      expect(request?.url).toBe('/.well-known/jwks.json?v=1');
      expect(Object.keys(request?.headers ?? {}).sort()).toEqual(['accept', 'connection', 'host']);
      await jwks.close();
    });

    it('picks up a rotated key: an unknown kid refetches, at most once per 30 s', async () => {
      // Prepare
      const jwks = await startJwks([es.jwk]);
      const { send, clock, lines } = keyVerifier({ algorithms: ['ES256'], jwksUrl: jwks.url, allowLoopbackHttp: true });
      await send(await mintSigned(es));
      const rotatedEarly = await mintSigned(esNext);
      jwks.serve([es.jwk, esNext.jwk]);

      // Act
      clock.set(NOW_MS + 29_000);
      const early = send(rotatedEarly);
      await expectRefusal(early, { code: 'ERR_VERIFY_SIGNATURE', status: 401, lines, token: rotatedEarly });
      clock.set(NOW_MS + 30_000);
      const verified = await send(
        await mintSigned(esNext, { claims: { iat: (NOW_MS + 30_000) / 1000, nbf: (NOW_MS + 30_000) / 1000, exp: (NOW_MS + 60_000) / 1000 } }),
      );

      // Assess
      expect(verified.mode).toBe('jwt');
      expect(jwks.requests).toHaveLength(2);
      await jwks.close();
    });

    it('refetches unknown kids at most once per 30 s however many arrive', async () => {
      // Prepare
      const jwks = await startJwks([es.jwk]);
      const { send, clock, lines } = keyVerifier({ algorithms: ['ES256'], jwksUrl: jwks.url, allowLoopbackHttp: true });
      await send(await mintSigned(es));
      clock.set(NOW_MS + 31_000);
      const at = { iat: (NOW_MS + 31_000) / 1000, nbf: (NOW_MS + 31_000) / 1000, exp: (NOW_MS + 61_000) / 1000 };
      const stranger = appKey('ES256', 'stranger');

      // Act
      for (let i = 0; i < 20; i++) {
        const token = await mintSigned({ ...stranger, kid: `stranger-${i}` }, { claims: at });
        lines.length = 0;
        await expectRefusal(send(token), { code: 'ERR_VERIFY_SIGNATURE', status: 401, lines, token });
      }

      // Assess
      expect(jwks.requests).toHaveLength(2);
      await jwks.close();
    });

    it('refreshes keys 5 min old in the background: that request is served with the keys held, the next with the fresh ones', async () => {
      // Prepare
      const jwks = await startJwks([es.jwk]);
      const { send, clock } = keyVerifier({ algorithms: ['ES256'], jwksUrl: jwks.url, allowLoopbackHttp: true });
      await send(await mintSigned(es));
      clock.set(NOW_MS + 5 * 60_000);
      const later = (NOW_MS + 5 * 60_000) / 1000;

      // Act
      await send(await mintSigned(es, { claims: { iat: later, nbf: later, exp: later + 30 } }));
      await until(() => jwks.requests.length === 2);

      // Assess
      expect(jwks.requests).toHaveLength(2);
      await jwks.close();
    });

    it('ignores keys that break a rule and still uses the good ones, logging each by kid without key material', async () => {
      // Prepare
      const withPrivate = appKey('ES256', 'leaked');
      const privateJwk = { ...(withPrivate.privateKey.export({ format: 'jwk' }) as { d: string }), kid: 'leaked' };
      const encryption = { ...appKey('ES256', 'enc').jwk, use: 'enc' };
      const p384 = { kty: 'EC', crv: 'P-384', kid: 'p384', x: 'A'.repeat(64), y: 'A'.repeat(64) };
      const jwks = await startJwks([privateJwk, encryption, p384, ed.jwk, { kty: 'EC' }, 'not a key', esNext.jwk]);
      const { send, lines } = keyVerifier({ algorithms: ['ES256'], jwksUrl: jwks.url, allowLoopbackHttp: true });

      // Act
      const verified = await send(await mintSigned(esNext));

      // Assess
      expect(verified.mode).toBe('jwt');
      const ignored = lines.map((l) => JSON.parse(l)).filter((r) => r.event === 'verify.jwks_key_ignored');
      expect(ignored.map((r) => [r.index, r.kid, r.rule])).toEqual([
        [0, 'leaked', 'holds private key members'],
        [1, 'enc', 'has "use" other than "sig"'],
        [2, 'p384', 'has a kty/crv that fits no pinned algorithm'],
        [3, 'ed-1', 'has a kty/crv that fits no pinned algorithm'],
        [4, undefined, expect.stringContaining('has no kid')],
        [5, undefined, 'is not a JWK object'],
      ]);
      expect(lines.join('\n')).not.toContain(privateJwk.d);
      await jwks.close();
    });

    it('uses neither of two keys that share a kid', async () => {
      // Prepare
      const twin = appKey('ES256', 'es-1');
      const jwks = await startJwks([es.jwk, twin.jwk]);
      const { send, lines } = keyVerifier({ algorithms: ['ES256'], jwksUrl: jwks.url, allowLoopbackHttp: true });
      const token = await mintSigned(es);

      // Act
      const act = send(token);

      // Assess
      await expectRefusal(act, { code: 'ERR_VERIFY_SIGNATURE', status: 401, lines, token });
      expect(lines.some((l) => JSON.parse(l).rule === 'kid names more than one key')).toBe(true);
      await jwks.close();
    });
  });
});
