/**
 * The runtime through each SSM fault, against a no-fault run of the same traffic: SSM requests (total and the most
 * per installation per second), failed invocations, p50/p99 invocation latency. The scenario is the test's.
 */
import {
  FAULT_MS,
  type FaultPlan,
  MAX_SSM_REQUESTS_PER_INSTALLATION_PER_SEC,
  maxPerInstallationPerSec,
  REQUEST_TIMEOUT_MS,
  type ScenarioRun,
  startFaultBed,
} from '../test/integration/faults/ssm-scenario.js';
import { table } from './_measure.js';

const OP = 'GetParameter';
const PLANS: FaultPlan[] = [
  { name: 'throttle 50 %', faults: [{ kind: 'throttle', operation: OP, rate: 0.5, seed: 11 }] },
  { name: 'throttle (period)', faults: [{ kind: 'throttle', operation: OP, forMs: FAULT_MS }] },
  { name: '500', faults: [{ kind: 'status', status: 500, operation: OP, forMs: FAULT_MS }] },
  { name: '503', faults: [{ kind: 'status', status: 503, operation: OP, forMs: FAULT_MS }] },
  { name: `latency ${REQUEST_TIMEOUT_MS * 4} ms (> timeout)`, faults: [{ kind: 'latency', ms: REQUEST_TIMEOUT_MS * 4, operation: OP }] },
  { name: `latency ${REQUEST_TIMEOUT_MS / 5} ms (< timeout)`, faults: [{ kind: 'latency', ms: REQUEST_TIMEOUT_MS / 5, operation: OP }] },
  { name: 'dropped connections', faults: [{ kind: 'drop', operation: OP, forMs: FAULT_MS }] },
  { name: 'outage', faults: [{ kind: 'outage', forMs: FAULT_MS }] },
];

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

interface Figures {
  invocations: number;
  attempts: number;
  reached: number;
  maxPerSec: number;
  failedWarm: number;
  failedCold: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function figures(run: ScenarioRun): Figures {
  const latencies = run.invocations.map((i) => i.latencyMs);
  return {
    invocations: run.invocations.length,
    attempts: run.attempts.length,
    reached: run.reached,
    maxPerSec: maxPerInstallationPerSec(run),
    failedWarm: run.invocations.filter((i) => !i.cold && i.status !== 200).length,
    failedCold: run.invocations.filter((i) => i.cold && i.status !== 200).length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: Math.max(...latencies),
  };
}

export async function benchSsmFaults(): Promise<Record<string, Figures>> {
  const bed = await startFaultBed();
  try {
    const baseline = figures(await bed.run(undefined));
    const rows: [string, Figures][] = [['no fault', baseline]];
    for (const plan of PLANS) rows.push([plan.name, figures(await bed.run(plan))]);
    const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '-');
    table(
      `The runtime through SSM faults: 8 installations (5 read before the fault, 3 never), steady traffic, ${FAULT_MS / 1000} s fault (virtual time), SDK timeout ${REQUEST_TIMEOUT_MS} ms, 3 attempts`,
      ['fault', 'invocations', 'SDK attempts', 'reached SSM', 'max/inst/s', 'failed (cached)', 'failed (never read)', 'p50', 'p99', 'max'],
      rows.map(([name, f]) => [
        name,
        f.invocations,
        `${f.attempts} (${ratio(f.attempts, baseline.attempts)})`,
        f.reached,
        f.maxPerSec,
        f.failedWarm,
        f.failedCold,
        `${(f.p50Ms * 1000).toFixed(0)} µs (${ratio(f.p50Ms, baseline.p50Ms)})`,
        `${(f.p99Ms * 1000).toFixed(0)} µs (${ratio(f.p99Ms, baseline.p99Ms)})`,
        `${f.maxMs.toFixed(0)} ms`,
      ]),
    );
    console.log(
      `  Stated bound: ${MAX_SSM_REQUESTS_PER_INSTALLATION_PER_SEC} SSM requests per installation per instance per second (3 attempts per read, one read per back-off).`,
    );
    return Object.fromEntries(rows);
  } finally {
    await bed.stop();
  }
}
