import { createLocalJWKSet, jwtVerify } from 'jose';
import { createKeyManager, buildJwks, createSigningKeyProvider, type KeySetDocument, type SigningKey } from '../../../src/keys/index.js';
import { createEdDsaSigner, createEs256Signer } from '../../../src/outbound/index.js';
import { TOKEN_TYPE, type RequestClaims } from '../../../../protocol/src/index.js';
import { captureLogger } from '../../../../../test/helpers/logs.js';
import { MemoryKeyStore } from './memory-key-store.js';

const APP = 'order-lookup';
const T0 = Date.parse('2026-11-22T10:00:00.000Z');

function setup(ttlMs = 60_000) {
  let t = T0;
  const store = new MemoryKeyStore();
  const { logger, lines } = captureLogger();
  const manager = createKeyManager({ appId: APP, store, logger, now: () => t });
  const provider = createSigningKeyProvider({ appId: APP, store, ttlMs, logger, now: () => t });
  return { store, manager, provider, lines, advanceSec: (s: number) => (t += s * 1000), nowSec: () => Math.floor(t / 1000) };
}

function claims(nowSec: number): RequestClaims {
  return {
    iss: APP,
    sub: 'acme',
    aud: 'https://acme.orders.example.com',
    iat: nowSec,
    nbf: nowSec,
    exp: nowSec + 30,
    jti: 'j'.repeat(22),
    htm: 'GET',
    htu: 'https://acme.orders.example.com/orders/1',
    bh: '47DEQpj8HBSa-_TVtW0mTg2E9A5cfTfJgdO_LpNPVpA',
  };
}

function signWith(key: SigningKey, c: RequestClaims): string {
  return key.alg === 'ES256' ? createEs256Signer(key.privateKey, key.kid)(c) : createEdDsaSigner(key.privateKey, key.kid)(c);
}

async function verifyAgainst(store: MemoryKeyStore, token: string, algorithms: string[], nowSec: number) {
  const jwks = createLocalJWKSet(buildJwks(JSON.parse(store.text as string) as KeySetDocument) as never);
  return jwtVerify(token, jwks, { algorithms, typ: TOKEN_TYPE, issuer: APP, currentDate: new Date(nowSec * 1000) });
}

