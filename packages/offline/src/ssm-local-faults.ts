/** Fault injection for the local SSM endpoint: the fault shapes, their checks, the `--fault` spec and the decisions. */
import { assertKnownOptions } from '@tessera/protocol';

/**
 * Which requests a fault applies to, and for how long. Every field is optional.
 * @example
 * const scope: SsmFaultScope = { operation: 'GetParameter', rate: 0.5, forMs: 10_000, seed: 7 };
 */
export interface SsmFaultScope {
  /** One operation (`GetParameter`, …) or, when absent, every operation. */
  operation?: string;
  /** Share of matching requests hit, from 0 (exclusive) to 1; drawn from a generator seeded by `seed`. Default 1. */
  rate?: number;
  /** Ends this many ms after it is set (on the endpoint's clock). Default: until cleared. */
  forMs?: number;
  /** Ends after hitting this many requests. Default: no limit. */
  count?: number;
  /** Seed of the generator `rate` draws from, so a run repeats. Default 1. */
  seed?: number;
}

/**
 * One fault. `throttle` answers `ThrottlingException` (400), `status` a server fault (500 `InternalServerError`,
 * 503 `ServiceUnavailable`), `error` any AWS error type, `latency` delays the answer by `ms` (it combines with the
 * others), `drop` destroys the connection without an answer, and `outage` closes the connection of every SSM request before
 * reading it, as a host that is down would (the faults route stays up, so `DELETE /_tessera/faults` ends one).
 * @example
 * server.faults.set({ kind: 'throttle', rate: 0.5 }, { kind: 'latency', ms: 200 });
 */
export type SsmFault =
  | ({ kind: 'throttle' } & SsmFaultScope)
  | ({ kind: 'status'; status: 500 | 503 } & SsmFaultScope)
  | ({ kind: 'error'; errorType: string } & SsmFaultScope)
  | ({ kind: 'latency'; ms: number } & SsmFaultScope)
  | ({ kind: 'drop' } & SsmFaultScope)
  | { kind: 'outage'; forMs?: number; operation?: never; rate?: never; count?: never; seed?: never };

/**
 * The faults of a running endpoint, changed at run time by its API or by `PUT /_tessera/faults`.
 * @example
 * server.faults.set({ kind: 'status', status: 503, forMs: 5_000 });
 * server.faults.clear();
 */
export interface SsmLocalFaults {
  /** Replaces the active faults with these; each is checked first (`TypeError` naming the field). */
  set(...faults: SsmFault[]): void;
  /** Adds one fault after the active ones. */
  add(fault: SsmFault): void;
  /** Removes every fault. */
  clear(): void;
  /** The active faults as they were given (expired ones left out). */
  active(): SsmFault[];
}

const KINDS = ['throttle', 'status', 'error', 'latency', 'drop', 'outage'] as const;
const SCOPE_KEYS = ['kind', 'operation', 'rate', 'forMs', 'count', 'seed'];
const KIND_KEYS: Record<SsmFault['kind'], readonly string[]> = {
  throttle: SCOPE_KEYS,
  status: [...SCOPE_KEYS, 'status'],
  error: [...SCOPE_KEYS, 'errorType'],
  latency: [...SCOPE_KEYS, 'ms'],
  drop: SCOPE_KEYS,
  outage: ['kind', 'forMs'],
};
const MAX_LATENCY_MS = 600_000;
/**
 * The AWS error type each `status` fault answers.
 * @example
 * SSM_FAULT_STATUS_TYPES[503]; // 'ServiceUnavailable'
 */
export const SSM_FAULT_STATUS_TYPES = { 500: 'InternalServerError', 503: 'ServiceUnavailable' } as const;

function isWhole(value: unknown, min: number, max: number): value is number {
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}

/**
 * Checks one fault as the API, the CLI and the HTTP route receive it; a bad one throws `TypeError` naming the field.
 * @example
 * checkSsmFault({ kind: 'latency', ms: 250 }, ['GetParameter']);
 */
