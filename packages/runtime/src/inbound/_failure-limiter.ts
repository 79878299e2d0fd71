/** Counts failures per key in a sliding window, in bounded memory: the least recently failing key is forgotten first. */

/**
 * Options of {@link createFailureLimiter}.
 * @example
 * const options: FailureLimiterOptions = { maxFailures: 10, windowMs: 60_000, maxKeys: 10_000 };
 */
export interface FailureLimiterOptions {
  /** Failures within the window after which the key is limited. */
  maxFailures: number;
  windowMs: number;
  /** Keys remembered at most. */
  maxKeys: number;
}

/**
 * A per-key failure counter; made by {@link createFailureLimiter}.
 * @example
 * if (limiter.retryAfterMs(key, Date.now()) > 0) throw tooMany();
 */
export interface FailureLimiter {
  /** 0 when `key` may try now, else the milliseconds until its oldest counted failure leaves the window. */
  retryAfterMs(key: string, nowMs: number): number;
  recordFailure(key: string, nowMs: number): void;
  clear(key: string): void;
  /** Keys currently remembered (for tests of the memory bound). */
  readonly size: number;
}

/**
 * Creates a sliding-window failure counter holding at most `maxFailures` stamps for each of at most `maxKeys` keys.
 * @example
 * const limiter = createFailureLimiter({ maxFailures: 10, windowMs: 60_000, maxKeys: 10_000 });
 * limiter.recordFailure(userDigest, Date.now());
 */
export function createFailureLimiter(options: FailureLimiterOptions): FailureLimiter {
  const { maxFailures, windowMs, maxKeys } = options;
  // Map order is insertion order; re-inserting on every failure keeps the least recently failing key first.
  const failures = new Map<string, number[]>();

  const recent = (key: string, nowMs: number): number[] => (failures.get(key) ?? []).filter((t) => nowMs - t < windowMs);

  return {
    retryAfterMs(key, nowMs) {
      const times = recent(key, nowMs);
      if (times.length < maxFailures) return 0;
      // The window holds at most maxFailures stamps, oldest first; the key is free once that one expires.
      return (times[times.length - maxFailures] as number) + windowMs - nowMs;
    },
    recordFailure(key, nowMs) {
      const times = recent(key, nowMs);
      times.push(nowMs);
      failures.delete(key);
      failures.set(key, times.slice(-maxFailures));
      if (failures.size > maxKeys) failures.delete(failures.keys().next().value as string);
    },
    clear(key) {
      failures.delete(key);
    },
    get size() {
      return failures.size;
    },
  };
}
