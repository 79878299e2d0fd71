/**
 * How many SSM reads per second an app's iparams caches cause, from its traffic: the model `tessera doctor` applies
 * and `npm run bench -- load-model` checks against a simulation. Each warm instance keeps its own cache, and an
 * entry, once stale, is read again at the next request for that installation on that instance.
 */
import { IPARAMS_BATCH_REFRESH_AHEAD_SHARE, MAX_INSTALLATIONS_PER_READ } from '@tessera/runtime/iparams';

/** SSM's default read throughput per account and region (GetParameter, GetParameters, GetParametersByPath). */
export const SSM_STANDARD_READS_PER_SEC = 40;
/** With the account's higher-throughput setting (paid per request). */
export const SSM_HIGH_THROUGHPUT_READS_PER_SEC = 3_000;

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

/** Per instance: each (instance, installation) pair's store requests per second when batched reads refresh a due
 * entry at rate `pick`, and the refreshes riders take. */
function batchedPairs(groups: readonly { n: number; lambda: number }[], t: number, pick: number): { requests: number; rides: number } {
  const w = IPARAMS_BATCH_REFRESH_AHEAD_SHARE;
  let requests = 0;
  let rides = 0;
  for (const { n, lambda } of groups) {
    // After a refresh the entry is fresh for T and due from (1 − w)T; another read takes it along at rate `pick`.
    const missedRide = Math.exp(-pick * w * t);
    const waitDue = pick > 0 ? (1 - missedRide) / pick : w * t;
    const cycle = (1 - w) * t + waitDue + missedRide / (lambda + pick);
    // Once stale, its own next request (a read of its own) or a ride, whichever comes first, ends the cycle.
    const own = (missedRide * lambda) / (lambda + pick);
    requests += (n * own) / cycle;
    rides += (n * (1 - own)) / cycle;
  }
  return { requests, rides };
}

/**
 * Reads per second, installation by installation. Requests of an installation reach each of the C instances at
 * rate λ = r/C; after each read the entry is fresh for T, then waits on average 1/λ for its next request, so one
 * (instance, installation) pair reads λ/(1 + λT) times per second: r for a quiet installation (every request a
 * miss), C/T for a busy one. Cold starts at rate S give each instance a lifetime of mean C/S (μ = S/C per instance);
 * over a lifetime a pair reads a/(1 − e^(−μT)·a) times, a = λ/(λ + μ) (a read at the first request, then one per
 * cycle of T plus a wait, each counted while the instance lives), which tends to λ/(1 + λT) per second as S → 0.
 *
 * Batched (B > 1), per instance: an entry due (in its TTL's last quarter) rides along with the instance's next read
 * at rate p; its cycle ends with a ride or, once stale, with its own next request. p is the largest rate the reads
 * carry: at most the instance's read rate R, and rides at most B − 1 per read (bisection; R falls as p rises). A cold instance has nothing cached to carry: for its first three quarters of a TTL each pair it meets
 * is a read of its own, 1 − e^(−λ·3T/4) of them, in place of the R·3T/4 reads a warm one makes meanwhile.
 * @example
 * estimateSsmLoad({ traffic: [{ installations: 1_200, requestsPerSec: 1 }], warmInstances: 1, ttlMs: 60_000 }).totalReadsPerSec; // ≈ 19.7
 */
export function estimateSsmLoad(input: SsmLoadInput): SsmLoadEstimate {
  const { traffic, warmInstances: c, ttlMs, coldStartsPerSec = 0, batchSize = 1 } = input;
  if (!(c >= 1) || !(ttlMs > 0) || !(coldStartsPerSec >= 0) || !(batchSize >= 1 && batchSize <= MAX_INSTALLATIONS_PER_READ)) {
    throw new TypeError('estimateSsmLoad: warmInstances ≥ 1, ttlMs > 0, coldStartsPerSec ≥ 0, batchSize 1 to 10');
  }
  const t = ttlMs / 1000;
  const mu = coldStartsPerSec / c;
  const groups = traffic
    .filter((g) => g.requestsPerSec > 0 && g.installations > 0)
    .map((g) => ({ n: g.installations, lambda: g.requestsPerSec / c }));
  if (batchSize === 1) {
    let warm = 0;
    let total = 0;
    for (const { n, lambda } of groups) {
      const steady = (c * lambda) / (1 + lambda * t);
      const a = lambda / (lambda + mu);
      warm += n * steady;
      total += n * (mu > 0 ? (c * mu * a) / (1 - Math.exp(-mu * t) * a) : steady);
    }
    return { warmReadsPerSec: warm, coldReadsPerSec: total - warm, totalReadsPerSec: total };
  }
  // The largest ride rate p the instance's reads can carry: p ≤ R, and rides ≤ (B − 1)·R (R falls as p rises).
  const carried = (p: number): boolean => {
    const { requests, rides } = batchedPairs(groups, t, p);
    return p <= requests && rides <= (batchSize - 1) * requests;
  };
  let lo = 0;
  let hi = groups.reduce((sum, { n, lambda }) => sum + n * lambda, 0) + 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (carried(mid)) lo = mid;
    else hi = mid;
  }
  const perInstance = batchedPairs(groups, t, lo);
  const warmReadsPerSec = c * perInstance.requests;
  const coldPairs = groups.reduce((sum, { n, lambda }) => sum + n * (1 - Math.exp(-lambda * (1 - IPARAMS_BATCH_REFRESH_AHEAD_SHARE) * t)), 0);
  const coldReadsPerSec = coldStartsPerSec * Math.max(0, coldPairs - perInstance.requests * (1 - IPARAMS_BATCH_REFRESH_AHEAD_SHARE) * t);
  return { warmReadsPerSec, coldReadsPerSec, totalReadsPerSec: warmReadsPerSec + coldReadsPerSec };
}

/**
 * The upper bound for busy installations, which `tessera doctor` reports: each warm instance re-reads each
 * installation it serves once per TTL; batched, the model's figure for installations that busy.
 * @example
 * estimateSsmReadsPerSec(1_200, 1, 60_000); // 20
 */
export function estimateSsmReadsPerSec(installations: number, instancesPerInstallation: number, ttlMs: number, batchSize = 1): number {
  const unbatched = (installations * instancesPerInstallation) / (ttlMs / 1000);
  if (batchSize === 1) return unbatched;
  // A request every 1/100 of a TTL on each instance: as busy as it gets.
  const busy = (100 * instancesPerInstallation) / (ttlMs / 1000);
  return estimateSsmLoad({ traffic: [{ installations, requestsPerSec: busy }], warmInstances: instancesPerInstallation, ttlMs, batchSize })
    .totalReadsPerSec;
}
