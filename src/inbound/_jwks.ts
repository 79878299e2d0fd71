/** The platform's JWKS, cached: coalesced loads, 5 min max age, unknown-kid refetch at most once per 30 s, fail closed. */
import { createLocalJWKSet, errors, type CryptoKey, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';
import { InboundError } from '../errors.js';
import type { Logger } from '../log.js';
import { JwksFetchError } from '../protocol/index.js';

/** DESIGN.md "JWKS fetching": a fetch gives up after 3 s. @example setTimeout(abort, JWKS_TIMEOUT_MS) */
export const JWKS_TIMEOUT_MS = 3_000;
/** DESIGN.md "JWKS fetching": keys older than 5 min are dropped. @example now - loadedAtMs < JWKS_MAX_AGE_MS */
export const JWKS_MAX_AGE_MS = 5 * 60_000;
/** DESIGN.md "JWKS fetching": an unknown kid refetches at most once per 30 s. @example now - lastAttemptMs >= JWKS_REFETCH_COOLDOWN_MS */
export const JWKS_REFETCH_COOLDOWN_MS = 30_000;

/**
 * Gets the JWKS JSON document at `url`; must give up when `signal` aborts.
 * @example
 * const fetchJwks: JwksFetcher = async () => ({ keys: [publicJwk] });
 */
export type JwksFetcher = (url: URL, init: { signal: AbortSignal }) => Promise<unknown>;

type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

interface Loaded {
  resolve: KeyResolver;
  loadedAtMs: number;
}

/** What {@link createJwksCache} needs. @example createJwksCache({ url, fetch: fetchJwksDocument, now: Date.now, logger }) */
export interface JwksCacheOptions {
  url: URL;
  fetch: JwksFetcher;
  now: () => number;
  logger: Logger;
}

/** A key resolver for `jwtVerify` over a cached, policy-bound JWKS. @example await jwtVerify(token, cache.getKey, options) */
export interface JwksCache {
  getKey: KeyResolver;
}

function unavailable(reason: string): InboundError {
  return new InboundError('ERR_SESSION_KEYS_UNAVAILABLE', { cause: reason });
}

/** Races the fetcher against the 3 s budget and aborts it, so a fetcher that ignores its signal still cannot hang us. */
async function fetchWithin(options: JwksCacheOptions): Promise<unknown> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new JwksFetchError('timed out'));
    }, JWKS_TIMEOUT_MS);
    timer.unref?.();
  });
  try {
    return await Promise.race([options.fetch(options.url, { signal: controller.signal }), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Creates the cache. Keys come only from the configured URL: jose's local set never reads `jku`, `x5u`, `jwk` or
 * `x5c` from a token, so a token cannot name where its key is fetched from.
 * @example
 * const cache = createJwksCache({ url, fetch: fetchJwksDocument, now: Date.now, logger });
 * await jwtVerify(token, cache.getKey, { algorithms: ['RS256'] });
 */
export function createJwksCache(options: JwksCacheOptions): JwksCache {
  let loaded: Loaded | undefined;
  let pending: Promise<Loaded> | undefined;
  let lastAttemptMs = -Infinity;

  async function loadOnce(): Promise<Loaded> {
    lastAttemptMs = options.now();
    let document: unknown;
    try {
      document = await fetchWithin(options);
    } catch (err) {
      const reason = err instanceof JwksFetchError ? err.message : 'fetcher failed';
      options.logger.log('warn', 'session.jwks_unavailable', { reason });
      throw unavailable(`JWKS fetch ${reason}`);
    }
    let resolve: KeyResolver;
    try {
      resolve = createLocalJWKSet(document as JSONWebKeySet);
    } catch {
      options.logger.log('warn', 'session.jwks_unavailable', { reason: 'document is not a JWK Set' });
      throw unavailable('JWKS document is not a JWK Set');
    }
    options.logger.log('debug', 'session.jwks_loaded', {});
    loaded = { resolve, loadedAtMs: options.now() };
    return loaded;
  }

  /** Concurrent callers share one fetch (middy's coalesced cache); a failure is not cached. */
  function load(): Promise<Loaded> {
    pending ??= loadOnce().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  async function current(): Promise<Loaded> {
    if (loaded !== undefined && options.now() - loaded.loadedAtMs < JWKS_MAX_AGE_MS) return loaded;
    // Past max age the old keys are dropped before the fetch, so a failing endpoint fails closed.
    loaded = undefined;
    return load();
  }

  return {
    async getKey(header, token) {
      const keys = await current();
      try {
        return await keys.resolve(header, token);
      } catch (err) {
        if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
        // An unknown kid may mean the platform rotated keys; attackers can mint endless kids, hence the cooldown.
        if (pending === undefined && options.now() - lastAttemptMs < JWKS_REFETCH_COOLDOWN_MS) throw err;
        let fresh: Loaded;
        try {
          fresh = await load();
        } catch {
          // The keys we hold are still good; the refetch failing only means this kid stays unknown.
          throw err;
        }
        return fresh.resolve(header, token);
      }
    },
  };
}
