/** Child processes for the verifier's multi-process tests: start one and wait for its port, stop it, find redis-server. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { waitForPort } from '../../../../test/helpers/ports.js';

export const REDIS_SERVER = '/usr/bin/redis-server';

/** A started child, with what it wrote to stdout and stderr (to assert that no token or secret reached its logs). */
export interface Proc {
  child: ChildProcess;
  port: number;
  output: string[];
}

/**
 * Spawns `command` and resolves once `port` accepts connections (polled, never read from the logs).
 * @example
 * const redis = await startProcess(REDIS_SERVER, ['--port', String(port)], {}, port);
 */
export async function startProcess(command: string, args: string[], env: Record<string, string>, port: number): Promise<Proc> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  await waitForPort(port, 30_000);
  return { child, port, output };
}

/**
 * Sends `signal` and resolves once the child has exited; a child already gone resolves at once.
 * @example
 * await stopProcess(redis, 'SIGKILL');
 */
export async function stopProcess(proc: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc === undefined || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise((done) => proc.child.once('exit', done));
  proc.child.kill(signal);
  await exited;
}

/** Throws, naming the fix, when Debian's redis-server is not installed. */
export function requireRedisServer(): void {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} is missing: install Debian's redis-server (node scripts/ensure-system-packages.mjs does, and npm test runs it) to run this test`,
    );
  }
}
