/** A verifier fleet on loopback: verifier child processes on free ports, sharing one redis-server or each on its memory store. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Proc, REDIS_SERVER, requireRedisServer, startProcess, stopProcess } from '../../../packages/verify/test/integration/_processes.js';
import { freePort } from '../../helpers/ports.js';
import { PUBLIC_ORIGIN } from './_load.js';

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
