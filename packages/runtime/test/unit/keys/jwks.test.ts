import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import {
  buildJwks,
  createJwksHandler,
  createKeyManager,
  createSigningKeyProvider,
  MIN_ROTATION_DELAY_SEC,
  VERIFIER_JWKS_MAX_AGE_SEC,
  type KeySetDocument,
} from '../../../src/keys/index.js';
import { createEdDsaSigner, createEs256Signer } from '../../../src/outbound/index.js';
import { TOKEN_TYPE } from '../../../../protocol/src/index.js';
import { captureLogger } from '../../../../../test/helpers/logs.js';
import { MemoryKeyStore } from './memory-key-store.js';

const APP = 'order-lookup';
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const GET = { requestContext: { http: { method: 'GET' } } };

function setup(options: { ttlMs?: number; cacheMaxAgeSec?: number } = {}) {
  let t = T0;
  const store = new MemoryKeyStore();
  const { logger, lines } = captureLogger();
  const manager = createKeyManager({ appId: APP, store, logger, now: () => t });
  const handler = createJwksHandler({ appId: APP, store, logger, now: () => t, ...options });
  return { store, manager, handler, lines, advanceSec: (s: number) => (t += s * 1000) };
}

describe('createJwksHandler', () => {
  it.each(['ES256', 'EdDSA'] as const)('publishes the %s public key with kid, alg and use, and no private member', async (alg) => {
    // Prepare
    const { manager, handler, store } = setup();
    const key = await manager.generate({ alg });
    // Act
    const res = await handler(GET);
    // Assess
    expect(res.statusCode).toBe(200);
    const jwks = JSON.parse(res.body) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    const jwk = jwks.keys[0]!;
    expect(jwk).toMatchObject({ kid: key.kid, alg, use: 'sig', kty: alg === 'ES256' ? 'EC' : 'OKP' });
    expect(Object.keys(jwk).sort()).toEqual(
      alg === 'ES256' ? ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'] : ['alg', 'crv', 'kid', 'kty', 'use', 'x'],
    );
    expect(jwk).not.toHaveProperty('d');
    expect(res.body).not.toContain(store.privateParts()[0]);
  });

  it("answers application/json with a max-age shorter than the rotation delay minus a verifier's cache", async () => {
    // Prepare
    const { manager, handler } = setup();
    await manager.generate();
    // Act
    const res = await handler(GET);
    // Assess
    expect(res.headers['content-type']).toBe('application/json');
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers['cache-control']!)?.[1]);
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(maxAge + 60 + VERIFIER_JWKS_MAX_AGE_SEC).toBeLessThanOrEqual(MIN_ROTATION_DELAY_SEC);
  });

  it('publishes next, current and previous keys until one is retired', async () => {
    // Prepare
    const { manager, handler, advanceSec } = setup({ ttlMs: 0 });
    const a = await manager.generate();
    const b = await manager.rotate({ delaySec: 600 });
    advanceSec(600);
    const c = await manager.rotate({ delaySec: 600 });
    // Act
    const three = JSON.parse((await handler(GET)).body).keys.map((k: { kid: string }) => k.kid);
    advanceSec(10_000);
    await manager.retire({ kid: a.kid });
    const two = JSON.parse((await handler(GET)).body).keys.map((k: { kid: string }) => k.kid);
    // Assess
    expect(three).toEqual([c.kid, b.kid, a.kid]);
    expect(two).toEqual([c.kid, b.kid]);
  });

  it('lets jose verify tokens of every published algorithm against what it serves', async () => {
    // Prepare
    const { manager, handler, store, advanceSec } = setup({ ttlMs: 0 });
    let t = T0;
    const provider = createSigningKeyProvider({ appId: APP, store, now: () => t, ttlMs: 0, logger: captureLogger().logger });
    await manager.generate({ alg: 'ES256' });
    await manager.rotate({ alg: 'EdDSA', delaySec: 600 });
    const nowSec = Math.floor(T0 / 1000);
    const claims = {
      iss: APP,
      sub: 'acme',
      aud: 'https://a.example.com',
      iat: nowSec,
      nbf: nowSec,
      exp: nowSec + 30,
      jti: 'x'.repeat(22),
      htm: 'GET',
      htu: 'https://a.example.com/',
      bh: '',
    };
    const first = await provider.current();
    const es = createEs256Signer(first.privateKey, first.kid)(claims);
    advanceSec(600);
    t += 600_000;
    const second = await provider.current();
    const ed = createEdDsaSigner(second.privateKey, second.kid)(claims);
    // Act
    const jwks = createLocalJWKSet(JSON.parse((await handler(GET)).body));
    const options = { algorithms: ['ES256', 'EdDSA'], typ: TOKEN_TYPE, currentDate: new Date(T0) };
    // Assess
    expect((await jwtVerify(es, jwks, options)).protectedHeader.alg).toBe('ES256');
    expect((await jwtVerify(ed, jwks, options)).protectedHeader.alg).toBe('EdDSA');
  });

  it('reads the store once per TTL', async () => {
    // Prepare
    const { manager, handler, store, advanceSec } = setup({ ttlMs: 30_000 });
    await manager.generate();
    const before = store.gets;
    // Act
    await Promise.all([handler(GET), handler(GET), handler(GET)]);
    advanceSec(29);
    await handler(GET);
    advanceSec(1);
    await handler(GET);
    // Assess
    expect(store.gets - before).toBe(2);
  });

  it.each([
    ['no key document', async (_s: MemoryKeyStore) => undefined, 404, 'ERR_KEYS_NOT_FOUND'],
    ['a corrupt document', async (s: MemoryKeyStore) => void (s.text = '{"format":1,"keys":"x"}'), 500, 'ERR_KEYS_INVALID'],
    ['a store failure', async (s: MemoryKeyStore) => void (s.failNext = 1), 503, 'ERR_STORE_UNAVAILABLE'],
  ])('answers %s with a JSON error that is not cached', async (_name, prepare, status, code) => {
    // Prepare
    const { handler, store, lines } = setup();
    await prepare(store);
    // Act
    const res = await handler(GET);
    // Assess
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(res.body)).toEqual({ error: { code, message: expect.any(String) } });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(lines.map((l) => JSON.parse(l).event)).toEqual(['keys.jwks_failed']);
  });

  it.each(['ES256', 'EdDSA'] as const)('refuses a %s key with a foreign private half, without leaking either', async (alg) => {
    // Prepare
    const { manager, handler, store, lines } = setup();
    await manager.generate({ alg });
    const doc = JSON.parse(store.text as string) as KeySetDocument;
    const pair = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
    const other = pair.privateKey.export({ format: 'jwk' }) as { d: string };
    doc.keys[0]!.privateJwk.d = other.d;
    store.text = JSON.stringify(doc);
    // Act
    const res = await handler(GET);
    // Assess
    expect(JSON.parse(res.body).error.code).toBe('ERR_KEYS_INVALID');
    for (const d of [other.d, ...store.privateParts()]) expect(res.body + lines.join('\n')).not.toContain(d);
  });

  it('refuses methods other than GET and HEAD with 405', async () => {
    const { manager, handler } = setup();
    await manager.generate();
    const res = await handler({ requestContext: { http: { method: 'POST' } } });
    expect(res).toMatchObject({ statusCode: 405, headers: { allow: 'GET, HEAD' } });
    expect(JSON.parse(res.body).error.code).toBe('ERR_METHOD_NOT_ALLOWED');
    expect((await handler({ requestContext: { http: { method: 'HEAD' } } })).body).toBe('');
  });

  it.each([
    [{ cacheMaxAgeSec: 61 }, /cacheMaxAgeSec must be an integer from 0 to 60/],
    [{ ttlMs: 60_001 }, /ttlMs must be an integer from 0 to 60000/],
    [{ maxAge: 1 }, /unknown option "maxAge"/],
  ])('rejects %j at construction', (extra, message) => {
    expect(() => createJwksHandler({ appId: APP, store: new MemoryKeyStore(), ...extra } as never)).toThrow(message);
  });
});

describe('buildJwks', () => {
  it('copies only public members even when the stored public JWK carries more', async () => {
    // Prepare
    const store = new MemoryKeyStore();
    await createKeyManager({ appId: APP, store, logger: captureLogger().logger }).generate();
    const doc = JSON.parse(store.text as string) as KeySetDocument;
    Object.assign(doc.keys[0]!.publicJwk, { d: doc.keys[0]!.privateJwk.d, p: 'x' });
    // Act
    const jwks = buildJwks(doc);
    // Assess
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect(jwks.keys[0]).not.toHaveProperty('p');
  });
});
