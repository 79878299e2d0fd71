/** The fault table of one local SSM endpoint: which faults are live on its clock, and what each request meets. */
import { AwsFault } from './_ssm-wire.js';
import { checkSsmFault, SSM_FAULT_STATUS_TYPES, type SsmFault, type SsmLocalFaults } from './ssm-local-faults.js';

/** What a request meets: a delay, then an AWS error, a dropped connection, or the normal answer. */
export interface FaultDecision {
  delayMs: number;
  answer: AwsFault | 'drop' | undefined;
}

/** A small seeded generator (xorshift32): the same seed gives the same draws, so a faulted run repeats. */
function seeded(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

interface ActiveFault {
  fault: SsmFault;
  endsAtMs: number;
  remaining: number;
  draw: () => number;
}

/**
 * The fault table of one endpoint, on its clock: what a request meets, and whether an outage refuses it outright.
 * @example
 * const table = createFaultTable(SSM_LOCAL_OPERATIONS, () => performance.now());
 */
export function createFaultTable(
  operations: readonly string[],
  now: () => number,
): SsmLocalFaults & { decide(op: string): FaultDecision; refusing(): boolean } {
  let faults: ActiveFault[] = [];
  const live = (): ActiveFault[] => {
    const t = now();
    faults = faults.filter((a) => a.remaining > 0 && t < a.endsAtMs);
    return faults;
  };
  const activate = (fault: SsmFault): ActiveFault => {
    const f = checkSsmFault(fault, operations);
    return {
      fault: { ...f },
      endsAtMs: f.forMs === undefined ? Infinity : now() + f.forMs,
      remaining: f.count ?? Infinity,
      draw: seeded(f.seed ?? 1),
    };
  };
  return {
    set(...list) {
      faults = list.map(activate);
    },
    add(fault) {
      faults = [...live(), activate(fault)];
    },
    clear() {
      faults = [];
    },
    active: () => live().map((a) => ({ ...a.fault })),
    refusing: () => live().some((a) => a.fault.kind === 'outage'),
    decide(op) {
      let delayMs = 0;
      for (const a of live()) {
        const f = a.fault;
        if (f.kind === 'outage' || (f.operation !== undefined && f.operation !== op)) continue;
        if (f.rate !== undefined && f.rate < 1 && a.draw() >= f.rate) continue;
        a.remaining -= 1;
        if (f.kind === 'latency') {
          delayMs += f.ms;
          continue;
        }
        if (f.kind === 'drop') return { delayMs, answer: 'drop' };
        if (f.kind === 'throttle') return { delayMs, answer: new AwsFault('ThrottlingException', 'Rate exceeded') };
        if (f.kind === 'status') return { delayMs, answer: new AwsFault(SSM_FAULT_STATUS_TYPES[f.status], 'Injected server fault', f.status) };
        return { delayMs, answer: new AwsFault(f.errorType, f.errorType === 'ThrottlingException' ? 'Rate exceeded' : `Injected ${f.errorType}`) };
      }
      return { delayMs, answer: undefined };
    },
  };
}
