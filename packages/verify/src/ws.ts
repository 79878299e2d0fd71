/**
 * The upgrade check wired into `ws` (an optional peer): `ws`'s own advice, authenticating in the HTTP server's
 * `upgrade` event before `handleUpgrade`, and choosing the echoed subprotocol in `handleProtocols` (which otherwise
 * echoes the first one offered). Adds the limits a socket held open by a browser needs.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { VerifyError } from '@tessera/protocol/errors';
import { mergeOptions } from '@tessera/protocol';
import { type WebSocket, WebSocketServer } from 'ws';
import { refuseUpgrade, type UpgradeVerifier, type VerifiedUpgrade } from './upgrade-verifier.js';

/**
 * Options of {@link createTesseraWebSocketServer}; the defaults are the limits named.
 * @example
 * const sockets = createTesseraWebSocketServer({ verifier: upgrades }, (ws, verified) => subscribe(ws, verified.installationId));
 * server.on('upgrade', sockets.handleUpgrade);
 */
export interface TesseraWebSocketServerOptions {
  verifier: UpgradeVerifier;
  /** Largest message accepted, in bytes; a larger one closes the socket with 1009. Default 64 KiB. */
  maxPayloadBytes?: number;
  /** Closes a socket (1001) that received nothing, pongs included, for this long, in ms. Default 60,000. */
  idleTimeoutMs?: number;
  /** Closes every socket (1008) this long after it opened, in ms, so no ticket's session outlives its purpose by hours. Default 3,600,000. */
  maxLifetimeMs?: number;
  /** Open sockets one installation may hold; one more is refused with 429. Default 100. */
  maxConnectionsPerInstallation?: number;
}

/** The server side of verified sockets. */
export interface TesseraWebSocketServer {
  /** The `ws` server (`noServer`, `permessage-deflate` off); its `connection` event is emitted for verified sockets only. */
  readonly wss: WebSocketServer;
  /** For `server.on('upgrade', …)`: checks the upgrade, then accepts it or answers the refusal and destroys the socket. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open sockets of one installation. */
  connections(installationId: string): number;
  /** Closes every socket (1001) and the `ws` server. */
  close(): Promise<void>;
}

/** What the application sees for each verified socket. */
export type VerifiedConnectionHandler = (ws: WebSocket, verified: VerifiedUpgrade, req: IncomingMessage) => void;

const DEFAULTS = {
  maxPayloadBytes: 64 * 1024,
  idleTimeoutMs: 60_000,
  maxLifetimeMs: 3_600_000,
  maxConnectionsPerInstallation: 100,
} as const;
const OPTION_KEYS: ReadonlySet<string> = new Set(['verifier', ...Object.keys(DEFAULTS)]);

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`createTesseraWebSocketServer: option "${name}" must be a positive integer`);
  }
  return value;
}

/**
 * A `ws` server behind the upgrade check: the application's handler runs only for a verified socket, and the socket
 * speaks the application protocol the check chose, never the ticket.
 */
export function createTesseraWebSocketServer(
  options: TesseraWebSocketServerOptions,
  onConnection: VerifiedConnectionHandler,
): TesseraWebSocketServer {
  const o = mergeOptions('createTesseraWebSocketServer', options, OPTION_KEYS, DEFAULTS);
  if (typeof o.verifier?.verify !== 'function')
    throw new TypeError('createTesseraWebSocketServer: option "verifier" must come from createUpgradeVerifier');
  if (typeof onConnection !== 'function') throw new TypeError('createTesseraWebSocketServer: the connection handler must be a function');
  const maxPayload = positiveInteger('maxPayloadBytes', o.maxPayloadBytes);
  const idleTimeoutMs = positiveInteger('idleTimeoutMs', o.idleTimeoutMs);
  const maxLifetimeMs = positiveInteger('maxLifetimeMs', o.maxLifetimeMs);
  const maxConnections = positiveInteger('maxConnectionsPerInstallation', o.maxConnectionsPerInstallation);
  const { verifier } = o;
  const verifiedOf = new WeakMap<IncomingMessage, VerifiedUpgrade>();
  const open = new Map<string, number>();

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload,
    // Compression contexts cost memory per socket, and compressed secrets invite CRIME-style guessing.
    perMessageDeflate: false,
    clientTracking: true,
    handleProtocols: (_offered, req) => verifiedOf.get(req)?.protocol ?? false,
  });

  function watch(ws: WebSocket, installationId: string): void {
    open.set(installationId, (open.get(installationId) ?? 0) + 1);
    let idle = setTimeout(() => ws.close(1001, 'idle timeout'), idleTimeoutMs);
    const rearm = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => ws.close(1001, 'idle timeout'), idleTimeoutMs);
    };
    const lifetime = setTimeout(() => ws.close(1008, 'connection lifetime reached'), maxLifetimeMs);
    ws.on('message', rearm);
    ws.on('pong', rearm);
    // A protocol violation (an oversized or malformed frame) closes the socket with its code; it is no crash.
    ws.on('error', (err: Error & { code?: string }) =>
      verifier.logger.log('warn', 'verify.socket_error', { installationId, code: err.code ?? 'error' }),
    );
    ws.once('close', () => {
      clearTimeout(idle);
      clearTimeout(lifetime);
      const left = (open.get(installationId) ?? 1) - 1;
      if (left === 0) open.delete(installationId);
      else open.set(installationId, left);
    });
  }

  function accept(req: IncomingMessage, socket: Duplex, head: Buffer, verified: VerifiedUpgrade): void {
    if ((open.get(verified.installationId) ?? 0) >= maxConnections) {
      verifier.logger.log('warn', 'verify.upgrade_refused', { code: 'ERR_VERIFY_CONNECTION_LIMIT', installationId: verified.installationId });
      refuseUpgrade(socket, new VerifyError('ERR_VERIFY_CONNECTION_LIMIT', 'connection cap reached', { headers: { 'retry-after': '5' } }));
      return;
    }
    verifiedOf.set(req, verified);
    wss.handleUpgrade(req, socket, head, (ws) => {
      watch(ws, verified.installationId);
      wss.emit('connection', ws, req, verified);
      onConnection(ws, verified, req);
    });
  }

  return {
    wss,
    handleUpgrade(req, socket, head) {
      // A socket error before the answer (the client went away) must not crash the server.
      socket.on('error', () => socket.destroy());
      verifier.verify(req).then(
        (verified) => accept(req, socket, head, verified),
        (err: unknown) => refuseUpgrade(socket, err),
      );
    },
    connections: (installationId) => open.get(installationId) ?? 0,
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.close(1001, 'server closing');
        wss.close(() => resolve());
      }),
  };
}
