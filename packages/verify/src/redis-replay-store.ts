/** Replay protection shared by a verifier fleet: one atomic `SET key 1 EXAT <exp> NX` per token on Redis. */
import { mergeOptions } from '@tessera/protocol';
import { StoreError } from '@tessera/protocol/errors';
import type { ReplayStore } from './replay-store.js';

/**
 * The one Redis command the store sends, typed structurally so `tessera/verify` never loads ioredis itself: an
 * ioredis `Redis` or `Cluster` instance (ioredis ≥ 5) satisfies it, and so does any client with the same `set`.
 */
export interface RedisSetClient {
  set(key: string, value: string, unixTimeSecondsToken: 'EXAT', unixTimeSeconds: number, nx: 'NX'): Promise<'OK' | null>;
}

/** Options of {@link RedisReplayStore}. */
export interface RedisReplayStoreOptions {
  /**
   * A connected client, owned by the caller (the store never closes it). Give it an `error` listener, and for a
   * fast 503 while Redis is down, `maxRetriesPerRequest: 1` (ioredis otherwise queues commands while reconnecting).
   */
  client: RedisSetClient;
  /** Prefix of every key, so the store can share a database. Default `tessera:replay:`; at most 128 characters. */
  keyPrefix?: string;
  /**
   * Longest wait for one `SET`, in milliseconds; past it the request fails closed with 503
   * `ERR_REPLAY_STORE_UNAVAILABLE`. Default 1,000, from 1 to 30,000.
   */
  timeoutMs?: number;
}

const DEFAULTS = {
  keyPrefix: 'tessera:replay:',
  timeoutMs: 1_000,
} as const satisfies Required<Omit<RedisReplayStoreOptions, 'client'>>;
const OPTION_KEYS: ReadonlySet<string> = new Set(['client', ...Object.keys(DEFAULTS)]);

const MAX_PREFIX_CHARS = 128;
const MAX_TIMEOUT_MS = 30_000;

function unavailable(cause: string): StoreError {
  // The cause is one of this file's fixed phrases plus an error class or code: never a key, host or reply.
  return new StoreError('ERR_REPLAY_STORE_UNAVAILABLE', { cause });
}

/** The error's class name and, for socket errors, its code (e.g. `ECONNREFUSED`): what tells an operator why. */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return 'non-error rejection';
  const code = (err as { code?: unknown }).code;
  const name = /^\w{1,64}$/.test(err.name) ? err.name : 'Error';
  return typeof code === 'string' && /^[A-Z_]{1,32}$/.test(code) ? `${name} ${code}` : name;
}

/**
 * A {@link ReplayStore} on Redis, for a fleet of verifiers that must agree on which tokens were seen. Each
 * `remember` is one `SET <prefix><iss>:<jti> 1 EXAT <expiresAtSec> NX`: atomic, so of two servers racing on one
 * token exactly one is told it is fresh, and Redis drops the key when the token has expired. A failure, a timeout or
 * an unexpected reply rejects with `ERR_REPLAY_STORE_UNAVAILABLE`, which the verifier answers with 503: never
 * "not seen". Expiry follows the Redis server's clock.
 * @example
 * import Redis from 'ioredis';
 * const client = new Redis(process.env.TESSERA_REDIS_URL!, { maxRetriesPerRequest: 1 });
 * client.on('error', (err) => logger.log('warn', 'redis.error', { name: err.name }));
 * const verifier = createVerifier({ ...options, replayStore: new RedisReplayStore({ client }) });
 */
export class RedisReplayStore implements ReplayStore {
  readonly #client: RedisSetClient;
  readonly #keyPrefix: string;
  readonly #timeoutMs: number;

  constructor(options: RedisReplayStoreOptions) {
    const merged = mergeOptions('RedisReplayStore', options, OPTION_KEYS, DEFAULTS) as Required<RedisReplayStoreOptions>;
    if (typeof merged.client?.set !== 'function') {
      throw new TypeError('RedisReplayStore: option "client" must be a Redis client with set(), e.g. an ioredis instance');
    }
    if (typeof merged.keyPrefix !== 'string' || merged.keyPrefix.length > MAX_PREFIX_CHARS) {
      throw new TypeError(`RedisReplayStore: option "keyPrefix" must be a string of at most ${MAX_PREFIX_CHARS} characters`);
    }
    if (!Number.isSafeInteger(merged.timeoutMs) || merged.timeoutMs < 1 || merged.timeoutMs > MAX_TIMEOUT_MS) {
      throw new TypeError(`RedisReplayStore: option "timeoutMs" must be an integer of milliseconds from 1 to ${MAX_TIMEOUT_MS}`);
    }
    this.#client = merged.client;
    this.#keyPrefix = merged.keyPrefix;
    this.#timeoutMs = merged.timeoutMs;
  }

  /**
   * Records `key` until `expiresAtSec` (rounded up to a whole second for `EXAT`); resolves `false` when it is live.
   * @example
   * if (!(await store.remember('order-lookup:3q2-7wE…', 1_900_000_035))) refuse();
   */
  remember(key: string, expiresAtSec: number): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(unavailable(`redis SET timed out after ${this.#timeoutMs} ms`)), this.#timeoutMs);
      let reply: Promise<unknown>;
      try {
        reply = this.#client.set(this.#keyPrefix + key, '1', 'EXAT', Math.ceil(expiresAtSec), 'NX');
      } catch (err) {
        clearTimeout(timer);
        reject(unavailable(`redis SET threw ${describe(err)}`));
        return;
      }
      // A reply after the timeout is ignored: the request already failed closed.
      Promise.resolve(reply).then(
        (answer) => {
          clearTimeout(timer);
          if (answer === 'OK') resolve(true);
          else if (answer === null) resolve(false);
          else reject(unavailable('redis SET gave an unexpected reply'));
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(unavailable(`redis SET failed: ${describe(err)}`));
        },
      );
    });
  }
}
