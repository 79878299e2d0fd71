/**
 * The one JWKS cache core (DESIGN.md "JWKS fetching") under both readers: the session guard's and the customer's
 * verifier's. Each brings its own key parsing and its own error; the timing policy lives here alone.
 */
import type { Logger } from './log.js';
import { JwksFetchError } from './jwks-fetch.js';

/** Keys are refreshed once they are this old. @example JWKS_MAX_AGE_MS // 300000 */
export const JWKS_MAX_AGE_MS = 5 * 60_000;
/**
 * After any fetch (an unknown kid, a failure), the next starts no sooner than this: attackers can mint endless kids,
 * and a JWKS that is down is asked once per cooldown, not once per request. @example JWKS_COOLDOWN_MS // 30000
 */
export const JWKS_COOLDOWN_MS = 30_000;
/**
 * While the JWKS cannot be fetched, keys already held keep serving until they are this old; older keys are never
 * used (fail closed). @example JWKS_STALE_CAP_MS // 600000
 */
export const JWKS_STALE_CAP_MS = 10 * 60_000;

/**
 * What {@link createJwksCache} needs.
 * @example
 * createJwksCache({ url, fetch: (u) => fetchJwksDocument(u), parse, unavailable, now: Date.now, logger, event: 'verify' })
 */
export interface JwksCacheOptions<K> {
  url: URL;
  /** Gets the JWKS document; must settle within its own deadline (fetchJwksDocument does, in 3 s). */
  fetch: (url: URL) => Promise<unknown>;
  /** Turns the document into usable keys; throws (any error) when it is not a JWK Set. */
  parse: (document: unknown) => K;
  /** The caller's own error for "no keys to be had": a reason for logs and how soon to retry, in seconds. */
  unavailable: (reason: string, retryAfterSec: number) => Error;
  now: () => number;
  logger: Logger;
  /** Prefix of the log events: `{event}.jwks_loaded`, `{event}.jwks_unavailable`. */
  event: 'verify' | 'session';
  /**
   * Oldest keys ever used, from {@link JWKS_MAX_AGE_MS} (no stale serving: past the max age a request waits for the
   * fetch) to the default {@link JWKS_STALE_CAP_MS}.
   */
  staleCapMs?: number;
}

/**
 * A JWKS held under the policy.
 * @example
 * const keys = cache.current();            // K, or a promise of K when nothing usable is held
 * const fresher = await cache.refresh();   // for a kid `keys` lacks: K, or undefined within the cooldown
 */
export interface JwksCache<K> {
  /**
   * The keys to use: synchronously while usable keys are held (a due refresh then runs in the background), else
   * after a fetch. Inside the cooldown after a failure with nothing usable held, rejects at once: no request waits.
   */
  current(): K | Promise<K>;
  /**
   * Fresher keys for a kid the current ones lack: a fetch at most once per cooldown; `undefined` inside the
   * cooldown or when the fetch fails (the keys held stay good, the kid stays unknown).
   */
  refresh(): K | undefined | Promise<K | undefined>;
}

/**
 * Creates the cache. Concurrent loads share one fetch; a failure is not cached as keys, only as the start
 * of a cooldown.
 * @example
 * const cache = createJwksCache({ url, fetch, parse: keysOf, unavailable: (r, s) => new Error(r), now: Date.now, logger, event: 'verify' });
 */
export function createJwksCache<K>(options: JwksCacheOptions<K>): JwksCache<K> {
  const { url, now, logger } = options;
  const staleCapMs = options.staleCapMs ?? JWKS_STALE_CAP_MS;
  if (!(staleCapMs >= JWKS_MAX_AGE_MS && staleCapMs <= JWKS_STALE_CAP_MS)) {
    throw new TypeError(`createJwksCache: staleCapMs must be from ${JWKS_MAX_AGE_MS} to ${JWKS_STALE_CAP_MS}`);
  }
  let held: K | undefined;
  let loadedAtMs = -Infinity;
  let pending: Promise<K> | undefined;
  let lastAttemptMs = -Infinity;

  const retryAfterSec = (nowMs: number): number => Math.max(1, Math.ceil((lastAttemptMs + JWKS_COOLDOWN_MS - nowMs) / 1000));

  async function fetchAndParse(): Promise<K> {
    let document: unknown;
    try {
      document = await options.fetch(url);
    } catch (err) {
      const reason = err instanceof JwksFetchError ? err.message : 'fetcher failed';
      throw new JwksFetchError(`JWKS fetch ${reason}`);
    }
    try {
      return options.parse(document);
    } catch {
      throw new JwksFetchError('JWKS document is not a JWK Set');
    }
  }

  function load(): Promise<K> {
    if (pending !== undefined) return pending;
    const startedAtMs = now();
    lastAttemptMs = startedAtMs;
    pending = fetchAndParse().then(
      (keys) => {
        pending = undefined;
        held = keys;
        // Aged from the request, not the answer: a slow fetch must not stretch the keys' life.
        loadedAtMs = startedAtMs;
        logger.log('debug', `${options.event}.jwks_loaded`, {});
        return keys;
      },
      (err: JwksFetchError) => {
        pending = undefined;
        logger.log('warn', `${options.event}.jwks_unavailable`, { reason: err.message });
        throw options.unavailable(err.message, retryAfterSec(now()));
      },
    );
    return pending;
  }

  const coolingDown = (nowMs: number): boolean => nowMs - lastAttemptMs < JWKS_COOLDOWN_MS;

  return {
    current() {
      const nowMs = now();
      const ageMs = nowMs - loadedAtMs;
      if (held !== undefined && ageMs < staleCapMs) {
        // Stale-while-revalidate: a due refresh never holds a request that has usable keys.
        if (ageMs >= JWKS_MAX_AGE_MS && pending === undefined && !coolingDown(nowMs)) load().catch(() => undefined);
        return held;
      }
      held = undefined;
      if (pending !== undefined) return pending;
      // Nothing usable is held, so the last attempt (within the cooldown) failed: answer now, fetch nothing.
      if (coolingDown(nowMs)) {
        return Promise.reject(options.unavailable('JWKS fetch failed within the cooldown', retryAfterSec(nowMs)));
      }
      return load();
    },
    refresh() {
      if (pending === undefined && coolingDown(now())) return undefined;
      return load().catch(() => undefined);
    },
  };
}
