/** Replay protection: the `ReplayStore` seam and its bounded in-memory implementation. */
import { mergeOptions } from '@tessera/protocol';
import { StoreError } from '@tessera/protocol/errors';

/**
 * Remembers token ids until they expire. Share one across a verifier fleet (e.g. Redis `SET key 1 NX EXAT`).
 * @example
 * const fresh = await store.remember('order-lookup:3q2-7wE…', 1_900_000_035);
 * if (!fresh) refuse();
 */
export interface ReplayStore {
  /**
   * Records `key` until `expiresAtSec` (epoch seconds). Resolves `false` when the key is already live, `true` when
   * it was recorded. Rejects when the key cannot be recorded; the verifier then fails closed with a 503. The string
   * `cause` of a rejecting `StoreError` is logged as the refusal's reason, so it must name no key, host or value.
   */
  remember(key: string, expiresAtSec: number): Promise<boolean>;
  /**
   * Optional synchronous form of {@link ReplayStore.remember} for stores that answer from memory: same answers,
   * but returns the boolean and throws instead of rejecting. When present the verifier calls it instead of
   * `remember`, which saves the promise hops on every request. Shared stores leave it out.
   */
  rememberSync?(key: string, expiresAtSec: number): boolean;
}

/** Options of {@link MemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /**
   * Most live entries held; when full of live entries `remember` rejects with `ERR_REPLAY_STORE_FULL`.
   * Default 1,000,000. An entry lives until the token's `exp` plus the clock tolerance (about 35 s for the signer's
   * 30 s tokens, at most 70 s with the verifier's default caps), so the default holds about 28,000 requests per
   * second of 30 s tokens, more than one process verifies. Each entry costs about 100 bytes of heap with a 13-character
   * issuer (measured on Node 20: a 35-character one-byte key string of 56 bytes plus the Map's slots), one more per
   * extra issuer character: about 100 MB when full, about 11 MB at a steady 3,000 requests per second.
   */
  maxEntries?: number;
  /** Clock in epoch milliseconds. Default `Date.now`. */
  now?: () => number;
}

const DEFAULTS = {
  maxEntries: 1_000_000,
  now: Date.now,
} as const satisfies Required<MemoryReplayStoreOptions>;
const OPTION_KEYS: ReadonlySet<string> = new Set(Object.keys(DEFAULTS));

/**
 * A single-process replay store with a hard size cap. It purges expired entries and never evicts a live one:
 * evicting would let that token be replayed.
 * @example
 * const verifier = createVerifier({ ...options, replayStore: new MemoryReplayStore({ maxEntries: 10_000 }) });
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #entries = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** A lower bound of every held expiry: until then a full scan cannot free anything. */
  #earliestExpirySec = Infinity;
  /** When the expired head was last dropped: once a second is enough, and saves an iterator per request. */
  #frontSweptAtSec = -Infinity;

  constructor(options: MemoryReplayStoreOptions = {}) {
    const merged = mergeOptions('MemoryReplayStore', options, OPTION_KEYS, DEFAULTS);
    if (!Number.isSafeInteger(merged.maxEntries) || merged.maxEntries < 1) {
      throw new TypeError('MemoryReplayStore: option "maxEntries" must be a positive integer');
    }
    if (typeof merged.now !== 'function') throw new TypeError('MemoryReplayStore: option "now" must be a function');
    this.#maxEntries = merged.maxEntries;
    this.#now = merged.now;
  }

  /** Number of entries held, expired ones not yet purged included. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Records `key` until `expiresAtSec`; resolves `false` when it is already live.
   * @example
   * if (!(await store.remember('order-lookup:3q2-7wE…', 1_900_000_035))) refuse();
   */
  async remember(key: string, expiresAtSec: number): Promise<boolean> {
    return this.rememberSync(key, expiresAtSec);
  }

  /**
   * {@link MemoryReplayStore.remember} without the promise: the verifier uses it so a request it accepts never waits
   * on a microtask. Throws a `StoreError` (`ERR_REPLAY_STORE_FULL`) when full of live entries.
   * @example
   * if (!store.rememberSync('order-lookup:3q2-7wE…', 1_900_000_035)) refuse();
   */
  rememberSync(key: string, expiresAtSec: number): boolean {
    const nowSec = this.#now() / 1000;
    const held = this.#entries.get(key);
    if (held !== undefined) {
      if (held > nowSec) return false;
      this.#entries.delete(key);
    }
    // A full store always sweeps first, so an entry that expired is never counted against the cap.
    if (nowSec >= this.#frontSweptAtSec + 1 || nowSec < this.#frontSweptAtSec || this.#entries.size >= this.#maxEntries) {
      this.#sweepFront(nowSec);
      this.#frontSweptAtSec = nowSec;
    }
    if (this.#entries.size >= this.#maxEntries) this.#sweepAll(nowSec);
    if (this.#entries.size >= this.#maxEntries) {
      throw new StoreError('ERR_REPLAY_STORE_FULL', { cause: `memory replay store holds ${this.#maxEntries} live entries` });
    }
    this.#entries.set(key, expiresAtSec);
    if (expiresAtSec < this.#earliestExpirySec) this.#earliestExpirySec = expiresAtSec;
    return true;
  }

  /** Tokens mostly share one lifetime, so insertion order is close to expiry order: drop the expired head cheaply. */
  #sweepFront(nowSec: number): void {
    for (const [key, expiresAtSec] of this.#entries) {
      if (expiresAtSec > nowSec) return;
      this.#entries.delete(key);
    }
  }

  /** Full scan, only when one can free something, so a store full of live entries is not rescanned per request. */
  #sweepAll(nowSec: number): void {
    if (nowSec < this.#earliestExpirySec) return;
    let earliest = Infinity;
    for (const [key, expiresAtSec] of this.#entries) {
      if (expiresAtSec <= nowSec) this.#entries.delete(key);
      else if (expiresAtSec < earliest) earliest = expiresAtSec;
    }
    this.#earliestExpirySec = earliest;
  }
}
