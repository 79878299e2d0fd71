/** RedisReplayStore: the exact SET it sends, its answers, and every failure mapped to a 503 that names no value. */
import type Redis from 'ioredis';
import { createVerifier, RedisReplayStore, type RedisSetClient } from '../../src/index.js';
import { StoreError } from '../../../protocol/src/errors.js';
import { APP_ID, CURRENT_SECRET, NOW_SEC, ORIGIN, REQUEST, bearer, capturedLogger, expectRefusal, frozenClock, mintToken } from './_helpers.js';

// Compile-time: an ioredis instance is a RedisSetClient, so users pass theirs as it is.
export const acceptsIoredis = (client: Redis): RedisSetClient => client;

type SetCall = Parameters<RedisSetClient['set']>;

/** A client whose reply each test scripts, recording every call. */
function fakeClient(reply: (...args: SetCall) => Promise<'OK' | null>): RedisSetClient & { calls: SetCall[] } {
  const calls: SetCall[] = [];
  return {
    calls,
    set: (...args: SetCall) => {
      calls.push(args);
      return reply(...args);
    },
  };
}

const KEY = `${APP_ID}:3q2-7wE_aBcDeFgHiJkLmN`;

async function rejection(act: Promise<unknown>): Promise<StoreError> {
  const err = await act.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StoreError);
  return err as StoreError;
}

