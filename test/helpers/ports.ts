/** Ports for test servers: free ones the OS picks, and waiting by polling, never by reading logs (the framework's own helpers). */
import { freePort } from '../../packages/offline/src/index.js';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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

/** A test server listening on a loopback port the OS picked. */
export interface LoopbackServer {
  url: string;
  port: number;
  /** Ends open connections too, so keep-alive clients cannot hold the close. */
  close(): Promise<void>;
}

/**
 * Starts `server` on 127.0.0.1 port 0.
 * @example
 * const { url, close } = await listenOnLoopback(createServer(handler));
 */
export async function listenOnLoopback(server: Server): Promise<LoopbackServer> {
  await new Promise<void>((done, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
