/** Runtime read of an installation's iparams: cached per instance, coalesced misses, stale-while-failing, forced refresh. */
import { assertKnownOptions } from '@tessera/protocol';
import { StoreError } from '@tessera/protocol/errors';
import { createJsonLogger, type Logger } from '@tessera/protocol/log';
import type { IparamValues } from '@tessera/schema';
import type { PreviousValue } from './_document.js';
import { assertInstallationId } from './_layout.js';
import { MAX_INSTALLATIONS_PER_READ, type IparamStore, type StoredDocument } from './ssm-store.js';

export interface IparamsReaderOptions {
  appId: string;
  store: IparamStore;
  /** How long a read value is fresh. Default 60,000 ms (`createApp`: `TESSERA_IPARAMS_TTL_MS`). */
  ttlMs?: number;
  /** How long past its TTL a value may be served while refreshes fail or are throttled. Default and cap 15 min. */
  maxStaleMs?: number;
  /** Installations kept per instance; the least recently read is dropped past it. Default 1,000. */
  maxEntries?: number;
  /**
   * Installations read in one store request (`store.getMany`, GetParameters: one request against SSM's
   * throughput), 1 to 10. Above 1, a read also refreshes up to this many − 1 other cached installations in the
   * last quarter of their TTL, oldest first, so an instance serving many installations makes about this many times
   * fewer requests. Default 1 (`createApp`: `iparamsBatchSize`, `TESSERA_IPARAMS_BATCH_SIZE`).
   */
  batchSize?: number;
  /**
   * Shortest time between two store reads of one installation that {@link IparamsReader.refresh} may cause, in ms,
   * so a customer server answering 401 to everything cannot make every call read SSM. Default 5,000; from 1,000 to
   * 3,600,000.
   */
  refreshMinIntervalMs?: number;
  logger?: Logger;
  /** Monotonic clock in ms, for tests. Default `performance.now`. */
  now?: () => number;
  /** Wall clock in epoch ms, against which grace windows end, for tests. Default `Date.now`. */
  wallClock?: () => number;
}

/** A cache entry: the last good value and, while a fetch runs, the promise every concurrent reader awaits. */
interface Entry {
  values?: IparamValues;
  /** Monotonic time the values were fetched. */
  fetchedAtMs: number;
  /**
   * After a failed read, the store is not asked again for this installation until this time: stale values are
   * served meanwhile, or, with none within the cap, `failure` is thrown again at once.
   */
  quietUntilMs: number;
  /** The store's failure, while nothing good can be served. */
  failure?: StoreError;
  /** Monotonic time the last store read started, successful or not: what `refresh` is rate-limited on. */
  readAtMs: number;
  /** Previous values of rotated fields, from the same document as `values`. */
  previous?: Record<string, PreviousValue>;
  pending?: Promise<IparamValues>;
}

/** Reads one installation's values, typed by the caller. */
export interface IparamsReader {
  read<T extends object = IparamValues>(installationId: string): Promise<T>;
  /** The cached value when it is fresh, else undefined: lets a warm invocation skip a promise. */
  peek<T extends object = IparamValues>(installationId: string): T | undefined;
  /**
   * Reads one installation from the store now, even inside its TTL, unless the store was read for it less than
   * `refreshMinIntervalMs` ago (then the cached value is returned); joins a read already in flight. For a caller
   * that has proof its copy is stale, e.g. the customer's server refusing the secret.
   */
  refresh<T extends object = IparamValues>(installationId: string): Promise<T>;
  /**
   * The previous value of a rotated secure field while its grace window lasts, from the cached document; undefined
   * when there is none, the window has ended, or the installation is not cached.
   */
  previous(installationId: string, name: string): string | undefined;
  /** Drops one installation's cached value so the next read goes to the store. */
  invalidate(installationId: string): void;
  /** Drops every cached value. */
  clearCache(): void;
}

const MAX_STALE_CAP_MS = 15 * 60_000;
/**
 * After a failed store read, how long one installation's store is left alone, in ms (shortened to the TTL when that
 * is shorter, so recovery is picked up within the TTL). With the SDK's attempts per read, this bounds what one
 * instance asks SSM for one installation while SSM fails: at most `SSM_MAX_ATTEMPTS` requests per back-off.
 * @example
 * const maxRequestsPerSec = SSM_MAX_ATTEMPTS * Math.ceil(1_000 / Math.min(ttlMs, IPARAMS_RETRY_BACKOFF_MS));
 */
