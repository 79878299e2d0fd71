/** The one JWKS cache core under a 5-minute outage, on a fake clock: how many fetches, and how long each request waits. */
import { createJwksCache, JWKS_COOLDOWN_MS, JWKS_MAX_AGE_MS, JWKS_STALE_CAP_MS, JwksFetchError } from '../../src/index.js';
import { silentLogger } from '../../src/log.js';

class Unavailable extends Error {
  constructor(readonly retryAfterSec: number) {
    super('unavailable');
  }
}

/** A cache whose fetch answers `keys` while `up`, else fails after `failAfterMs` of fake time (a fetch timing out). */
function world(failAfterMs: number) {
  let nowMs = 0;
  let up = true;
  const fetches: number[] = [];
  const timers: { atMs: number; fire: () => void }[] = [];
  const fetch = () => {
    fetches.push(nowMs);
    if (up) return Promise.resolve({ keys: ['k1'] });
    return new Promise<never>((_, reject) => timers.push({ atMs: nowMs + failAfterMs, fire: () => reject(new JwksFetchError('timed out')) }));
  };
  const cache = createJwksCache<string[]>({
    url: new URL('https://app.example/jwks.json'),
    fetch,
    parse: (d) => (d as { keys: string[] }).keys,
    unavailable: (_reason, retryAfterSec) => new Unavailable(retryAfterSec),
    now: () => nowMs,
    logger: silentLogger,
    event: 'verify',
  });
  /** Moves the fake clock, settling every fetch whose deadline passed. */
  const advance = async (ms: number) => {
    nowMs += ms;
    const due = timers.filter((t) => t.atMs <= nowMs);
    timers.splice(0, timers.length, ...timers.filter((t) => t.atMs > nowMs));
    for (const t of due) t.fire();
    await new Promise((r) => setImmediate(r));
  };
  return { cache, fetches, advance, setUp: (value: boolean) => void (up = value), now: () => nowMs };
}

/** One request: what it got, and how long (fake time) it waited for it. */
async function request(w: ReturnType<typeof world>, unknownKid: boolean): Promise<{ waitedMs: number; outcome: string }> {
  const startMs = w.now();
  const pick = async () => {
    await w.cache.current();
    if (!unknownKid) return 'keys';
    const fresher = await w.cache.refresh();
    return fresher === undefined ? 'unknown kid' : 'refetched';
  };
  let settled: string | undefined;
  const done = pick().then(
    (o) => void (settled = o),
    (e: unknown) => void (settled = e instanceof Unavailable ? `503 retry ${e.retryAfterSec}` : 'error'),
  );
  await new Promise((r) => setImmediate(r));
  while (settled === undefined) await w.advance(100);
  await done;
  return { waitedMs: w.now() - startMs, outcome: settled };
}

describe('createJwksCache', () => {
  it('keeps to the cooldown through a 5-minute outage: at most 11 fetches, and no request waits inside a cooldown', async () => {
    // Prepare: keys loaded, then the JWKS goes down (each fetch times out after 3 s) for 5 minutes
    const w = world(3_000);
    await request(w, false);
    w.setUp(false);
    const outageStartMs = w.now();
    const results: { atMs: number; waitedMs: number; outcome: string }[] = [];

    // Act: a request every second, every third one for a kid the keys lack (a rotation, or an attacker's kids)
    for (let i = 0; w.now() - outageStartMs < 5 * 60_000; i++) {
      const atMs = w.now();
      results.push({ atMs, ...(await request(w, i % 3 === 0)) });
      await w.advance(1_000);
    }
    const fetchesInOutage = w.fetches.filter((t) => t >= outageStartMs);

    // Assess
    expect(fetchesInOutage.length).toBeLessThanOrEqual(11);
    for (let i = 1; i < fetchesInOutage.length; i++) expect(fetchesInOutage[i]! - fetchesInOutage[i - 1]!).toBeGreaterThanOrEqual(JWKS_COOLDOWN_MS);
    // Keys were held (under 10 min old) all along: known kids never waited; only an unknown kid waits, on a fetch it started.
    expect(results.filter((r) => r.outcome === 'keys').every((r) => r.waitedMs === 0)).toBe(true);
    const waited = results.filter((r) => r.waitedMs > 0);
    expect(waited.length).toBeLessThanOrEqual(fetchesInOutage.length);
    expect(waited.every((r) => r.waitedMs <= 3_100 && fetchesInOutage.includes(r.atMs))).toBe(true);
  });

  it('with nothing held, answers at once inside the cooldown with the seconds left, and fetches again after it', async () => {
    // Prepare: a cold start while the JWKS is down
    const w = world(0);
    w.setUp(false);
    const first = await request(w, false);

    // Act
    await w.advance(JWKS_COOLDOWN_MS - 10_000);
    const inside = await request(w, false);
    w.setUp(true);
    await w.advance(10_000);
    const after = await request(w, false);

    // Assess
    expect(first.outcome).toBe('503 retry 30');
    expect(inside).toEqual({ waitedMs: 0, outcome: '503 retry 10' });
    expect(after.outcome).toBe('keys');
    expect(w.fetches).toHaveLength(2);
  });

  it('serves held keys up to the stale cap while the JWKS is down, then fails closed', async () => {
    const w = world(0);
    await request(w, false);
    w.setUp(false);
    await w.advance(JWKS_STALE_CAP_MS - 1_000);
    const stale = await request(w, false);
    await w.advance(1_000);
    const past = await request(w, false);
    expect(JWKS_STALE_CAP_MS).toBeGreaterThan(JWKS_MAX_AGE_MS);
    expect(stale).toEqual({ waitedMs: 0, outcome: 'keys' });
    expect(past.outcome).toMatch(/^503/);
  });

  it('refuses a stale cap outside max age to the default cap', () => {
    const make = (staleCapMs: number) => () =>
      createJwksCache({
        url: new URL('https://a.example/j'),
        fetch: async () => ({}),
        parse: () => 1,
        unavailable: () => new Error('x'),
        now: () => 0,
        logger: silentLogger,
        event: 'session',
        staleCapMs,
      });
    expect(make(JWKS_MAX_AGE_MS - 1)).toThrow(TypeError);
    expect(make(JWKS_STALE_CAP_MS + 1)).toThrow(TypeError);
    expect(make(JWKS_MAX_AGE_MS)).not.toThrow();
  });
});
