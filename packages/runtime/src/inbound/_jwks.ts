/**
 * The platform's JWKS for the session guard, held by the shared cache core (protocol's `createJwksCache`): coalesced
 * loads, 5 min max age, unknown kid and failed fetch refetched at most once per 30 s, fail closed.
 */
import { createLocalJWKSet, errors, type CryptoKey, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';
import { InboundError } from '@tessera/protocol/errors';
import type { Logger } from '@tessera/protocol/log';
import { createJwksCache as createCacheCore, JWKS_MAX_AGE_MS, JWKS_TIMEOUT_MS, JwksFetchError } from '@tessera/protocol';

/**
 * Gets the JWKS JSON document at `url`; must give up when `signal` aborts.
 * @example
 * const fetchJwks: JwksFetcher = async () => ({ keys: [publicJwk] });
 */
export type JwksFetcher = (url: URL, init: { signal: AbortSignal }) => Promise<unknown>;

type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

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

/** Races the fetcher against the 3 s budget and aborts it: the fetcher is injectable, and may ignore its signal. */
async function fetchWithin(fetch: JwksFetcher, url: URL): Promise<unknown> {
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
    return await Promise.race([fetch(url, { signal: controller.signal }), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Creates the cache. Keys come only from the configured URL: jose's local set never reads `jku`, `x5u`, `jwk` or
 * `x5c` from a token. Unlike the customer's verifier, a session guard serves no stale keys: past the max age it
 * fetches before verifying, and fails closed when it cannot (DESIGN.md "JWKS fetching").
 * @example
 * const cache = createJwksCache({ url, fetch: fetchJwksDocument, now: Date.now, logger });
 * await jwtVerify(token, cache.getKey, { algorithms: ['RS256'] });
 */
export function createJwksCache(options: JwksCacheOptions): JwksCache {
  const cache = createCacheCore<KeyResolver>({
    url: options.url,
    fetch: (url) => fetchWithin(options.fetch, url),
    parse: (document) => createLocalJWKSet(document as JSONWebKeySet),
    unavailable: (reason, retryAfterSec) =>
      new InboundError('ERR_SESSION_KEYS_UNAVAILABLE', { cause: reason, headers: { 'retry-after': String(retryAfterSec) } }),
    now: options.now,
    logger: options.logger,
    event: 'session',
    staleCapMs: JWKS_MAX_AGE_MS,
  });
  return {
    async getKey(header, token) {
      const keys = await cache.current();
      try {
        return await keys(header, token);
      } catch (err) {
        if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
        // An unknown kid may mean the platform rotated keys; the core refetches at most once per cooldown.
        const fresher = await cache.refresh();
        if (fresher === undefined) throw err;
        return fresher(header, token);
      }
    },
  };
}
