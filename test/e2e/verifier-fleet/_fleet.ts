/** A verifier fleet on loopback: verifier child processes on free ports, sharing one redis-server or each on its memory store. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Proc, REDIS_SERVER, requireRedisServer, startProcess, stopProcess } from '../../../packages/verify/test/integration/_processes.js';
import { freePort } from '../../helpers/ports.js';
import { type createMinter, type LoadRun, PATH, PUBLIC_ORIGIN, runLoad, type Shot, type TokenSource } from './_load.js';

const CHILD = resolve(__dirname, '_verifier-child.ts');

/**
 * `aof-always`: every `SET` is in the append-only file, fsynced, before Redis answers it, so a Redis killed and
 * restarted still holds every token id it acknowledged. `none`: memory only, a restart forgets them all.
 */
export type RedisPersistence = 'aof-always' | 'none';

export interface FleetOptions {
  /** `redis`: one shared redis-server; `memory`: each verifier on its own `MemoryReplayStore`. */
  store: 'redis' | 'memory';
  verifiers: number;
  persistence?: RedisPersistence;
  /** `silent` for the bench, so that writing log lines is not what it measures. */
  logs?: 'json' | 'silent';
}

export interface Fleet {
  readonly secret: string;
  readonly verifiers: readonly Proc[];
  readonly ports: number[];
  /** Undefined with the memory store, and between {@link Fleet.killRedis} and {@link Fleet.restartRedis}. */
  redis: Proc | undefined;
  /** SIGKILL: no shutdown save, the crash a restart must survive. Resolves once the process is gone. */
  killRedis(): Promise<void>;
  /** The same redis-server again, on the same port and data directory; resolves once it accepts connections. */
  restartRedis(): Promise<void>;
  stop(): Promise<void>;
}

function redisArgs(port: number, dir: string, persistence: RedisPersistence): string[] {
  const durable = persistence === 'aof-always' ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...durable];
}

/**
 * Starts the fleet: Redis first (with the redis store), then the verifiers at once, each on its own free port.
 * @example
 * const fleet = await startFleet({ store: 'redis', verifiers: 2, persistence: 'aof-always' });
 */
export async function startFleet({ store, verifiers, persistence = 'aof-always', logs = 'json' }: FleetOptions): Promise<Fleet> {
  const secret = randomBytes(32).toString('base64url');
  const dir = mkdtempSync(join(tmpdir(), 'tessera-fleet-'));
  let redisPort = 0;
  let redis: Proc | undefined;
  const startRedis = () => startProcess(REDIS_SERVER, redisArgs(redisPort, dir, persistence), {}, redisPort);
  if (store === 'redis') {
    requireRedisServer();
    redisPort = await freePort();
    redis = await startRedis();
  }
  const ports = await Promise.all(Array.from({ length: verifiers }, () => freePort()));
  const env = (i: number): Record<string, string> => ({
    SERVER_NAME: `verifier-${i + 1}`,
    PORT: String(ports[i]),
    REDIS_PORT: String(redisPort),
    FLEET_STORE: store,
    FLEET_LOGS: logs,
    TESSERA_SECRET: secret,
    PUBLIC_ORIGIN,
  });
  const procs = await Promise.all(ports.map((port, i) => startProcess(process.execPath, ['--import', 'tsx', CHILD], env(i), port)));
  const fleet: Fleet = {
    secret,
    verifiers: procs,
    ports,
    redis,
    async killRedis() {
      await stopProcess(fleet.redis, 'SIGKILL');
      fleet.redis = undefined;
    },
    async restartRedis() {
      fleet.redis = await startRedis();
    },
    async stop() {
      await Promise.all([...procs.map((p) => stopProcess(p)), stopProcess(fleet.redis)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fleet;
}

/** When the crash happened, in `performance.now()` milliseconds, and how many requests were refused for want of Redis. */
export interface CrashMarks {
  /** Redis was gone (its process had exited) from here. */
  killedAtMs: number;
  /** It was started again from here (no request answered before this can have reached the new process). */
  restartAtMs: number;
  outageRefusals: number;
}

/**
 * Runs `source` against the fleet, SIGKILLs Redis once `killAfterAnswers` answers are back, and starts it again once
 * `outageRefusals` requests sent after the kill were answered 503. Resolves when the load is done and Redis is up.
 * @example
 * const { marks } = await runThroughRedisCrash(fleet, mix, { requestsPerTarget: 1_500, killAfterAnswers: 600, outageRefusals: 60 });
 */
export async function runThroughRedisCrash(
  fleet: Fleet,
  source: TokenSource,
  { requestsPerTarget, killAfterAnswers, outageRefusals }: { requestsPerTarget: number; killAfterAnswers: number; outageRefusals: number },
): Promise<{ run: LoadRun; marks: CrashMarks }> {
  const marks: CrashMarks = { killedAtMs: Number.NaN, restartAtMs: Number.NaN, outageRefusals: 0 };
  let answered = 0;
  let kill: Promise<void> | undefined;
  let restart: Promise<void> | undefined;
  const run = await runLoad(source, {
    ports: fleet.ports,
    requestsPerTarget,
    onAnswer: (shot) => {
      if (++answered === killAfterAnswers) kill = fleet.killRedis().then(() => void (marks.killedAtMs = performance.now()));
      if (shot.status === 503 && shot.sentAtMs > marks.killedAtMs && ++marks.outageRefusals === outageRefusals) {
        marks.restartAtMs = performance.now();
        restart = kill?.then(() => fleet.restartRedis());
      }
    },
  });
  await kill;
  // A load too short to see the outage still leaves Redis running; the caller's assertions on the marks then fail.
  await (restart ?? fleet.restartRedis());
  return { run, marks };
}

/**
 * Polls each verifier with a fresh token until it accepts one: their Redis clients reconnect on their own.
 * @example
 * await waitUntilAccepting(fleet.ports, createMinter(fleet.secret));
 */
export async function waitUntilAccepting(ports: readonly number[], mint: ReturnType<typeof createMinter>): Promise<void> {
  for (const port of ports) {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`http://127.0.0.1:${port}${PATH}`, { headers: { authorization: `Bearer ${mint('fresh').token}` } });
      await res.arrayBuffer();
      if (res.status === 200) break;
      if (attempt === 100) throw new Error(`verifier on port ${port} still answers ${res.status} after Redis came back`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * The requests sent after Redis was gone and answered before it was started again: no answer among them can have
 * come from a Redis that holds the token.
 * @example
 * expect(inOutage(mix.shots, marks).some((s) => s.status === 200)).toBe(false);
 */
export function inOutage(shots: readonly Shot[], marks: CrashMarks): Shot[] {
  return shots.filter((s) => s.sentAtMs > marks.killedAtMs && (s.answeredAtMs ?? Infinity) <= marks.restartAtMs);
}
