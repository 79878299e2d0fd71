/** Where an asymmetric verifier gets the app's public keys: a static list, or the app's JWKS under the fetch policy. */
import type { KeyObject } from 'node:crypto';
import { VerifyError } from '@tessera/protocol/errors';
import type { Logger } from '@tessera/protocol/log';
import { createJwksCache, fetchJwksDocument } from '@tessera/protocol';
import { importPublicJwk, type ImportedKey } from './_jwk.js';
import type { AsymmetricAlgorithm } from './verifier-options.js';

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

/** A 503 that tells the client when the next fetch may be made (RFC 9110 §10.2.3). */
function unavailable(reason: string, retryAfterSec: number): VerifyError {
  return new VerifyError('ERR_VERIFY_KEYS_UNAVAILABLE', reason, { headers: { 'retry-after': String(retryAfterSec) } });
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
    throw new TypeError('JWKS document is not a JWK Set');
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
 * The app's JWKS under the shared cache policy (protocol's `createJwksCache`): fetched on first use, refreshed after
 * 5 min, an unknown kid refetched at most once per 30 s, no fetch for 30 s after a failure, keys held served up to
 * 10 min while the JWKS is down, then fail closed. Keys come only from the configured URL: a token's `jku`, `x5u`,
 * `jwk` or `x5c` never names where a key comes from.
 * @example
 * const source = createRemoteKeySource({ url, algorithms: new Set(['ES256']), now: Date.now, logger });
 * const key = await source('ES256', kid);
 */
export function createRemoteKeySource(options: RemoteKeySourceOptions): KeySource {
  const { algorithms, logger } = options;
  const cache = createJwksCache<KeyMap>({
    url: options.url,
    fetch: options.fetch ?? ((url: URL) => fetchJwksDocument(url)),
    parse: (document) => keysOf(document, algorithms, logger),
    unavailable,
    now: options.now,
    logger,
    event: 'verify',
  });
  const afterRefresh = (alg: string, kid: string) => (fresh: KeyMap | undefined) => (fresh === undefined ? undefined : lookup(fresh, alg, kid));

  return (alg, kid) => {
    const keys = cache.current();
    // Just fetched: an unknown kid stays unknown until the cooldown has passed.
    if (keys instanceof Promise) return keys.then((fresh) => lookup(fresh, alg, kid));
    const hit = lookup(keys, alg, kid);
    if (hit !== undefined) return hit;
    // An unknown kid may mean the app rotated its keys.
    const fresher = cache.refresh();
    return fresher instanceof Promise ? fresher.then(afterRefresh(alg, kid)) : afterRefresh(alg, kid)(fresher);
  };
}
