/**
 * The SSM load model (`estimateSsmLoad`, what `tessera doctor` applies) against a simulation that drives the real
 * iparams reader on a simulated clock, and where one account reaches SSM's 40/s and 3,000/s for a given traffic.
 */
import {
  estimateSsmLoad,
  SSM_HIGH_THROUGHPUT_READS_PER_SEC,
  SSM_STANDARD_READS_PER_SEC,
  type SsmLoadInput,
} from '../packages/cli/src/ssm-load-model.js';
import { simulateSsmLoad, zipfTraffic } from './_ssm-load-simulation.js';
import { table } from './_measure.js';

interface Scenario extends SsmLoadInput {
  name: string;
}

const SCENARIOS: Scenario[] = [
  {
    name: '300 busy installations (2 req/s each), 10 instances',
    traffic: [{ installations: 300, requestsPerSec: 2 }],
    warmInstances: 10,
    ttlMs: 60_000,
  },
  {
    name: '2,000 quiet installations (1 req/min each), 10 instances',
    traffic: [{ installations: 2_000, requestsPerSec: 1 / 60 }],
    warmInstances: 10,
    ttlMs: 60_000,
  },
  { name: '2,000 installations, Zipf 300 req/s, 20 instances', traffic: zipfTraffic(2_000, 300, 1), warmInstances: 20, ttlMs: 60_000 },
  {
    name: '… + a cold start every 5 s',
    traffic: zipfTraffic(2_000, 300, 1),
    warmInstances: 20,
    ttlMs: 60_000,
    coldStartsPerSec: 0.2,
  },
  {
    name: '300 busy, instances living 20 s (a cold start every 2 s)',
    traffic: [{ installations: 300, requestsPerSec: 2 }],
    warmInstances: 10,
    ttlMs: 60_000,
    coldStartsPerSec: 0.5,
  },
  { name: 'Zipf 300 req/s, TTL 5 min', traffic: zipfTraffic(2_000, 300, 1), warmInstances: 20, ttlMs: 300_000 },
  { name: '300 busy, batches of 10', traffic: [{ installations: 300, requestsPerSec: 2 }], warmInstances: 10, ttlMs: 60_000, batchSize: 10 },
  { name: '300 busy, batches of 3', traffic: [{ installations: 300, requestsPerSec: 2 }], warmInstances: 10, ttlMs: 60_000, batchSize: 3 },
  {
    name: '1,000 at 0.1 req/s, batches of 10',
    traffic: [{ installations: 1_000, requestsPerSec: 0.1 }],
    warmInstances: 10,
    ttlMs: 60_000,
    batchSize: 10,
  },
  {
    name: '2,000 quiet, batches of 10',
    traffic: [{ installations: 2_000, requestsPerSec: 1 / 60 }],
    warmInstances: 10,
    ttlMs: 60_000,
    batchSize: 10,
  },
  { name: 'Zipf 300 req/s, batches of 10', traffic: zipfTraffic(2_000, 300, 1), warmInstances: 20, ttlMs: 60_000, batchSize: 10 },
  {
    name: '… + a cold start every 5 s',
    traffic: zipfTraffic(2_000, 300, 1),
    warmInstances: 20,
    ttlMs: 60_000,
    coldStartsPerSec: 0.2,
    batchSize: 10,
  },
];

/** The number of installations, each at `ratePerSec`, at which the model reaches `limit` (bisection). */
function installationsAt(limit: number, ratePerSec: number, base: Omit<SsmLoadInput, 'traffic'>): number {
  let lo = 1;
  let hi = 100_000_000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (estimateSsmLoad({ ...base, traffic: [{ installations: mid, requestsPerSec: ratePerSec }] }).totalReadsPerSec < limit) lo = mid;
    else hi = mid;
  }
  return lo;
}

export async function benchLoadModel(): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  const rows: (string | number)[][] = [];
  for (const [i, s] of SCENARIOS.entries()) {
    const sim = await simulateSsmLoad({ ...s, durationSec: 600, seed: 7 + i });
    const model = estimateSsmLoad(s);
    const ratio = model.totalReadsPerSec / sim.readsPerSec;
    rows.push([s.name, sim.readsPerSec.toFixed(2), sim.peakReadsPerSec, model.totalReadsPerSec.toFixed(2), `${ratio.toFixed(3)}×`]);
    result[`scenario${i}ModelOverSim`] = Number(ratio.toFixed(4));
  }
  table(
    'SSM reads/s: the model against the real reader simulated for 600 s (after one TTL of warm-up)',
    ['traffic', 'simulated', 'peak second', 'model', 'model/sim'],
    rows,
  );

  const limits: (string | number)[][] = [];
  for (const [label, base] of [
    ['TTL 60 s, 10 instances', { warmInstances: 10, ttlMs: 60_000 }],
    ['TTL 60 s, 10 instances, a cold start / 10 s', { warmInstances: 10, ttlMs: 60_000, coldStartsPerSec: 0.1 }],
    ['TTL 5 min, 10 instances', { warmInstances: 10, ttlMs: 300_000 }],
    ['TTL 60 s, 50 instances', { warmInstances: 50, ttlMs: 60_000 }],
    ['TTL 60 s, 10 instances, batches of 10', { warmInstances: 10, ttlMs: 60_000, batchSize: 10 }],
    ['TTL 5 min, 10 instances, batches of 10', { warmInstances: 10, ttlMs: 300_000, batchSize: 10 }],
  ] as const) {
    for (const rate of [0.01, 0.1, 1]) {
      const standard = installationsAt(SSM_STANDARD_READS_PER_SEC, rate, base);
      const high = installationsAt(SSM_HIGH_THROUGHPUT_READS_PER_SEC, rate, base);
      limits.push([label, `${rate} req/s`, standard.toLocaleString('en'), high.toLocaleString('en')]);
      result[`${label}|${rate}|standard`] = standard;
    }
  }
  table(
    `Installations one account carries before SSM throttles (the model; reads of every function together)`,
    ['cache', 'per installation', `at ${SSM_STANDARD_READS_PER_SEC}/s`, `at ${SSM_HIGH_THROUGHPUT_READS_PER_SEC.toLocaleString('en')}/s`],
    limits,
  );
  return result;
}
