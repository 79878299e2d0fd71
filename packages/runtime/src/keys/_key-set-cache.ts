/** One app's key set read through a per-instance TTL cache: concurrent misses share one store read. */
import type { KeyObject } from 'node:crypto';
import { KeysError } from '@tessera/protocol/errors';
import type { KeySetDocument, StoredKey } from './_document.js';
import { importStoredKey } from './_key-material.js';
import { signingKeysParameterName, type KeyStore } from './key-store.js';

/** A stored key with its private KeyObject, checked against its `kid` and public half. */
export interface LoadedKey {
  stored: StoredKey;
  privateKey: KeyObject;
}

export interface LoadedKeySet {
  document: KeySetDocument;
  version: number;
  keys: LoadedKey[];
}

export interface KeySetCache {
  load(): Promise<LoadedKeySet>;
  /** The cached set while fresh, else undefined: lets a warm call skip a promise. */
  peek(): LoadedKeySet | undefined;
  clear(): void;
}

/**
 * No stale serving on failure, unlike iparams: the rotation timings bound how long a reader may hold a document
 * (see rotation-policy.ts), and a failed refresh that kept serving would silently stretch that bound.
 */
export function createKeySetCache(appId: string, store: KeyStore, ttlMs: number, now: () => number): KeySetCache {
  let cached: { set: LoadedKeySet; fetchedAtMs: number } | undefined;
  let pending: Promise<LoadedKeySet> | undefined;

  async function fetch(): Promise<LoadedKeySet> {
    try {
      const stored = await store.get(appId);
      if (!stored) {
        throw new KeysError('ERR_KEYS_NOT_FOUND', { message: 'the app has no signing keys: run `tessera keys generate`' });
      }
      // SSM's version changes with every write, so an unchanged version needs no second import.
      const set =
        cached && cached.set.version === stored.version && stored.version > 0 ? cached.set : await importSet(appId, stored.document, stored.version);
      cached = { set, fetchedAtMs: now() };
      return set;
    } catch (err) {
      cached = undefined;
      throw err;
    } finally {
      pending = undefined;
    }
  }

  return {
    peek() {
      return cached && now() - cached.fetchedAtMs < ttlMs ? cached.set : undefined;
    },
    load() {
      const fresh = this.peek();
      if (fresh) return Promise.resolve(fresh);
      pending ??= fetch();
      return pending;
    },
    clear() {
      cached = undefined;
    },
  };
}

export async function importSet(appId: string, document: KeySetDocument, version: number): Promise<LoadedKeySet> {
  const parameter = signingKeysParameterName(appId);
  const keys = await Promise.all(
    document.keys.map(async (stored, i) => ({ stored, privateKey: await importStoredKey(stored, `${parameter} keys[${i}]`) })),
  );
  return { document, version, keys };
}
