import { TesseraError } from '../../../../protocol/src/errors.js';
import {
  createKeyManager,
  MIN_CANCEL_BEFORE_ACTIVATION_SEC,
  MIN_RETIRE_AFTER_SEC,
  MIN_ROTATION_DELAY_SEC,
  type KeySetDocument,
} from '../../../src/keys/index.js';
import { captureLogger } from '../../../../../test/helpers/logs.js';
import { MemoryKeyStore } from './memory-key-store.js';

const APP = 'order-lookup';
const T0 = Date.parse('2026-11-22T10:00:00.000Z');

function setup(actor = 'alice') {
  let t = T0;
  const store = new MemoryKeyStore();
  const { logger, lines } = captureLogger();
  const manager = createKeyManager({ appId: APP, store, logger, actor, now: () => t });
  return {
    store,
    manager,
    lines,
    events: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    advanceSec: (s: number) => (t += s * 1000),
  };
}

async function refusal(p: Promise<unknown>): Promise<TesseraError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TesseraError);
  return err as TesseraError;
}

describe('createKeyManager', () => {
  describe('generate', () => {
    it.each(['ES256', 'EdDSA'] as const)('creates one %s key, active at once, and stores its private half', async (alg) => {
      // Prepare
      const { manager, store } = setup();
      // Act
      const key = await manager.generate({ alg });
      // Assess
      expect(key).toMatchObject({ alg, state: 'current', activatesAt: new Date(T0).toISOString() });
      expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(store.privateParts()).toHaveLength(1);
      expect(JSON.stringify(key)).not.toContain(store.privateParts()[0]);
    });

    it('defaults to ES256', async () => {
      expect((await setup().manager.generate()).alg).toBe('ES256');
    });

    it('refuses to generate over existing keys (ERR_KEYS_CONFLICT)', async () => {
      // Prepare
      const { manager, store } = setup();
      await manager.generate();
      const before = store.text;
      // Act
      const err = await refusal(manager.generate());
      // Assess
      expect(err).toMatchObject({ code: 'ERR_KEYS_CONFLICT', status: 409 });
      expect(store.text).toBe(before);
    });

    it('refuses an unknown algorithm with a TypeError', async () => {
      await expect(setup().manager.generate({ alg: 'HS256' as never })).rejects.toThrow(/alg must be one of ES256, EdDSA/);
    });
  });

  describe('rotate', () => {
    it('publishes the next key with activatesAt = now + delaySec and keeps the current one signing', async () => {
      // Prepare
      const { manager } = setup();
      const first = await manager.generate();
      // Act
      const next = await manager.rotate({ delaySec: 600 });
      const listed = await manager.list();
      // Assess
      expect(next).toMatchObject({ state: 'next', alg: 'ES256', activatesAt: new Date(T0 + 600_000).toISOString() });
      expect(listed.map((k) => [k.kid, k.state])).toEqual([
        [next.kid, 'next'],
        [first.kid, 'current'],
      ]);
    });

    it('switches states by the clock alone once the delay has passed', async () => {
      // Prepare
      const { manager, advanceSec } = setup();
      const first = await manager.generate();
      const next = await manager.rotate({ delaySec: 600 });
      // Act
      advanceSec(599);
      const before = await manager.list();
      advanceSec(1);
      const after = await manager.list();
      // Assess
      expect(before.find((k) => k.kid === first.kid)?.state).toBe('current');
      expect(after.find((k) => k.kid === next.kid)?.state).toBe('current');
      expect(after.find((k) => k.kid === first.kid)).toMatchObject({
        state: 'previous',
        retirableAt: new Date(T0 + 600_000 + MIN_RETIRE_AFTER_SEC * 1000).toISOString(),
      });
    });

    it('keeps the algorithm of the current key unless told otherwise', async () => {
      const { manager } = setup();
      await manager.generate({ alg: 'EdDSA' });
      expect((await manager.rotate()).alg).toBe('EdDSA');
    });

    it.each([0, 300, MIN_ROTATION_DELAY_SEC - 1, 600.5])('refuses delaySec %p, naming the option and the rule', async (delaySec) => {
      // Prepare
      const { manager, store, events } = setup();
      await manager.generate();
      const before = store.text;
      // Act
      const act = manager.rotate({ delaySec });
      // Assess
      await expect(act).rejects.toThrow(TypeError);
      await expect(act).rejects.toThrow(/delaySec must be a whole number of seconds, at least 420: longer than a verifier's JWKS cache \(300 s\)/);
      expect(store.text).toBe(before);
      expect(events().at(-1)).toMatchObject({ event: 'keys.rotated', result: 'refused', code: 'TypeError' });
    });

    it('refuses a second rotation while one is pending (ERR_KEYS_CONFLICT)', async () => {
      const { manager } = setup();
      await manager.generate();
      await manager.rotate();
      expect(await refusal(manager.rotate())).toMatchObject({ code: 'ERR_KEYS_CONFLICT', message: expect.stringContaining('pending') });
    });

    it('refuses when there are no keys yet (ERR_KEYS_NOT_FOUND)', async () => {
      const err = await refusal(setup().manager.rotate());
      expect(err).toMatchObject({ code: 'ERR_KEYS_NOT_FOUND', status: 404, message: expect.stringContaining('tessera keys generate') });
    });

    it('refuses once the key set would outgrow the Standard tier, so previous keys must be retired', async () => {
      // Prepare
      const { manager, advanceSec } = setup();
      await manager.generate();
      let err: unknown;
      // Act
      for (let i = 0; i < 20 && !err; i++) {
        await manager.rotate().catch((e: unknown) => (err = e));
        advanceSec(600);
      }
      // Assess
      expect(err).toMatchObject({ code: 'ERR_KEYS_CONFLICT', message: expect.stringContaining('retire previous keys first') });
    });
  });

  describe('retire', () => {
    async function rotated() {
      const s = setup();
      const first = await s.manager.generate();
      const second = await s.manager.rotate({ delaySec: 600 });
      return { ...s, first, second };
    }

    it('refuses the signing key, before and after a rotation (ERR_KEYS_CONFLICT)', async () => {
      // Prepare
      const { manager, first, second, advanceSec, store } = await rotated();
      const before = store.text;
      // Act
      const beforeSwitch = await refusal(manager.retire({ kid: first.kid }));
      advanceSec(600);
      const afterSwitch = await refusal(manager.retire({ kid: second.kid }));
      // Assess
      expect(beforeSwitch).toMatchObject({ code: 'ERR_KEYS_CONFLICT', message: expect.stringContaining('signing key cannot be retired') });
      expect(afterSwitch.code).toBe('ERR_KEYS_CONFLICT');
      expect(store.text).toBe(before);
    });

    it('refuses a previous key still in its overlap, then retires it', async () => {
      // Prepare
      const { manager, first, advanceSec } = await rotated();
      advanceSec(600 + MIN_RETIRE_AFTER_SEC - 1);
      // Act
      const early = await refusal(manager.retire({ kid: first.kid }));
      advanceSec(1);
      const retired = await manager.retire({ kid: first.kid });
      // Assess
      expect(early).toMatchObject({ code: 'ERR_KEYS_CONFLICT', message: expect.stringContaining('overlap') });
      expect(retired.map((k) => k.kid)).toEqual([first.kid]);
      expect((await manager.list()).map((k) => k.kid)).not.toContain(first.kid);
    });

    it('without --kid retires only previous keys past their overlap', async () => {
      // Prepare
      const { manager, first, second, advanceSec } = await rotated();
      // Act
      const none = await manager.retire();
      advanceSec(600 + MIN_RETIRE_AFTER_SEC);
      const some = await manager.retire();
      // Assess
      expect(none).toEqual([]);
      expect(some.map((k) => k.kid)).toEqual([first.kid]);
      expect((await manager.list()).map((k) => [k.kid, k.state])).toEqual([[second.kid, 'current']]);
    });

    it('cancels a pending key long enough before its activation, not close to it', async () => {
      // Prepare
      const a = await rotated();
      const b = await rotated();
      b.advanceSec(600 - MIN_CANCEL_BEFORE_ACTIVATION_SEC + 1);
      // Act
      const cancelled = await a.manager.retire({ kid: a.second.kid });
      const late = await refusal(b.manager.retire({ kid: b.second.kid }));
      // Assess
      expect(cancelled).toMatchObject([{ kid: a.second.kid, state: 'next' }]);
      expect(late.code).toBe('ERR_KEYS_CONFLICT');
    });

    it('answers ERR_KEYS_NOT_FOUND for an unknown kid', async () => {
      const { manager } = await rotated();
      expect((await refusal(manager.retire({ kid: 'nope' }))).code).toBe('ERR_KEYS_NOT_FOUND');
    });
  });

  describe('corrupt documents', () => {
    async function tampered(change: (doc: KeySetDocument) => void) {
      const s = setup();
      await s.manager.generate();
      await s.manager.rotate();
      const doc = JSON.parse(s.store.text as string) as KeySetDocument;
      change(doc);
      s.store.text = JSON.stringify(doc);
      return s;
    }

    it.each([
      [
        'a private key swapped between keys',
        (d: KeySetDocument) => ([d.keys[0]!.privateJwk, d.keys[1]!.privateJwk] = [d.keys[1]!.privateJwk, d.keys[0]!.privateJwk]),
        /keys\[0\]: privateJwk does not match publicJwk/,
      ],
      ['a kid that is not the thumbprint', (d: KeySetDocument) => (d.keys[1]!.kid = 'A'.repeat(43)), /keys\[1\]: kid is not the RFC 7638 thumbprint/],
      ['an unknown format', (d: KeySetDocument) => ((d as { format: number }).format = 2), /"format": 1/],
      [
        'a key with the wrong curve for its alg',
        (d: KeySetDocument) => (d.keys[0]!.alg = 'EdDSA'),
        /keys\[0\]\.publicJwk: must be a OKP Ed25519 JWK/,
      ],
      ['no keys', (d: KeySetDocument) => (d.keys = []), /keys: must be a non-empty array/],
    ])('refuses %s with ERR_KEYS_INVALID naming the place, never a key', async (_name, change, message) => {
      // Prepare
      const { manager, store } = await tampered(change);
      const secrets = store.privateParts();
      // Act
      const err = await refusal(manager.rotate());
      // Assess
      expect(err).toMatchObject({ code: 'ERR_KEYS_INVALID', status: 500 });
      expect(err.message).toMatch(message);
      expect(err.message).toContain('/tessera/order-lookup/keys/signing');
      for (const d of secrets) expect(err.message + JSON.stringify(err.toJSON())).not.toContain(d);
    });

    it('refuses text that is not JSON', async () => {
      const { manager, store } = setup();
      store.text = '{"format":1,';
      expect(await refusal(manager.list())).toMatchObject({ code: 'ERR_KEYS_INVALID', message: expect.stringContaining('is not JSON') });
    });
  });

  describe('audit events', () => {
    it('logs one JSON event per operation with what, kid, who, when and result, and never key material', async () => {
      // Prepare
      const { manager, store, events, lines, advanceSec } = setup('alice');
      // Act
      const first = await manager.generate({ alg: 'EdDSA' });
      const second = await manager.rotate({ alg: 'ES256', delaySec: 600 });
      await manager.retire({ kid: first.kid }).catch(() => undefined);
      advanceSec(600 + MIN_RETIRE_AFTER_SEC);
      const secrets = store.privateParts();
      await manager.retire();
      // Assess
      expect(events()).toEqual([
        expect.objectContaining({
          event: 'keys.generated',
          kid: first.kid,
          alg: 'EdDSA',
          actor: 'alice',
          appId: APP,
          at: new Date(T0).toISOString(),
          result: 'ok',
        }),
        expect.objectContaining({
          event: 'keys.rotated',
          kid: second.kid,
          alg: 'ES256',
          actor: 'alice',
          replacesKid: first.kid,
          activatesAt: second.activatesAt,
          result: 'ok',
        }),
        expect.objectContaining({ event: 'keys.retired', kid: first.kid, actor: 'alice', result: 'refused', code: 'ERR_KEYS_CONFLICT' }),
        expect.objectContaining({
          event: 'keys.retired',
          kid: first.kid,
          actor: 'alice',
          result: 'ok',
          at: new Date(T0 + (600 + MIN_RETIRE_AFTER_SEC) * 1000).toISOString(),
        }),
      ]);
      expect(secrets).toHaveLength(2);
      for (const d of secrets) expect(lines.join('\n')).not.toContain(d);
      expect(lines.join('\n')).not.toMatch(/"d":|privateJwk|BEGIN PRIVATE/);
    });

    it('records a store failure as "failed"', async () => {
      // Prepare
      const { manager, store, events } = setup();
      store.failNext = 1;
      // Act
      await manager.generate().catch(() => undefined);
      // Assess
      expect(events()).toEqual([expect.objectContaining({ event: 'keys.generated', result: 'failed', code: 'ERR_STORE_UNAVAILABLE' })]);
    });
  });

  describe('options', () => {
    it('rejects unknown option keys and bad app ids at construction', () => {
      const store = new MemoryKeyStore();
      expect(() => createKeyManager({ appId: APP, store, delay: 1 } as never)).toThrow(/unknown option "delay"/);
      expect(() => createKeyManager({ appId: '../x', store })).toThrow(TypeError);
    });
  });
});
