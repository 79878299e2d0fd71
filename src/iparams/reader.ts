/** Runtime read of an installation's iparams: cached per instance, coalesced misses, stale-while-failing. */
import { StoreError, TesseraError } from '../errors.js';
import { createJsonLogger, type Logger } from '../log.js';
import type { IparamValues } from '../schema/index.js';
import { assertInstallationId } from './_layout.js';
import type { IparamStore } from './ssm-store.js';

export interface IparamsReaderOptions {
  appId: string;
  store: IparamStore;
  /** How long a read value is fresh. Default `TESSERA_IPARAMS_TTL_MS`, then 60,000 ms. */
  ttlMs?: number;
  /** How long past its TTL a value may be served while refreshes fail or are throttled. Default and cap 15 min. */
  maxStaleMs?: number;
  /** Installations kept per instance; the least recently read is dropped past it. Default 1,000. */
  maxEntries?: number;
  logger?: Logger;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/** A cache entry: the last good value and, while a fetch runs, the promise every concurrent reader awaits. */
interface Entry {
  values?: IparamValues;
  /** Monotonic time the values were fetched. */
  fetchedAtMs: number;
  /** After a failed refresh, stale values are served without asking the store again until this time. */
  quietUntilMs: number;
  pending?: Promise<IparamValues>;
}

/** Reads one installation's values, typed by the caller. */
export interface IparamsReader {
  read<T extends object = IparamValues>(installationId: string): Promise<T>;
  /** The cached value when it is fresh, else undefined: lets a warm invocation skip a promise. */
  peek<T extends object = IparamValues>(installationId: string): T | undefined;
  /** Drops one installation's cached value so the next read goes to the store. */
  invalidate(installationId: string): void;
  /** Drops every cached value. */
  clearCache(): void;
}

const MAX_STALE_CAP_MS = 15 * 60_000;
const RETRY_BACKOFF_MS = 5_000;
const DEFAULTS = { ttlMs: 60_000, maxStaleMs: MAX_STALE_CAP_MS, maxEntries: 1_000 } as const;
const OPTION_KEYS = new Set(['appId', 'store', 'ttlMs', 'maxStaleMs', 'maxEntries', 'logger', 'now']);

function positive(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isFinite(value) || value < 0 || value > max) {
    throw new TypeError(`createIparamsReader: ${name} must be a number from 0 to ${max}`);
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
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) throw new TypeError(`createIparamsReader: unknown option "${key}"`);
  }
  const envTtl = process.env.TESSERA_IPARAMS_TTL_MS;
  const ttlMs = positive('ttlMs', options.ttlMs ?? (envTtl ? Number(envTtl) : DEFAULTS.ttlMs));
  const maxStaleMs = positive('maxStaleMs', options.maxStaleMs ?? DEFAULTS.maxStaleMs, MAX_STALE_CAP_MS);
  const maxEntries = positive('maxEntries', options.maxEntries ?? DEFAULTS.maxEntries);
  const { appId, store } = options;
  const logger = options.logger ?? createJsonLogger({ base: { component: 'iparams' } });
  const now = options.now ?? (() => performance.now());
  const cache = new Map<string, Entry>();

  function remember(installationId: string, entry: Entry): void {
    cache.delete(installationId);
    cache.set(installationId, entry);
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
  }

  async function fetch(installationId: string, entry: Entry): Promise<IparamValues> {
    try {
      const stored = await store.get(appId, installationId);
      if (!stored) throw new TesseraError('ERR_INSTALLATION_NOT_FOUND');
      entry.values = stored.document.values;
      entry.fetchedAtMs = now();
      return entry.values;
    } catch (err) {
      const ageMs = now() - entry.fetchedAtMs;
      if (err instanceof StoreError && entry.values !== undefined && ageMs <= ttlMs + maxStaleMs) {
        // Back off so a throttled SSM is not asked again by every invocation.
        entry.quietUntilMs = now() + Math.min(ttlMs, RETRY_BACKOFF_MS);
        logger.log('warn', 'iparams.refresh_failed', { installationId, code: err.code, cause: err.cause, servingStaleMs: Math.round(ageMs) });
        return entry.values;
      }
      if (entry.values === undefined) cache.delete(installationId);
      throw err;
    } finally {
      entry.pending = undefined;
    }
  }

  return {
    peek<T extends object>(installationId: string): T | undefined {
      // Only validated ids are ever cached, so a hit needs no id check.
      const entry = cache.get(installationId);
      return entry?.values !== undefined && now() - entry.fetchedAtMs < ttlMs ? (entry.values as T) : undefined;
    },
    read<T extends object>(installationId: string): Promise<T> {
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
      if (!entry) {
        entry = { fetchedAtMs: -Infinity, quietUntilMs: -Infinity };
        remember(installationId, entry);
      }
      entry.pending ??= fetch(installationId, entry);
      return entry.pending as Promise<T>;
    },
    invalidate(installationId) {
      cache.delete(installationId);
    },
    clearCache() {
      cache.clear();
    },
  };
}
