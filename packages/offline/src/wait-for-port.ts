/** Waiting on a local server by polling its port, never by reading its logs. */
import { createConnection } from 'node:net';

/** True when something accepts TCP connections on the loopback port. */
export function isListening(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

/**
 * Polls until the port accepts connections (or, with `open: false`, until it refuses them). An aborted `signal`
 * ends the polling with its reason, so a caller that gave up waiting does not stay alive until the deadline.
 * @example
 * await waitForPort(4000, 120_000);
 */
export async function waitForPort(port: number, timeoutMs: number, open = true, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await isListening(port)) !== open) {
    signal?.throwIfAborted();
    if (Date.now() > deadline) throw new Error(`port ${port} still ${open ? 'closed' : 'open'} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