describe('RedisReplayStore', () => {
  afterEach(() => jest.useRealTimers());

  describe('remember', () => {
    it('sends one SET <prefix><key> 1 EXAT <expiry> NX and reads OK as fresh', async () => {
      // Prepare
      const client = fakeClient(async () => 'OK');
      const store = new RedisReplayStore({ client });

      // Act
      const fresh = await store.remember(KEY, NOW_SEC + 35);

      // Assess
      expect(fresh).toBe(true);
      expect(client.calls).toEqual([[`tessera:replay:${KEY}`, '1', 'EXAT', NOW_SEC + 35, 'NX']]);
    });

    it('reads a null reply (the key exists) as already seen', async () => {
      // Prepare
      const store = new RedisReplayStore({ client: fakeClient(async () => null) });

      // Act
      const fresh = await store.remember(KEY, NOW_SEC + 35);

      // Assess
      expect(fresh).toBe(false);
    });

    it('uses the configured key prefix and rounds a fractional expiry up to a whole second', async () => {
      // Prepare
      const client = fakeClient(async () => 'OK');
      const store = new RedisReplayStore({ client, keyPrefix: 'orders:jti:' });

      // Act
      await store.remember(KEY, NOW_SEC + 35.2);

      // Assess
      expect(client.calls[0]?.slice(0, 4)).toEqual([`orders:jti:${KEY}`, '1', 'EXAT', NOW_SEC + 36]);
    });
  });

  describe('failures', () => {
    const connectionRefused = Object.assign(new Error(`connect ECONNREFUSED 10.0.0.7:6379 while SET tessera:replay:${KEY}`), {
      code: 'ECONNREFUSED',
    });
    class MaxRetriesPerRequestError extends Error {
      override name = 'MaxRetriesPerRequestError';
    }

    it.each<[string, () => RedisSetClient, RegExp]>([
      ['a refused connection', () => fakeClient(() => Promise.reject(connectionRefused)), /redis SET failed: Error ECONNREFUSED/],
      [
        'retries exhausted while reconnecting',
        () => fakeClient(() => Promise.reject(new MaxRetriesPerRequestError('Reached the max retries per request limit'))),
        /MaxRetriesPerRequestError/,
      ],
      [
        'a client that throws',
        () => ({
          set: () => {
            throw new TypeError(`bad key ${KEY}`);
          },
        }),
        /redis SET threw TypeError/,
      ],
      ['a rejection that is not an Error', () => fakeClient(() => Promise.reject(KEY)), /non-error rejection/],
      ['an unexpected reply', () => fakeClient(async () => 'QUEUED' as unknown as 'OK'), /unexpected reply/],
    ])('rejects with ERR_REPLAY_STORE_UNAVAILABLE on %s, naming no key, host or reply', async (_name, client, cause) => {
      // Prepare
      const store = new RedisReplayStore({ client: client() });

      // Act
      const err = await rejection(store.remember(KEY, NOW_SEC + 35));

      // Assess
      expect(err.code).toBe('ERR_REPLAY_STORE_UNAVAILABLE');
      expect(err.status).toBe(503);
      expect(String(err.cause)).toMatch(cause);
      const visible = [err.message, String(err.cause), JSON.stringify(err)].join('\n');
      expect(visible).not.toContain(KEY);
      expect(visible).not.toContain('10.0.0.7');
    });

    it('rejects after timeoutMs when Redis does not answer, and ignores a late reply', async () => {
      // Prepare
      jest.useFakeTimers();
      let answer: (reply: 'OK') => void = () => undefined;
      const store = new RedisReplayStore({ client: fakeClient(() => new Promise((r) => (answer = r))), timeoutMs: 250 });
      const act = store.remember(KEY, NOW_SEC + 35);
      const settled = act.then(
        () => 'fresh',
        () => 'refused',
      );

      // Act
      jest.advanceTimersByTime(249);
      const early = await Promise.race([settled, Promise.resolve('pending')]);
      jest.advanceTimersByTime(1);
      answer('OK');

      // Assess
      expect(early).toBe('pending');
      const err = await rejection(act);
      expect(err.code).toBe('ERR_REPLAY_STORE_UNAVAILABLE');
      expect(String(err.cause)).toBe('redis SET timed out after 250 ms');
    });
  });

  describe('options', () => {
    const client = fakeClient(async () => 'OK');
    it.each<[string, unknown, RegExp]>([
      ['no client', {}, /"client"/],
      ['a client without set', { client: {} }, /"client"/],
      ['an unknown option', { client, prefix: 'x' }, /unknown option "prefix"/],
      ['a timeout in seconds', { client, timeoutMs: 0.5 }, /timeoutMs/],
      ['a timeout over 30 s', { client, timeoutMs: 60_000 }, /timeoutMs/],
      ['a prefix that is not a string', { client, keyPrefix: 5 }, /keyPrefix/],
      ['no options', undefined, /options must be an object/],
    ])('throws a TypeError for %s', (_name, options, message) => {
      // Act
      const build = () => new RedisReplayStore(options as ConstructorParameters<typeof RedisReplayStore>[0]);

      // Assess
      expect(build).toThrow(TypeError);
      expect(build).toThrow(message);
    });
  });

  describe('behind a verifier', () => {
    it('answers 503 ERR_REPLAY_STORE_UNAVAILABLE with the store cause in the log, and no token anywhere', async () => {
      // Prepare
      const { logger, lines } = capturedLogger();
      const store = new RedisReplayStore({
        client: fakeClient(() => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))),
      });
      const verifier = createVerifier({
        mode: 'jwt',
        secrets: [CURRENT_SECRET],
        issuer: APP_ID,
        publicOrigin: ORIGIN,
        logger,
        now: frozenClock().now,
        replayStore: store,
      });
      const token = await mintToken();

      // Act
      const act = verifier.verify({ ...REQUEST, headers: bearer(token) });

      // Assess
      const refusal = await expectRefusal(act, { code: 'ERR_REPLAY_STORE_UNAVAILABLE', status: 503, lines, token });
      expect(refusal.reason).toBe('replay store failed: redis SET failed: Error ECONNREFUSED');
    });

    it('refuses the second use of a token the store has seen', async () => {
      // Prepare
      const seen = new Set<string>();
      const store = new RedisReplayStore({ client: fakeClient(async (key) => (seen.has(key) ? null : seen.add(key) && 'OK')) });
      const { logger, lines } = capturedLogger();
      const verifier = createVerifier({
        mode: 'jwt',
        secrets: [CURRENT_SECRET],
        issuer: APP_ID,
        publicOrigin: ORIGIN,
        logger,
        now: frozenClock().now,
        replayStore: store,
      });
      const token = await mintToken();
      await verifier.verify({ ...REQUEST, headers: bearer(token) });

      // Act
      const again = verifier.verify({ ...REQUEST, headers: bearer(token) });

      // Assess
      await expectRefusal(again, { code: 'ERR_VERIFY_REPLAYED', status: 401, lines, token });
    });
  });
});