describe('createSigningKeyProvider', () => {
  describe('rotation schedule', () => {
    it('signs with the old key until the delay has passed, then with the new one, with no second command', async () => {
      // Prepare
      const { manager, provider, advanceSec } = setup();
      const first = await manager.generate();
      const second = await manager.rotate({ delaySec: 600 });
      // Act
      const atRotate = await provider.current();
      advanceSec(599);
      const justBefore = await provider.current();
      advanceSec(1);
      const atActivation = await provider.current();
      // Assess
      expect([atRotate.kid, justBefore.kid, atActivation.kid]).toEqual([first.kid, first.kid, second.kid]);
    });

    it('follows an activation from its cached document, without a new read', async () => {
      // Prepare
      const { manager, provider, store, advanceSec } = setup(60_000);
      await manager.generate();
      const second = await manager.rotate({ delaySec: 600 });
      await provider.current();
      advanceSec(599.99);
      await provider.current();
      const reads = store.gets;
      // Act
      advanceSec(0.01);
      const key = provider.peek();
      // Assess
      expect(key?.kid).toBe(second.kid);
      expect(store.gets).toBe(reads);
    });

    it('sees a rotation only after its TTL, and keeps signing with the current key meanwhile', async () => {
      // Prepare
      const { manager, provider, store, advanceSec } = setup(60_000);
      const first = await manager.generate();
      await provider.current();
      await manager.rotate({ delaySec: 600 });
      // Act
      advanceSec(59);
      const cached = await provider.current();
      const readsCached = store.gets;
      advanceSec(1);
      await provider.current();
      // Assess
      expect(cached.kid).toBe(first.kid);
      expect(readsCached).toBe(1 + 2); // the provider's first read + the manager's two
      expect(store.gets).toBe(readsCached + 1);
    });

    it.each(['ES256', 'EdDSA'] as const)('signs %s tokens that jose verifies against the published JWKS', async (alg) => {
      // Prepare
      const { manager, provider, store, nowSec } = setup();
      await manager.generate({ alg });
      const key = await provider.current();
      // Act
      const token = signWith(key, claims(nowSec()));
      const { payload, protectedHeader } = await verifyAgainst(store, token, [alg], nowSec());
      // Assess
      expect(protectedHeader).toEqual({ alg, typ: TOKEN_TYPE, kid: key.kid });
      expect(payload).toEqual(claims(nowSec()));
    });

    it('signs with the new key after the switch, and jose still verifies a token of the old one until it is retired', async () => {
      // Prepare
      const { manager, provider, store, advanceSec, nowSec } = setup();
      await manager.generate({ alg: 'ES256' });
      const oldToken = signWith(await provider.current(), claims(nowSec()));
      await manager.rotate({ alg: 'EdDSA', delaySec: 600 });
      advanceSec(600);
      // Act
      const newKey = await provider.current();
      const newToken = signWith(newKey, claims(nowSec()));
      // Assess
      expect(newKey.alg).toBe('EdDSA');
      await expect(verifyAgainst(store, newToken, ['ES256', 'EdDSA'], nowSec())).resolves.toBeDefined();
      await expect(verifyAgainst(store, oldToken, ['ES256', 'EdDSA'], nowSec() - 600)).resolves.toBeDefined();
    });
  });

  describe('cache', () => {
    it('coalesces concurrent misses into one store read and returns the same key object', async () => {
      // Prepare
      const { manager, provider, store } = setup();
      await manager.generate();
      const before = store.gets;
      // Act
      const keys = await Promise.all(Array.from({ length: 20 }, () => provider.current()));
      // Assess
      expect(store.gets - before).toBe(1);
      expect(new Set(keys).size).toBe(1);
    });

    it('returns the same object for the same kid across refreshes, so a prepared signer can be reused', async () => {
      const { manager, provider, advanceSec } = setup();
      await manager.generate();
      const a = await provider.current();
      advanceSec(120);
      expect(await provider.current()).toBe(a);
    });

    it('does not serve a cached key set after a failed refresh; the next call reads again', async () => {
      // Prepare
      const { manager, provider, store, advanceSec } = setup();
      await manager.generate();
      await provider.current();
      advanceSec(60);
      store.failNext = 1;
      // Act
      const failed = provider.current();
      // Assess
      await expect(failed).rejects.toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
      await expect(provider.current()).resolves.toBeDefined();
    });
  });

  describe('missing and corrupt documents', () => {
    it('answers ERR_KEYS_NOT_FOUND when the app has no keys, telling what to run', async () => {
      const { provider } = setup();
      await expect(provider.current()).rejects.toMatchObject({
        code: 'ERR_KEYS_NOT_FOUND',
        message: expect.stringContaining('tessera keys generate'),
      });
    });

    it('answers ERR_KEYS_INVALID for a document whose key does not match its kid, without the key in the message', async () => {
      // Prepare
      const { manager, provider, store } = setup();
      await manager.generate();
      const doc = JSON.parse(store.text as string) as KeySetDocument;
      const d = doc.keys[0]!.privateJwk.d;
      doc.keys[0]!.kid = 'B'.repeat(43);
      store.text = JSON.stringify(doc);
      // Act
      const err = (await provider.current().then(
        () => undefined,
        (e: unknown) => e,
      )) as Error;
      // Assess
      expect(err).toMatchObject({ code: 'ERR_KEYS_INVALID' });
      expect(err.message).not.toContain(d);
    });
  });

  describe('logs', () => {
    it('logs which kid signs when it changes, never key material', async () => {
      // Prepare
      const { manager, provider, store, lines, advanceSec } = setup();
      await manager.generate();
      await provider.current();
      await manager.rotate({ delaySec: 600 });
      advanceSec(600);
      // Act
      await provider.current();
      // Assess
      const selected = lines.map((l) => JSON.parse(l)).filter((e) => e.event === 'keys.signing_key_selected');
      expect(selected).toHaveLength(2);
      for (const d of store.privateParts()) expect(lines.join('\n')).not.toContain(d);
    });
  });

  describe('options', () => {
    it.each([
      [{ ttlMs: 60_001 }, /ttlMs must be a number from 0 to 60000/],
      [{ ttl: 5 }, /unknown option "ttl"/],
      [{ appId: 'A/B' }, /app id must match/],
    ])('rejects %j at construction', (extra, message) => {
      expect(() => createSigningKeyProvider({ appId: APP, store: new MemoryKeyStore(), ...extra } as never)).toThrow(message);
    });
  });
});
