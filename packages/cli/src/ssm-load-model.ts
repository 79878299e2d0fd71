/**
 * How many SSM reads per second an app's iparams caches cause, from its traffic: the model `tessera doctor` applies
 * and `npm run bench -- load-model` checks against a simulation. Each warm instance keeps its own cache, and an
 * entry, once stale, is read again at the next request for that installation on that instance.
 */

/** SSM's default read throughput per account and region (GetParameter, GetParameters, GetParametersByPath). */
export const SSM_STANDARD_READS_PER_SEC = 40;
/** With the account's higher-throughput setting (paid per request). */
export const SSM_HIGH_THROUGHPUT_READS_PER_SEC = 3_000;
/** GetParameters takes at most this many names, and counts as one request against the throughput. */
export const SSM_MAX_NAMES_PER_READ = 10;

/** Installations that each receive the same traffic. */
export interface TrafficGroup {
  installations: number;
  /** Requests per second of each of them. */
  requestsPerSec: number;
}

/**
 * What the model takes.
 * @example
 * const input: SsmLoadInput = { traffic: [{ installations: 1_200, requestsPerSec: 0.5 }], warmInstances: 10, ttlMs: 60_000 };
 */
export interface SsmLoadInput {
  /** The app's traffic, by groups of installations of equal traffic. */
  traffic: readonly TrafficGroup[];
  /** Warm instances sharing the traffic (of every function of the app that reads iparams, together). */
  warmInstances: number;
  /** The iparams cache TTL in ms (`TESSERA_IPARAMS_TTL_MS`, default 60,000). */
  ttlMs: number;
  /** New instances per second, each with an empty cache. Default 0. */
  coldStartsPerSec?: number;
  /**
   * Installations read in one GetParameters (`TESSERA_IPARAMS_BATCH_SIZE`), 1 to 10. Default 1. Above 1 an
   * instance's read also refreshes up to this many − 1 other cached installations in their last quarter of the TTL.
   */
  batchSize?: number;
}

/** The model's answer, in SSM requests per second. */
export interface SsmLoadEstimate {
  /** Steady state of the warm instances' caches. */
  warmReadsPerSec: number;
  /** What cold starts add: a new instance starts every pair's read cycle over, with an empty cache. */
  coldReadsPerSec: number;
  totalReadsPerSec: number;
}

/** Share of the TTL at whose end a cached entry joins another installation's batched read. */
export const BATCH_REFRESH_AHEAD_SHARE = 0.25;

/**
 * Reads per second, installation by installation. Requests of an installation reach each of the C instances at
 * rate λ = r/C; after each read the entry is fresh for T, then waits on average 1/λ for its next request, so one
 * (instance, installation) pair reads λ/(1 + λT) times per second: r for a quiet installation (every request a
 * miss), C/T for a busy one. Cold starts at rate S give each instance a lifetime of mean C/S (μ = S/C per instance);
 * over a lifetime a pair reads a/(1 − e^(−μT)·a) times, a = λ/(λ + μ) (a read at the first request, then one per
 * cycle of T plus a wait, each counted while the instance lives), which tends to λ/(1 + λT) per second as S → 0.
 * A batch of B shares one request among the pairs of an instance that come due within the last quarter of the TTL,
 * so an instance whose pairs read at rate ρ in total makes about ρ/min(B, 1 + ρ·T/4) requests.
 * @example
 * estimateSsmLoad({ traffic: [{ installations: 1_200, requestsPerSec: 1 }], warmInstances: 1, ttlMs: 60_000 }).totalReadsPerSec; // ≈ 19.7
 */
export function estimateSsmLoad(input: SsmLoadInput): SsmLoadEstimate {
  const { traffic, warmInstances: c, ttlMs, coldStartsPerSec = 0, batchSize = 1 } = input;
  if (!(c >= 1) || !(ttlMs > 0) || !(coldStartsPerSec >= 0) || !(batchSize >= 1 && batchSize <= SSM_MAX_NAMES_PER_READ)) {
    throw new TypeError('estimateSsmLoad: warmInstances ≥ 1, ttlMs > 0, coldStartsPerSec ≥ 0, batchSize 1 to 10');
  }
  const t = ttlMs / 1000;
  const mu = coldStartsPerSec / c;
  let warm = 0;
  let total = 0;
  for (const { installations: n, requestsPerSec: r } of traffic) {
    if (!(r > 0) || !(n > 0)) continue;
    const lambda = r / c;
    const steady = (c * lambda) / (1 + lambda * t);
    const a = lambda / (lambda + mu);
    warm += n * steady;
    total += n * (mu > 0 ? (c * mu * a) / (1 - Math.exp(-mu * t) * a) : steady);
  }
  const sharing = batchSize === 1 ? 1 : Math.min(batchSize, 1 + (total / c) * t * BATCH_REFRESH_AHEAD_SHARE);
  return { warmReadsPerSec: warm / sharing, coldReadsPerSec: (total - warm) / sharing, totalReadsPerSec: total / sharing };
}

/**
 * The upper bound for busy installations, which `tessera doctor` reports: each warm instance re-reads each
 * installation it serves once per TTL, ÷ the batch size when reads are batched.
 * @example
 * estimateSsmReadsPerSec(1_200, 1, 60_000); // 20
 */
export function estimateSsmReadsPerSec(installations: number, instancesPerInstallation: number, ttlMs: number, batchSize = 1): number {
  return (installations * instancesPerInstallation) / (ttlMs / 1000) / batchSize;
}
