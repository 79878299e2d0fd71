/** JWT mode: what is accepted (rotation, tolerance, normalisation) and replay protection with its store. */
import { createVerifier, MemoryReplayStore, type ReplayStore } from '../../src/index.js';
import type { JwtVerifierOptions } from '../../src/index.js';
import { normalizeHtu } from '../../../protocol/src/index.js';
import {
  APP_ID,
  CURRENT_SECRET,
  INSTALLATION_ID,
  NOW_MS,
  NOW_SEC,
  ORIGIN,
  PREVIOUS_SECRET,
  REQUEST,
  STRANGER_SECRET,
  bearer,
  capturedLogger,
  expectRefusal,
  frozenClock,
  mintToken,
} from './_helpers.js';

function setup(overrides: Partial<JwtVerifierOptions> = {}) {
  const { logger, lines } = capturedLogger();
  const clock = frozenClock();
  const verifier = createVerifier({
    mode: 'jwt',
    secrets: [CURRENT_SECRET, PREVIOUS_SECRET],
    issuer: APP_ID,
    publicOrigin: ORIGIN,
    logger,
    now: clock.now,
    ...overrides,
  } as JwtVerifierOptions);
  const send = (token: string, request: Partial<typeof REQUEST> = {}) => verifier.verify({ ...REQUEST, ...request, headers: bearer(token) });
  return { verifier, lines, clock, send };
}

