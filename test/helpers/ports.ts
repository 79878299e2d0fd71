/** Ports for test servers: free ones the OS picks, and waiting by polling, never by reading logs (the framework's own helpers). */
import { freePort } from '../../packages/offline/src/index.js';

export { freePort, isListening, waitForPort } from '../../packages/offline/src/index.js';

/**
 * One free loopback port per name, asked for at once so no two are the same; a test starts its servers on them
 * right after, and so never meets a fixed port another run (`npm start`, another clone's suite) holds.
 * @example
 * const { ssm, http } = await freePorts(['ssm', 'http']);
 */
export async function freePorts<K extends string>(names: readonly K[]): Promise<Record<K, number>> {
  const ports = await Promise.all(names.map(() => freePort()));
  return Object.fromEntries(names.map((name, i) => [name, ports[i]])) as Record<K, number>;
}
