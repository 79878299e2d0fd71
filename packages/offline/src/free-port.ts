/** Loopback ports for local servers: one the OS picks, whether one is taken, and what to say when it is. */
import { createServer } from 'node:net';
import { isListening } from './wait-for-port.js';

/** A port a local server needs, named as its user knows it and with the ways to pick another. */
export interface NamedPort {
  port: number;
  /** What listens there, e.g. `customer server`. */
  name: string;
  /** The flag that picks another port, e.g. `--customer-port`. */
  flag: string;
  /** The environment variable that does, if any. */
  env?: string;
}

/**
 * A loopback port nothing listens on right now: the OS picks it (listen on 0), then it is released for a server
 * started just after, which is how a test avoids every fixed port another process may hold.
 * @example
 * const port = await freePort();
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/**
 * The one sentence for a taken port: which port, what wanted it, and how to choose another.
 * @example
 * portTakenMessage({ port: 4100, name: 'customer server', flag: '--customer-port', env: 'TESSERA_CUSTOMER_PORT' });
 * // 'port 4100 (customer server) is already in use; pass --customer-port or set TESSERA_CUSTOMER_PORT'
 */
export function portTakenMessage(p: NamedPort): string {
  return `port ${p.port} (${p.name}) is already in use; pass ${p.flag}${p.env ? ` or set ${p.env}` : ''}`;
}

/**
 * One {@link portTakenMessage} per port where a server already answers, in the order given; empty when none does.
 * Checked before anything starts, so another run's server is named instead of surfacing as a child's crash or a
 * hang. It connects rather than binds: a bound check listens for a moment, and whoever polls the port for this
 * run's server would take that moment for it. A port held some other way fails at its listen ({@link isAddressInUse}).
 * @example
 * const taken = await takenPortMessages([{ port: 4583, name: 'ssm-local', flag: '--ssm-port' }]);
 */
export async function takenPortMessages(ports: readonly NamedPort[]): Promise<string[]> {
  const answering = await Promise.all(ports.map((p) => isListening(p.port)));
  return ports.filter((_, i) => answering[i]).map(portTakenMessage);
}

/**
 * True for a listener's `EADDRINUSE`: the port was taken between the check and the listen, and deserves
 * {@link portTakenMessage} rather than a stack trace.
 * @example
 * server.once('error', (err) => reject(isAddressInUse(err) ? new Error(portTakenMessage(customer)) : err));
 */
export function isAddressInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}