describe('createVerifier', () => {
  describe('mode: jwt, acceptance', () => {
    it('accepts a token bound to the request and returns the installation and claims', async () => {
      // Prepare
      const { send, lines } = setup();
      const token = await mintToken();

      // Act
      const verified = await send(token);

      // Assess
      expect(verified).toMatchObject({ mode: 'jwt', installationId: INSTALLATION_ID, claims: { iss: APP_ID, aud: ORIGIN } });
      expect(lines).toHaveLength(0);
    });

    it('accepts a token signed with the previous secret during a rotation', async () => {
      // Prepare
      const { send } = setup();
      const token = await mintToken({ secret: PREVIOUS_SECRET });

      // Act
      const verified = await send(token);

      // Assess
      expect(verified.installationId).toBe(INSTALLATION_ID);
    });

    it('refuses the previous secret once the rotation is over', async () => {
      // Prepare
      const { send, lines } = setup({ secrets: [CURRENT_SECRET] });
      const token = await mintToken({ secret: PREVIOUS_SECRET });

      // Act
      const act = send(token);

      // Assess
      await expectRefusal(act, { code: 'ERR_VERIFY_SIGNATURE', status: 401, lines, token });
    });

    it('refuses a secret that is neither current nor previous', async () => {
      // Prepare
      const { send, lines } = setup();
      const token = await mintToken({ secret: STRANGER_SECRET });

      // Act
      const act = send(token);

      // Assess
      await expectRefusal(act, { code: 'ERR_VERIFY_SIGNATURE', status: 401, lines, token });
    });

    it('still checks the signature of a token whose header it has seen before', async () => {
      // Prepare
      const { send, lines } = setup();
      await send(await mintToken());
      const forged = await mintToken({ secret: STRANGER_SECRET });

      // Act
      const act = send(forged);

      // Assess
      await expectRefusal(act, { code: 'ERR_VERIFY_SIGNATURE', status: 401, lines, token: forged });
    });

    it.each([
      ['exp 4 s ago (within the 5 s tolerance)', { iat: NOW_SEC - 34, nbf: NOW_SEC - 34, exp: NOW_SEC - 4 }],
      ['nbf 4 s ahead (within the 5 s tolerance)', { nbf: NOW_SEC + 4 }],
      ['a lifetime of exactly 60 s', { exp: NOW_SEC + 60 }],
    ])('accepts %s', async (_name, claims) => {
      // Prepare
      const { send } = setup();
      const token = await mintToken({ claims });

      // Act
      const verified = await send(token);

      // Assess
      expect(verified.mode).toBe('jwt');
    });

    it('accepts any of several issuers', async () => {
      // Prepare
      const { send } = setup({ issuer: ['other-app', APP_ID] });
      const token = await mintToken();

      // Act
      const verified = await send(token);

      // Assess
      expect(verified.claims?.iss).toBe(APP_ID);
    });

    it('matches htu after RFC 3986 normalisation of the received path', async () => {
      // Prepare
      const { send } = setup();
      const token = await mintToken({ claims: { htu: normalizeHtu(`${ORIGIN}/orders/~42?full=1`) } });

      // Act
      const verified = await send(token, { url: '/orders/%7e42?full=1' });

      // Assess
      expect(verified.mode).toBe('jwt');
    });

    it('reads the scheme case-insensitively and the header whatever its key case', async () => {
      // Prepare
      const { verifier } = setup();
      const token = await mintToken();

      // Act
      const verified = await verifier.verify({ ...REQUEST, headers: { Authorization: `bEaReR ${token}` } });

      // Assess
      expect(verified.mode).toBe('jwt');
    });
  });

  describe('option: replayStore', () => {
    it('refuses the same token twice', async () => {
      // Prepare
      const { send, lines } = setup();
      const token = await mintToken();
      await send(token);

      // Act
      const act = send(token);

      // Assess
      await expectRefusal(act, { code: 'ERR_VERIFY_REPLAYED', status: 401, lines, token });
    });

    it('records a token only once it verified, so a refused attempt does not burn it', async () => {
      // Prepare
      const { send, lines } = setup();
      const token = await mintToken();
      await expect(send(token, { body: Buffer.from('tampered') })).rejects.toMatchObject({ code: 'ERR_VERIFY_BINDING' });
      lines.length = 0;

      // Act
      const verified = await send(token);

      // Assess
      expect(verified.mode).toBe('jwt');
    });

    it('answers 503 when the store is full of live entries', async () => {
      // Prepare
      const clock = frozenClock();
      const { send, lines } = setup({ now: clock.now, replayStore: new MemoryReplayStore({ maxEntries: 1, now: clock.now }) });
      await send(await mintToken());
      const second = await mintToken();

      // Act
      const act = send(second);

      // Assess
      await expectRefusal(act, { code: 'ERR_REPLAY_STORE_FULL', status: 503, lines, token: second });
    });

    it('fails closed with 503 when a shared store is down', async () => {
      // Prepare
      const downStore: ReplayStore = { remember: () => Promise.reject(new Error(`redis down; auth=${CURRENT_SECRET}`)) };
      const { send, lines } = setup({ replayStore: downStore });
      const token = await mintToken();

      // Act
      const act = send(token);

      // Assess
      await expectRefusal(act, { code: 'ERR_REPLAY_STORE_UNAVAILABLE', status: 503, lines, token });
    });

    it('keys the store by iss and jti and keeps the entry until exp plus the tolerance', async () => {
      // Prepare
      const calls: [string, number][] = [];
      const spyStore: ReplayStore = { remember: async (key, expiresAtSec) => calls.push([key, expiresAtSec]) > 0 };
      const { send } = setup({ replayStore: spyStore, clockToleranceSec: 3 });
      const token = await mintToken({ claims: { jti: 'abcdefghijklmnopqrstuv' } });

      // Act
      await send(token);

      // Assess
      expect(calls).toEqual([[`${APP_ID}:abcdefghijklmnopqrstuv`, NOW_SEC + 30 + 3]]);
    });
  });

  describe('option: replayStore with rememberSync', () => {
    it('asks rememberSync instead of remember, with the same key and expiry', async () => {
      // Prepare
      const calls: string[] = [];
      const syncStore: ReplayStore = {
        remember: async () => calls.push('remember') > 0,
        rememberSync: (key, expiresAtSec) => calls.push(`sync ${key} ${expiresAtSec}`) > 0,
      };
      const { send } = setup({ replayStore: syncStore });
      const token = await mintToken({ claims: { jti: 'abcdefghijklmnopqrstuv' } });

      // Act
      const verified = await send(token);

      // Assess
      expect(verified.installationId).toBe(INSTALLATION_ID);
      expect(calls).toEqual([`sync ${APP_ID}:abcdefghijklmnopqrstuv ${NOW_SEC + 30 + 5}`]);
    });

    it('fails closed with 503 when rememberSync throws', async () => {
      // Prepare
      const brokenStore: ReplayStore = {
        remember: async () => true,
        rememberSync: () => {
          throw new Error(`disk gone; key=${CURRENT_SECRET}`);
        },
      };
      const { send, lines } = setup({ replayStore: brokenStore });
      const token = await mintToken();

      // Act
      const act = send(token);

      // Assess
      await expectRefusal(act, { code: 'ERR_REPLAY_STORE_UNAVAILABLE', status: 503, lines, token });
    });
  });

  describe('option: now', () => {
    it('judges time by the injected clock', async () => {
      // Prepare
      const { send, clock, lines } = setup();
      const token = await mintToken();
      clock.set(NOW_MS + 36_000);

      // Act
      const act = send(token);

      // Assess
      await expectRefusal(act, { code: 'ERR_VERIFY_EXPIRED', status: 401, lines, token });
    });
  });
});