export const IPARAMS_RETRY_BACKOFF_MS = 5_000;
const REFRESH_INTERVAL_BOUNDS_MS = { min: 1_000, max: 3_600_000 } as const;
const DEFAULTS = { ttlMs: 60_000, maxStaleMs: MAX_STALE_CAP_MS, maxEntries: 1_000, refreshMinIntervalMs: 5_000 } as const;
const OPTION_KEYS = new Set([
  'appId',
  'store',
  'ttlMs',
  'maxStaleMs',
  'maxEntries',
  'batchSize',
  'refreshMinIntervalMs',
  'logger',
  'now',
  'wallClock',
]);
/** Share of the TTL at whose end a cached entry may join another installation's read (the load model's window). */
export const IPARAMS_BATCH_REFRESH_AHEAD_SHARE = 0.25;

function positive(name: string, value: number, max = Number.MAX_SAFE_INTEGER, min = 0): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new TypeError(`createIparamsReader: ${name} must be a number from ${min} to ${max}`);
  }
  return value;
}

/**
 * One store request per installation per TTL per instance; concurrent misses share it; failures serve the
 * last good value for at most `maxStaleMs`.
 * @example
 * const reader = createIparamsReader({ appId: 'order-lookup', store: new SsmIparamStore() });
 * const iparams = await reader.read<Iparams>('acme');
 */