export function checkSsmFault(fault: unknown, operations: readonly string[]): SsmFault {
  const kind = (fault as { kind?: unknown } | null)?.kind;
  if (!KINDS.includes(kind as SsmFault['kind'])) throw new TypeError(`ssm-local fault: "kind" must be one of ${KINDS.join(', ')}`);
  const f = fault as SsmFault & Record<string, unknown>;
  assertKnownOptions(`ssm-local fault "${f.kind}"`, f, new Set(KIND_KEYS[f.kind]));
  const bad = (field: string, rule: string): never => {
    throw new TypeError(`ssm-local fault "${f.kind}": "${field}" ${rule}`);
  };
  if (f.operation !== undefined && !operations.includes(f.operation)) bad('operation', `must be one of ${operations.join(', ')}`);
  if (f.rate !== undefined && !(typeof f.rate === 'number' && f.rate > 0 && f.rate <= 1)) bad('rate', 'must be a number above 0, at most 1');
  if (f.forMs !== undefined && !isWhole(f.forMs, 1, 86_400_000)) bad('forMs', 'must be a whole number of ms from 1 to 86,400,000');
  if (f.count !== undefined && !isWhole(f.count, 1, Number.MAX_SAFE_INTEGER)) bad('count', 'must be a positive integer');
  if (f.seed !== undefined && !isWhole(f.seed, 0, 0xffff_ffff)) bad('seed', 'must be an integer from 0 to 4294967295');
  if (f.kind === 'status' && !Object.hasOwn(SSM_FAULT_STATUS_TYPES, f.status)) bad('status', 'must be 500 or 503');
  if (f.kind === 'error' && !(typeof f.errorType === 'string' && /^[A-Za-z][A-Za-z0-9]{0,99}$/.test(f.errorType))) {
    bad('errorType', 'must be an AWS error name such as "ThrottlingException"');
  }
  if (f.kind === 'latency' && !isWhole(f.ms, 1, MAX_LATENCY_MS)) bad('ms', `must be a whole number of ms from 1 to ${MAX_LATENCY_MS}`);
  return f;
}

/** The value after `kind:` in a `--fault` spec, by kind. */
const SHORTHAND: Record<SsmFault['kind'], string | undefined> = {
  throttle: 'rate',
  status: 'status',
  error: 'errorType',
  latency: 'ms',
  drop: 'rate',
  outage: 'forMs',
};
const SPEC_KEYS: Record<string, string> = { op: 'operation', rate: 'rate', for: 'forMs', count: 'count', seed: 'seed' };

/**
 * Parses the `--fault` flag of `tessera ssm-local`: faults joined by `+`, each `kind[:value][,key=value…]` where the
 * value is the kind's main field (throttle and drop: rate; status: 500 or 503; error: the AWS type; latency: ms;
 * outage: for) and the keys are `op`, `rate`, `for` (ms), `count` and `seed`.
 * @example
 * parseSsmFaults('throttle:0.5,op=GetParameter+latency:200', ['GetParameter']);
 */
export function parseSsmFaults(spec: string, operations: readonly string[]): SsmFault[] {
  return spec.split('+').map((one) => {
    const [head = '', ...pairs] = one.trim().split(',');
    const [kind = '', value] = head.split(':');
    const fault: Record<string, unknown> = { kind };
    const put = (key: string, raw: string): void => {
      fault[key] = key === 'operation' || key === 'errorType' ? raw : /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
    };
    const main = SHORTHAND[kind as SsmFault['kind']];
    if (value !== undefined) {
      if (!main) throw new TypeError(`ssm-local fault "${kind}": takes no value after ":"`);
      put(main, value);
    }
    for (const pair of pairs) {
      const [key = '', raw = ''] = pair.split('=');
      const field = SPEC_KEYS[key];
      if (!field) throw new TypeError(`ssm-local fault "${kind}": unknown key "${key}"; one of ${Object.keys(SPEC_KEYS).join(', ')}`);
      put(field, raw);
    }
    return checkSsmFault(fault, operations);
  });
}
