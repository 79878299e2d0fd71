/**
 * A seeded simulation of an app's traffic against the real iparams reader, one reader per warm instance, on a
 * simulated clock: Poisson requests spread over installations (Zipf or uniform) and routed to a random instance,
 * cold starts replacing an instance by one with an empty cache. It counts the store requests the readers make, which
 * is what SSM's throughput quota counts.
 */
import { createIparamsReader, type InstallationDocument, type IparamStore } from '@tessera/runtime/iparams';
import { silentLogger } from '@tessera/protocol/log';
import type { SsmLoadInput, TrafficGroup } from '../packages/cli/src/ssm-load-model.js';
import { seededRandom } from '../test/helpers/seeded-random.js';

export interface SimulationInput extends SsmLoadInput {
  /** Simulated seconds measured, after a warm-up of one TTL. */
  durationSec: number;
  seed?: number;
}

export interface SimulationResult {
  readsPerSec: number;
  requests: number;
  /** The busiest simulated second's store requests. */
  peakReadsPerSec: number;
}

const DOCUMENT: InstallationDocument = {
  format: 1,
  installationId: 'sim',
  values: { server_url: 'https://acme.orders.example.com' },
  fields: {},
  installedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

/** Traffic summing to `totalPerSec` over `n` installations, Zipf with exponent `s`: one group per installation. */
export function zipfTraffic(n: number, totalPerSec: number, s: number): TrafficGroup[] {
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => ({ installations: 1, requestsPerSec: (w / sum) * totalPerSec }));
}

export async function simulateSsmLoad(input: SimulationInput): Promise<SimulationResult> {
  const { traffic, warmInstances, ttlMs, coldStartsPerSec = 0, batchSize = 1, durationSec, seed = 1 } = input;
  const requestRates = traffic.flatMap((g) => Array<number>(g.installations).fill(g.requestsPerSec));
  const random = seededRandom(seed);
  let clockMs = 0;
  let reads = 0;
  let measuring = false;
  const perSecond = new Map<number, number>();
  const count = (): void => {
    if (!measuring) return;
    reads++;
    const second = Math.floor(clockMs / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
  };
  const store: IparamStore = {
    get: async () => {
      count();
      return { document: DOCUMENT, version: 1 };
    },
    // One request for the batch, as GetParameters is one against SSM's throughput.
    getMany: async (_app, ids) => {
      count();
      return new Map(ids.map((id) => [id, { document: DOCUMENT, version: 1 }]));
    },
    put: async () => ({ version: 1 }),
    delete: async () => false,
  };
  const newInstance = () => createIparamsReader({ appId: 'sim', store, ttlMs, batchSize, now: () => clockMs, logger: silentLogger, maxEntries: 1e6 });
  const instances = Array.from({ length: warmInstances }, newInstance);
  const ids = requestRates.map((_, i) => `inst-${i}`);
  // Start in the steady state: each pair holds an entry of a uniform age with the stationary odds λT/(1 + λT);
  // started empty, every pair would read in step and the measured window would catch whole waves of reads.
  for (const reader of instances) {
    for (const [i, r] of requestRates.entries()) {
      const lambdaT = (r / warmInstances) * (ttlMs / 1000);
      if (random() >= lambdaT / (1 + lambdaT)) continue;
      clockMs = -random() * ttlMs;
      await reader.read(ids[i] as string);
    }
  }
  clockMs = 0;
  const total = requestRates.reduce((a, b) => a + b, 0);
  const cdf: number[] = [];
  let acc = 0;
  for (const r of requestRates) cdf.push((acc += r / total));
  const pick = (u: number): number => {
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const exp = (rate: number): number => (-Math.log(1 - random()) / rate) * 1000;
  const warmUpMs = ttlMs;
  const endMs = warmUpMs + durationSec * 1000;
  let nextRequestMs = exp(total);
  let nextColdMs = coldStartsPerSec > 0 ? exp(coldStartsPerSec) : Number.POSITIVE_INFINITY;
  let requests = 0;
  while (true) {
    if (nextColdMs < nextRequestMs) {
      clockMs = nextColdMs;
      instances[Math.floor(random() * warmInstances)] = newInstance();
      nextColdMs += exp(coldStartsPerSec);
      continue;
    }
    clockMs = nextRequestMs;
    if (clockMs >= endMs) break;
    measuring = clockMs >= warmUpMs;
    if (measuring) requests++;
    const reader = instances[Math.floor(random() * warmInstances)] as (typeof instances)[number];
    const id = ids[pick(random())] as string;
    if (reader.peek(id) === undefined) await reader.read(id);
    nextRequestMs += exp(total);
  }
  return { readsPerSec: reads / durationSec, requests, peakReadsPerSec: Math.max(0, ...perSecond.values()) };
}