export function createIparamsReader(options: IparamsReaderOptions): IparamsReader {
  assertKnownOptions('createIparamsReader', options, OPTION_KEYS);
  const ttlMs = positive('ttlMs', options.ttlMs ?? DEFAULTS.ttlMs);
  const maxStaleMs = positive('maxStaleMs', options.maxStaleMs ?? DEFAULTS.maxStaleMs, MAX_STALE_CAP_MS);
  const maxEntries = positive('maxEntries', options.maxEntries ?? DEFAULTS.maxEntries);
  const refreshMinIntervalMs = positive(
    'refreshMinIntervalMs',
    options.refreshMinIntervalMs ?? DEFAULTS.refreshMinIntervalMs,
    REFRESH_INTERVAL_BOUNDS_MS.max,
    REFRESH_INTERVAL_BOUNDS_MS.min,
  );
  const { appId, store } = options;
  const logger = options.logger ?? createJsonLogger({ base: { component: 'iparams' } });
  const now = options.now ?? (() => performance.now());
  const wallClock = options.wallClock ?? Date.now;
  const cache = new Map<string, Entry>();
  const backoffMs = Math.min(ttlMs, IPARAMS_RETRY_BACKOFF_MS);
  const batchSize = options.batchSize ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_INSTALLATIONS_PER_READ) {
    throw new TypeError(`createIparamsReader: batchSize must be a whole number from 1 to ${MAX_INSTALLATIONS_PER_READ}`);
  }
  if (batchSize > 1 && typeof store?.getMany !== 'function') throw new TypeError('createIparamsReader: batchSize above 1 needs a store with getMany');
  const dueAfterMs = ttlMs * (1 - IPARAMS_BATCH_REFRESH_AHEAD_SHARE);
  const getMany = batchSize > 1 ? store.getMany?.bind(store) : undefined;

  function remember(installationId: string, entry: Entry): void {
    cache.delete(installationId);
    cache.set(installationId, entry);
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
  }

  /** Cached installations that may ride along with a read: due within the TTL's last quarter, oldest first. */
  function ridersOf(installationId: string): [string, Entry][] {
    if (batchSize === 1) return [];
    const t = now();
    const due: [string, Entry][] = [];
    for (const pair of cache) {
      const [id, e] = pair;
      if (id !== installationId && e.values !== undefined && !e.pending && t - e.fetchedAtMs >= dueAfterMs && t >= e.quietUntilMs) due.push(pair);
    }
    return due.sort((a, b) => a[1].fetchedAtMs - b[1].fetchedAtMs).slice(0, batchSize - 1);
  }

  /** One store request for the installation and its riders; each settles from it as a read of its own would. */
  function fetch(installationId: string, entry: Entry): Promise<IparamValues> {
    const riders = ridersOf(installationId);
    if (riders.length === 0 || !getMany) return settle(installationId, entry, store.get(appId, installationId));
    const batch = getMany(appId, [installationId, ...riders.map(([id]) => id)]);
    // Each installation settles from its own entry: a broken document fails only its own read.
    const documentOf = (id: string): Promise<StoredDocument | undefined> =>
      batch.then((found) => {
        const document = found.get(id);
        // A StoreError carries a code; a document never does.
        if (document !== undefined && 'code' in document) throw document;
        return document;
      });
    for (const [id, rider] of riders) {
      rider.pending = settle(id, rider, documentOf(id));
      // A rider whose refresh fails serves its values or is dropped; nobody need be waiting on it.
      rider.pending.catch(() => undefined);
    }
    return settle(installationId, entry, documentOf(installationId));
  }

  async function settle(installationId: string, entry: Entry, read: Promise<StoredDocument | undefined>): Promise<IparamValues> {
    entry.readAtMs = now();
    try {
      const stored = await read;
      if (!stored) throw new StoreError('ERR_INSTALLATION_NOT_FOUND');
      entry.values = stored.document.values;
      entry.previous = stored.document.previous;
      entry.fetchedAtMs = now();
      entry.failure = undefined;
      return entry.values;
    } catch (err) {
      const ageMs = now() - entry.fetchedAtMs;
      if (err instanceof StoreError && entry.values !== undefined && ageMs <= ttlMs + maxStaleMs) {
        // Back off so a throttled SSM is not asked again by every invocation.
        entry.quietUntilMs = now() + backoffMs;
        logger.log('warn', 'iparams.refresh_failed', { installationId, code: err.code, cause: err.cause, servingStaleMs: Math.round(ageMs) });
        return entry.values;
      }
      if (err instanceof StoreError && err.code === 'ERR_STORE_UNAVAILABLE') {
        // Nothing to serve: the next invocations fail at once rather than each asking a failing SSM again.
        entry.quietUntilMs = now() + backoffMs;
        entry.failure = err;
        logger.log('warn', 'iparams.read_failed', { installationId, code: err.code, cause: err.cause, retryInMs: backoffMs });
      } else if (entry.values === undefined) {
        cache.delete(installationId);
      }
      throw err;
    } finally {
      entry.pending = undefined;
    }
  }

  function read<T extends object>(installationId: string): Promise<T> {
    try {
      assertInstallationId(installationId);
    } catch (err) {
      return Promise.reject(err);
    }
    let entry = cache.get(installationId);
    if (entry?.values !== undefined) {
      const t = now();
      const ageMs = t - entry.fetchedAtMs;
      if (ageMs < ttlMs || (t < entry.quietUntilMs && ageMs <= ttlMs + maxStaleMs)) {
        return Promise.resolve(entry.values as T);
      }
    }
    if (entry?.failure && !entry.pending && now() < entry.quietUntilMs) return Promise.reject(entry.failure);
    if (!entry) {
      entry = { fetchedAtMs: -Infinity, quietUntilMs: -Infinity, readAtMs: -Infinity };
      remember(installationId, entry);
    }
    entry.pending ??= fetch(installationId, entry);
    return entry.pending as Promise<T>;
  }

  return {
    peek<T extends object>(installationId: string): T | undefined {
      // Only validated ids are ever cached, so a hit needs no id check.
      const entry = cache.get(installationId);
      return entry?.values !== undefined && now() - entry.fetchedAtMs < ttlMs ? (entry.values as T) : undefined;
    },
    read,
    refresh<T extends object>(installationId: string): Promise<T> {
      const entry = cache.get(installationId);
      if (!entry) return read<T>(installationId);
      if (entry.pending) return entry.pending as Promise<T>;
      if (entry.values !== undefined && now() - entry.readAtMs < refreshMinIntervalMs) {
        return Promise.resolve(entry.values as T);
      }
      // A forced re-read waits out a failed read's back-off too, so it cannot add requests to a failing SSM.
      if (now() < entry.quietUntilMs) return read<T>(installationId);
      entry.pending = fetch(installationId, entry);
      return entry.pending as Promise<T>;
    },
    previous(installationId, name) {
      const p = cache.get(installationId)?.previous;
      const kept = p && Object.hasOwn(p, name) ? p[name] : undefined;
      return kept !== undefined && Date.parse(kept.until) > wallClock() ? kept.value : undefined;
    },
    invalidate(installationId) {
      cache.delete(installationId);
    },
    clearCache() {
      cache.clear();
    },
  };
}
