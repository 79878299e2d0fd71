/** The app key that signs outbound tokens now, per the rotation schedule, re-read from the store per TTL. */
import { assertKnownOptions } from '@tessera/protocol';
import type { KeyObject } from 'node:crypto';
import { KeysError } from '@tessera/protocol/errors';
import { createJsonLogger, type Logger } from '@tessera/protocol/log';
import { activeKey, type SigningAlg } from './_document.js';
import { createKeySetCache, type LoadedKeySet } from './_key-set-cache.js';
import { SIGNER_MAX_TTL_MS } from './rotation-policy.js';
import { signingKeysParameterName, SsmKeyStore, type KeyStore } from './key-store.js';

/**
 * The key to sign with. The same object is returned for the same `kid` for the provider's life, so a caller can
 * keep one prepared signer per key (e.g. in a WeakMap) and build it once.
 */
export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  /** Never log, serialise or return it. */
  readonly privateKey: KeyObject;
}

export interface SigningKeyProviderOptions {
  appId: string;
  /** Where the key set lives. Default `new SsmKeyStore()`. */
  store?: KeyStore;
  /** How long a read document is reused, in ms. Default 60,000 (`createApp`: `TESSERA_KEYS_TTL_MS`); at most 60,000. */
  ttlMs?: number;
  logger?: Logger;
  /** Wall clock in epoch ms (activation times are wall-clock), for tests. Default `Date.now`. */
  now?: () => number;
}

/**
 * @example
 * const key = await provider.current();
 */
export interface SigningKeyProvider {
  /** The key whose activation time has passed most recently. Throws ERR_KEYS_NOT_FOUND, ERR_KEYS_INVALID or ERR_STORE_UNAVAILABLE. */
  current(): Promise<SigningKey>;
  /** The current key when the cached document is fresh, else undefined (no promise on a warm path). */
  peek(): SigningKey | undefined;
  clearCache(): void;
}

const DEFAULTS = { ttlMs: SIGNER_MAX_TTL_MS } as const satisfies Required<Pick<SigningKeyProviderOptions, 'ttlMs'>>;
const OPTION_KEYS = new Set(['appId', 'store', 'ttlMs', 'logger', 'now']);

/**
 * Picks the signing key per call from a cached key set, so a rotation's activation is followed on time with no
 * second command and no redeploy.
 * @example
 * const provider = createSigningKeyProvider({ appId: 'order-lookup' });
 * const { kid, alg, privateKey } = await provider.current();
 */
export function createSigningKeyProvider(options: SigningKeyProviderOptions): SigningKeyProvider {
  assertKnownOptions('createSigningKeyProvider', options, OPTION_KEYS);
  const { appId } = options;
  signingKeysParameterName(appId); // a bad app id is a TypeError at construction, not per call
  const store = options.store ?? new SsmKeyStore();
  const ttlMs = options.ttlMs ?? DEFAULTS.ttlMs;
  if (!Number.isFinite(ttlMs) || ttlMs < 0 || ttlMs > SIGNER_MAX_TTL_MS) {
    throw new TypeError(`createSigningKeyProvider: ttlMs must be a number from 0 to ${SIGNER_MAX_TTL_MS} (the rotation rules assume it)`);
  }
  const logger = options.logger ?? createJsonLogger({ base: { component: 'keys' } });
  const now = options.now ?? Date.now;
  const cache = createKeySetCache(appId, store, ttlMs, now);
  const byKid = new Map<string, SigningKey>();
  let lastKid: string | undefined;

  function pick(set: LoadedKeySet): SigningKey {
    const stored = activeKey(set.document.keys, now());
    if (!stored) throw new KeysError('ERR_KEYS_NOT_FOUND', { message: 'no signing key is active yet' });
    let key = byKid.get(stored.kid);
    if (!key) {
      const loaded = set.keys.find((k) => k.stored === stored) as LoadedKeySet['keys'][number];
      key = Object.freeze({ kid: stored.kid, alg: stored.alg, privateKey: loaded.privateKey });
      byKid.set(stored.kid, key);
    }
    if (key.kid !== lastKid) {
      logger.log('info', 'keys.signing_key_selected', { appId, kid: key.kid, alg: key.alg, previousKid: lastKid });
      lastKid = key.kid;
    }
    // Retired keys are dropped so a long-lived instance does not keep their private halves.
    if (byKid.size > set.keys.length) {
      for (const kid of byKid.keys()) if (!set.keys.some((k) => k.stored.kid === kid)) byKid.delete(kid);
    }
    return key;
  }

  return {
    async current() {
      return pick(await cache.load());
    },
    peek() {
      const set = cache.peek();
      return set && activeKey(set.document.keys, now()) ? pick(set) : undefined;
    },
    clearCache() {
      cache.clear();
      byKid.clear();
    },
  };
}
