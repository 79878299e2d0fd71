/**
 * The SSM load model against the real iparams reader simulated on a seeded clock: the figures `tessera doctor`
 * and docs/performance.md quote hold only as long as the two agree.
 */
import { estimateSsmLoad, estimateSsmReadsPerSec, type SsmLoadInput } from '@tessera/cli';
import { simulateSsmLoad, zipfTraffic } from '../../../bench/_ssm-load-simulation.js';

const CASES: [string, SsmLoadInput][] = [
  ['busy installations', { traffic: [{ installations: 200, requestsPerSec: 2 }], warmInstances: 8, ttlMs: 60_000 }],
  ['quiet installations', { traffic: [{ installations: 1_500, requestsPerSec: 1 / 60 }], warmInstances: 8, ttlMs: 60_000 }],
  ['Zipf traffic with cold starts', { traffic: zipfTraffic(1_000, 150, 1), warmInstances: 12, ttlMs: 60_000, coldStartsPerSec: 0.2 }],
];

/** Batched reads synchronise in ways the model's Poisson waits do not: it stays within a fifth of the simulation. */
const BATCHED: [string, SsmLoadInput][] = [
  ['busy installations', { traffic: [{ installations: 200, requestsPerSec: 2 }], warmInstances: 8, ttlMs: 60_000, batchSize: 10 }],
  ['installations at 0.1 req/s', { traffic: [{ installations: 800, requestsPerSec: 0.1 }], warmInstances: 8, ttlMs: 60_000, batchSize: 10 }],
  ['Zipf traffic with cold starts', { traffic: zipfTraffic(1_000, 150, 1), warmInstances: 12, ttlMs: 60_000, coldStartsPerSec: 0.05, batchSize: 10 }],
];

describe('estimateSsmLoad', () => {
  it.each(BATCHED)('agrees with the simulated batching reader within 20%% for %s, and counts fewer reads than unbatched', async (_name, input) => {
    const sim = await simulateSsmLoad({ ...input, durationSec: 600, seed: 5 });
    const model = estimateSsmLoad(input).totalReadsPerSec;
    expect(Math.abs(model / sim.readsPerSec - 1)).toBeLessThan(0.2);
    expect(sim.readsPerSec).toBeLessThan(estimateSsmLoad({ ...input, batchSize: 1 }).totalReadsPerSec * 0.75);
  });

  it.each(CASES)('agrees with the simulated reader within 3%% for %s', async (_name, input) => {
    const sim = await simulateSsmLoad({ ...input, durationSec: 600, seed: 11 });
    const model = estimateSsmLoad(input).totalReadsPerSec;
    expect(sim.readsPerSec).toBeGreaterThan(5);
    expect(Math.abs(model / sim.readsPerSec - 1)).toBeLessThan(0.03);
  });

  it('reads C/T per busy installation and every request of a quiet one', () => {
    const busy = estimateSsmLoad({ traffic: [{ installations: 100, requestsPerSec: 1_000 }], warmInstances: 10, ttlMs: 60_000 });
    expect(busy.totalReadsPerSec).toBeCloseTo(estimateSsmReadsPerSec(100, 10, 60_000), 0);
    const quiet = estimateSsmLoad({ traffic: [{ installations: 100, requestsPerSec: 0.0001 }], warmInstances: 10, ttlMs: 60_000 });
    expect(quiet.totalReadsPerSec / (100 * 0.0001)).toBeGreaterThan(0.99);
  });

  it('counts what cold starts add apart from the warm steady state', () => {
    const input: SsmLoadInput = { traffic: [{ installations: 300, requestsPerSec: 2 }], warmInstances: 10, ttlMs: 60_000 };
    const warm = estimateSsmLoad(input);
    const cold = estimateSsmLoad({ ...input, coldStartsPerSec: 0.1 });
    expect(cold.warmReadsPerSec).toBeCloseTo(warm.totalReadsPerSec, 6);
    expect(cold.coldReadsPerSec).toBeGreaterThan(0);
    expect(cold.totalReadsPerSec).toBeCloseTo(cold.warmReadsPerSec + cold.coldReadsPerSec, 6);
  });

  it.each([
    ['no instance', { warmInstances: 0 }],
    ['a zero TTL', { ttlMs: 0 }],
    ['a batch over 10', { batchSize: 11 }],
    ['negative cold starts', { coldStartsPerSec: -1 }],
  ])('refuses %s', (_name, bad) => {
    const input = { traffic: [{ installations: 1, requestsPerSec: 1 }], warmInstances: 1, ttlMs: 60_000, ...bad };
    expect(() => estimateSsmLoad(input)).toThrow(TypeError);
  });
});
