/** MemoryReplayStore: remembers until expiry, purges expired entries, never evicts a live one. */
import { MemoryReplayStore } from '../../src/index.js';
import { StoreError } from '../../../protocol/src/errors.js';
import { NOW_MS, NOW_SEC, frozenClock } from './_helpers.js';

describe('MemoryReplayStore', () => {
  describe('remember', () => {
    it('records a key once and refuses it while it lives', async () => {
      // Prepare
      const store = new MemoryReplayStore({ now: frozenClock().now });

      // Act
      const first = await store.remember('app:a', NOW_SEC + 35);
      const second = await store.remember('app:a', NOW_SEC + 35);

      // Assess
      expect([first, second]).toEqual([true, false]);
    });

    it('accepts a key again once its entry expired', async () => {
      // Prepare
      const clock = frozenClock();
      const store = new MemoryReplayStore({ now: clock.now });
      await store.remember('app:a', NOW_SEC + 35);
      clock.set(NOW_MS + 35_000);

      // Act
      const again = await store.remember('app:a', NOW_SEC + 70);

      // Assess
      expect(again).toBe(true);
    });
  });

  describe('rememberSync', () => {
    it('answers synchronously what remember answers, on the same entries', async () => {
      // Prepare
      const store = new MemoryReplayStore({ now: frozenClock().now });

      // Act
      const first = store.rememberSync('app:a', NOW_SEC + 35);
      const viaAsync = await store.remember('app:a', NOW_SEC + 35);
      const again = store.rememberSync('app:a', NOW_SEC + 35);

      // Assess
      expect([first, viaAsync, again]).toEqual([true, false, false]);
    });

    it('throws ERR_REPLAY_STORE_FULL (503) when full of live entries', () => {
      // Prepare
      const store = new MemoryReplayStore({ maxEntries: 1, now: frozenClock().now });
      store.rememberSync('app:a', NOW_SEC + 35);

      // Act
      const act = () => store.rememberSync('app:b', NOW_SEC + 35);

      // Assess
      expect(act).toThrow(StoreError);
      expect(act).toThrow(expect.objectContaining({ code: 'ERR_REPLAY_STORE_FULL', status: 503 }));
      expect(store.size).toBe(1);
    });
  });

  describe('option: maxEntries', () => {
    it('holds by default more than 100,000 live entries (a busy server at 3,000 req/s for 35 s)', () => {
      // Prepare
      const store = new MemoryReplayStore({ now: frozenClock().now });

      // Act
      for (let i = 0; i <= 150_000; i++) store.rememberSync(`app:${i}`, NOW_SEC + 35);

      // Assess
      expect(store.size).toBe(150_001);
    });

    it('answers ERR_REPLAY_STORE_FULL (503) when full of live entries, and still refuses the live ones', async () => {
      // Prepare
      const store = new MemoryReplayStore({ maxEntries: 2, now: frozenClock().now });
      await store.remember('app:a', NOW_SEC + 35);
      await store.remember('app:b', NOW_SEC + 35);

      // Act
      const full = await store.remember('app:c', NOW_SEC + 35).catch((e: unknown) => e);
      const replay = await store.remember('app:a', NOW_SEC + 35);

      // Assess
      expect(full).toBeInstanceOf(StoreError);
      expect(full).toMatchObject({ code: 'ERR_REPLAY_STORE_FULL', status: 503 });
      expect(replay).toBe(false);
      expect(store.size).toBe(2);
    });

    it('purges expired entries to make room, wherever they sit', async () => {
      // Prepare
      const clock = frozenClock();
      const store = new MemoryReplayStore({ maxEntries: 3, now: clock.now });
      await store.remember('app:long', NOW_SEC + 300);
      await store.remember('app:short-1', NOW_SEC + 10);
      await store.remember('app:short-2', NOW_SEC + 10);
      clock.set(NOW_MS + 20_000);

      // Act
      const fresh = await store.remember('app:new', NOW_SEC + 55);

      // Assess
      expect(fresh).toBe(true);
      expect(store.size).toBe(2);
      expect(await store.remember('app:long', NOW_SEC + 300)).toBe(false);
    });
  });
});
