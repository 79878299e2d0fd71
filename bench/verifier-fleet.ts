/** A verifier fleet under a mixed load and a Redis crash: answers by code and throughput, against one process on its memory store. */
import { type Fleet, inOutage, runThroughRedisCrash, startFleet, waitUntilAccepting } from '../test/e2e/verifier-fleet/_fleet.js';
import { acceptancesByJti, countByAnswer, createMinter, MixedTokens, QueuedTokens, runLoad, type Shot } from '../test/e2e/verifier-fleet/_load.js';
import { fmt, median, table } from './_measure.js';

const VARIANTS = ['memory', 'redis-aof', 'redis-volatile'] as const;
type Variant = (typeof VARIANTS)[number];
const LABELS: Record<Variant, string> = {
  memory: '1 process, memory store (baseline)',
  'redis-aof': '2 processes, Redis, appendfsync always',
  'redis-volatile': '2 processes, Redis, no persistence',
};
const ANSWERS = ['200', '401 ERR_VERIFY_REPLAYED', '401 ERR_VERIFY_EXPIRED', '401 ERR_VERIFY_SIGNATURE', '503 ERR_REPLAY_STORE_UNAVAILABLE'];

function startVariant(variant: Variant): Promise<Fleet> {
  if (variant === 'memory') return startFleet({ store: 'memory', verifiers: 1, logs: 'silent' });
  return startFleet({ store: 'redis', verifiers: 2, persistence: variant === 'redis-aof' ? 'aof-always' : 'none', logs: 'silent' });
}

/** The baseline's one process takes both load streams, so every variant sees the same client-side work. */
const portsOf = (fleet: Fleet) => (fleet.ports.length === 1 ? [fleet.ports[0]!, fleet.ports[0]!] : fleet.ports);

/** Answers in {@link ANSWERS}'s order, then any other answer seen (a bench run must show a surprise, not hide it). */
function answerCells(shots: readonly Shot[]): string[] {
  const counts = countByAnswer(shots);
  const others = Object.entries(counts).filter(([key]) => !ANSWERS.includes(key));
  return [...ANSWERS.map((key) => String(counts[key] ?? 0)), others.map(([k, n]) => `${k}: ${n}`).join(', ') || '-'];
}

const medianAnswer = (shots: readonly Shot[]) => `${median(shots.map((s) => (s.answeredAtMs as number) - s.sentAtMs)).toFixed(1)} ms`;

const twiceAccepted = (...runs: (readonly Shot[])[]) => [...acceptancesByJti(...runs).values()].filter((n) => n > 1).length;

export async function benchVerifierFleet({ rounds = 3, requestsPerTarget = 10_000 } = {}): Promise<Record<string, number>> {
  const fleets = new Map<Variant, Fleet>();
  const rps: Record<Variant, number[]> = { memory: [], 'redis-aof': [], 'redis-volatile': [] };
  const shots: Record<Variant, Shot[]> = { memory: [], 'redis-aof': [], 'redis-volatile': [] };
  let seed = 100;
  try {
    for (const variant of VARIANTS) fleets.set(variant, await startVariant(variant));
    for (const fleet of fleets.values()) {
      await runLoad(new MixedTokens(createMinter(fleet.secret), { seed: seed++ }), { ports: portsOf(fleet), requestsPerTarget: 1_000 }); // JIT warm-up
    }
    for (let r = 0; r < rounds; r++) {
      for (const [variant, fleet] of fleets) {
        const mix = new MixedTokens(createMinter(fleet.secret), { seed: seed++ });
        const run = await runLoad(mix, { ports: portsOf(fleet), requestsPerTarget });
        rps[variant].push(run.requestsPerSec);
        shots[variant].push(...mix.shots);
      }
    }
    const base = median(rps.memory);
    table(
      `Verifier fleet, node:http on loopback, mixed load (about 70 % fresh, 15 % replays, 5 % races, 5 % expired, 5 % forged), 2 × 8 connections, ${rounds} interleaved rounds of ${2 * requestsPerTarget} requests`,
      ['fleet', 'req/s (median)', 'vs baseline', ...ANSWERS, 'other', 'accepted twice'],
      VARIANTS.map((v) => [LABELS[v], median(rps[v]).toFixed(0), fmt.x(median(rps[v]) / base), ...answerCells(shots[v]), twiceAccepted(shots[v])]),
    );

    // The crash: Redis SIGKILLed a third of the way in, restarted once 200 requests were refused for want of it.
    const fleet = fleets.get('redis-aof')!;
    const mint = createMinter(fleet.secret);
    const during = new MixedTokens(mint, { seed: seed++ });
    const { run, marks } = await runThroughRedisCrash(fleet, during, {
      requestsPerTarget,
      killAfterAnswers: Math.floor((2 * requestsPerTarget) / 3),
      outageRefusals: 200,
    });
    await waitUntilAccepting(fleet.ports, mint);
    const before = during.shots.filter((s) => s.status === 200 && (s.answeredAtMs as number) < marks.killedAtMs);
    const sweep = new QueuedTokens(before, 'replay');
    await runLoad(sweep, { ports: fleet.ports, requestsPerTarget: before.length });
    const down = inOutage(during.shots, marks);
    const stillRefused = sweep.shots.filter((s) => s.code === 'ERR_VERIFY_REPLAYED').length;
    table(
      'The same fleet (appendfsync always) with Redis SIGKILLed mid-run and restarted on its data',
      ['requests', 'req/s', 'median answer', ...ANSWERS, 'other', 'accepted twice', 'outage', 'pre-crash tokens replayed after restart, refused'],
      [
        [
          'whole run',
          run.requestsPerSec.toFixed(0),
          medianAnswer(during.shots),
          ...answerCells(during.shots),
          twiceAccepted(during.shots, sweep.shots),
          `${((marks.restartAtMs - marks.killedAtMs) / 1000).toFixed(1)} s`,
          `${stillRefused} of ${sweep.shots.length}`,
        ],
        ['sent and answered while Redis was down', '-', medianAnswer(down), ...answerCells(down), '-', '-', '-'],
      ],
    );
    return {
      baselineRps: base,
      redisAofRatio: median(rps['redis-aof']) / base,
      redisVolatileRatio: median(rps['redis-volatile']) / base,
      acceptedTwice: twiceAccepted(shots['redis-aof']) + twiceAccepted(shots['redis-volatile']) + twiceAccepted(during.shots, sweep.shots),
      outageAccepted: down.filter((s) => s.status === 200).length,
      preCrashReplaysAccepted: sweep.shots.length - stillRefused,
    };
  } finally {
    await Promise.all([...fleets.values()].map((f) => f.stop()));
  }
}
