/** Where an asymmetric verifier gets the app's public keys: a static list, or the app's JWKS under the fetch policy. */
import type { KeyObject } from 'node:crypto';
import { VerifyError } from '../errors.js';
import type { Logger } from '../log.js';
import { fetchJwksDocument } from '../protocol/index.js';
import { importPublicJwk, type ImportedKey } from './_jwk.js';
import type { AsymmetricAlgorithm } from './verifier-options.js';

/** DESIGN.md "JWKS fetching": keys older than 5 min are dropped, and fetched again before use. */
export const JWKS_MAX_AGE_MS = 5 * 60_000;
/** DESIGN.md "JWKS fetching": an unknown kid refetches at most once per 30 s (attackers can mint endless kids). */
export const JWKS_REFETCH_COOLDOWN_MS = 30_000;
/**
 * After a failed fetch, requests fail closed at once for this long instead of each starting a fetch: an endpoint
 * that refuses connections instantly would otherwise see one fetch per incoming request.
 */
export const JWKS_FAILURE_BACKOFF_MS = 1_000;

/**
 * Finds the public key for a token's `alg` and `kid`. Answers synchronously while it holds fresh keys; `undefined`
 * means no such key; a rejection (`ERR_VERIFY_KEYS_UNAVAILABLE`) means the keys could not be had.
 */
export type KeySource = (alg: string, kid: string) => KeyObject | undefined | Promise<KeyObject | undefined>;

type KeyMap = ReadonlyMap<string, ImportedKey>;

function lookup(keys: KeyMap, alg: string, kid: string): KeyObject | undefined {
  const hit = keys.get(kid);
  return hit !== undefined && hit.alg === alg ? hit.key : undefined;
}

/**
 * Static keys, already checked and imported at construction.
 * @example
 * const source = createStaticKeySource(importedKeys);
 */
export function createStaticKeySource(keys: readonly ImportedKey[]): KeySource {
  const map: KeyMap = new Map(keys.map((k) => [k.kid, k]));
  return (alg, kid) => lookup(map, alg, kid);
}

function unavailable(reason: string): VerifyError {
  return new VerifyError('ERR_VERIFY_KEYS_UNAVAILABLE', reason);
}

/** What {@link createRemoteKeySource} needs; `fetch` is the seam the tests leave at its default. */
export interface RemoteKeySourceOptions {
  url: URL;
  algorithms: ReadonlySet<AsymmetricAlgorithm>;
  now: () => number;
  logger: Logger;
  fetch?: (url: URL) => Promise<unknown>;
}

/**
 * Turns a JWKS document into the usable keys. Keys that break a rule (wrong curve for the pinned algorithms,
 * private members, `use` not `sig`, no `kid`) are skipped and logged by position and kid; two usable keys under one
 * `kid` make that kid ambiguous, so neither is used.
 */
function keysOf(document: unknown, algorithms: ReadonlySet<AsymmetricAlgorithm>, logger: Logger): KeyMap {
  const list = (document as { keys?: unknown } | null)?.keys;
  if (typeof document !== 'object' || document === null || !Array.isArray(list)) {
    throw unavailable('JWKS document is not a JWK Set');
  }
  const map = new Map<string, ImportedKey>();
  const ambiguous = new Set<string>();
  for (const [index, jwk] of list.entries()) {
    const imported = importPublicJwk(jwk, algorithms);
    if ('rule' in imported) {
      const kid = (jwk as { kid?: unknown } | null)?.kid;
      logger.log('warn', 'verify.jwks_key_ignored', { index, ...(typeof kid === 'string' ? { kid } : {}), rule: imported.rule });
      continue;
    }
    if (map.has(imported.kid)) ambiguous.add(imported.kid);
    map.set(imported.kid, imported);
  }
  for (const kid of ambiguous) {
    map.delete(kid);
    logger.log('warn', 'verify.jwks_key_ignored', { kid, rule: 'kid names more than one key' });
  }
  return map;
}

/**
 * The app's JWKS, fetched on first use and cached: concurrent loads coalesced into one fetch, keys dropped after
 * 5 min (so an endpoint that stays down fails closed rather than serving old keys forever), an unknown kid refetched
 * at most once per 30 s, and a failed fetch not retried for 1 s. Keys come only from the configured URL: a token's
 * `jku`, `x5u`, `jwk` or `x5c` never names where a key comes from.
 * @example
 * const source = createRemoteKeySource({ url, algorithms: new Set(['ES256']), now: Date.now, logger });
 * const key = await source('ES256', kid);
 */
export function createRemoteKeySource(options: RemoteKeySourceOptions): KeySource {
  const { url, algorithms, now, logger } = options;
  const fetchDocument = options.fetch ?? ((url: URL) => fetchJwksDocument(url));
  let keys: KeyMap | undefined;
  let loadedAtMs = -Infinity;
  let pending: Promise<KeyMap> | undefined;
  let lastAttemptMs = -Infinity;
  let failedAtMs = -Infinity;

  async function loadOnce(): Promise<KeyMap> {
    lastAttemptMs = now();
    let document: unknown;
    try {
      document = await fetchDocument(url);
    } catch (err) {
      failedAtMs = now();
      const reason = err instanceof Error ? err.message : 'fetch failed';
      logger.log('warn', 'verify.jwks_unavailable', { reason });
      throw unavailable(`JWKS fetch ${reason}`);
    }
    let fresh: KeyMap;
    try {
      fresh = keysOf(document, algorithms, logger);
    } catch (err) {
      failedAtMs = now();
      logger.log('warn', 'verify.jwks_unavailable', { reason: 'document is not a JWK Set' });
      throw err;
    }
    logger.log('debug', 'verify.jwks_loaded', { usable: fresh.size });
    keys = fresh;
    loadedAtMs = now();
    return fresh;
  }

  function load(): Promise<KeyMap> {
    if (pending !== undefined) return pending;
    if (now() - failedAtMs < JWKS_FAILURE_BACKOFF_MS) return Promise.reject(unavailable('JWKS fetch failed moments ago'));
    pending = loadOnce().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  return (alg, kid) => {
    const nowMs = now();
    if (keys === undefined || nowMs - loadedAtMs >= JWKS_MAX_AGE_MS) {
      // Past max age the old keys are dropped before the fetch, so a failing endpoint fails closed.
      keys = undefined;
      return load().then((fresh) => lookup(fresh, alg, kid));
    }
    const hit = lookup(keys, alg, kid);
    if (hit !== undefined) return hit;
    // An unknown kid may mean the app rotated its keys; within the cooldown it simply stays unknown.
    if (pending === undefined && nowMs - lastAttemptMs < JWKS_REFETCH_COOLDOWN_MS) return undefined;
    // The keys held are still good: a failed refetch only means this kid stays unknown.
    return load().then(
      (fresh) => lookup(fresh, alg, kid),
      () => undefined,
    );
  };
}
