/**
 * The upgrade check wired into `ws` (an optional peer): `ws`'s own advice, authenticating in the HTTP server's
 * `upgrade` event before `handleUpgrade`, and choosing the echoed subprotocol in `handleProtocols` (which otherwise
 * echoes the first one offered). Adds the limits a socket held open by a browser needs.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { VerifyError } from '@tessera/protocol/errors';
import { mergeOptions } from '@tessera/protocol';
import { WebSocket, WebSocketServer } from 'ws';
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
  const { hasRoom: _hasRoom, accept: _accept, ...server } = createSocketServer(options, onConnection);
  return server;
}

/** The server with the seams the proxy needs: the cap check and the accept step, apart. */
interface SocketServer extends TesseraWebSocketServer {
  hasRoom(socket: Duplex, verified: VerifiedUpgrade): boolean;
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, verified: VerifiedUpgrade, opened: (ws: WebSocket) => void): void;
}

function createSocketServer(options: TesseraWebSocketServerOptions, onConnection: VerifiedConnectionHandler): SocketServer {
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
    // A timestamp per message, one timer per socket that re-arms for the time left: no timer churn per frame.
    let lastSeenMs = Date.now();
    const rearm = (): void => {
      lastSeenMs = Date.now();
    };
    const checkIdle = (): void => {
      const quietMs = Date.now() - lastSeenMs;
      if (quietMs >= idleTimeoutMs) ws.close(1001, 'idle timeout');
      else idle = setTimeout(checkIdle, idleTimeoutMs - quietMs);
    };
    let idle = setTimeout(checkIdle, idleTimeoutMs);
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

  /** Refuses (429) an upgrade over the installation's cap; true when it may go on. */
  function hasRoom(socket: Duplex, verified: VerifiedUpgrade): boolean {
    if ((open.get(verified.installationId) ?? 0) < maxConnections) return true;
    verifier.logger.log('warn', 'verify.upgrade_refused', { code: 'ERR_VERIFY_CONNECTION_LIMIT', installationId: verified.installationId });
    refuseUpgrade(socket, new VerifyError('ERR_VERIFY_CONNECTION_LIMIT', 'connection cap reached', { headers: { 'retry-after': '5' } }));
    return false;
  }

  function accept(req: IncomingMessage, socket: Duplex, head: Buffer, verified: VerifiedUpgrade, opened: (ws: WebSocket) => void): void {
    verifiedOf.set(req, verified);
    wss.handleUpgrade(req, socket, head, (ws) => {
      watch(ws, verified.installationId);
      wss.emit('connection', ws, req, verified);
      opened(ws);
    });
  }

  return {
    wss,
    hasRoom,
    accept,
    handleUpgrade(req, socket, head) {
      // A socket error before the answer (the client went away) must not crash the server.
      socket.on('error', () => socket.destroy());
      verifier.verify(req).then(
        (verified) => {
          if (hasRoom(socket, verified)) accept(req, socket, head, verified, (ws) => onConnection(ws, verified, req));
        },
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

/**
 * Options of {@link createWsProxy}: the upgrade check, where the customer's own WebSocket server is, and the static
 * header it understands.
 * @example
 * const proxy = createWsProxy({ verifier: upgrades, upstream: 'ws://127.0.0.1:9000', upstreamHeaders: { token: readFileSync(TOKEN_FILE, 'utf8').trim() } });
 * server.on('upgrade', proxy.handleUpgrade);
 */
export interface WsProxyOptions extends TesseraWebSocketServerOptions {
  /** The customer's WebSocket server; each socket opens its origin plus the client's path and query. */
  upstream: string;
  /** Headers added upstream, e.g. `{ token: secret }`: never logged, never sent to the browser. */
  upstreamHeaders: Readonly<Record<string, string>>;
  /** How long to wait for upstream to accept, in ms; past it the browser gets 502. Default 5,000. */
  upstreamTimeoutMs?: number;
}

/** A running proxy's parts, for `server.on('upgrade', proxy.handleUpgrade)`. */
export interface WsProxy {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Sockets open through the proxy. */
  readonly size: number;
  close(): Promise<void>;
}

/** Past this many bytes queued towards one side, the other side is paused until the queue drains. */
const HIGH_WATER_BYTES = 1024 * 1024;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Hop-by-hop and handshake headers the proxy never lets a configuration override. */
const RESERVED_HEADERS = new Set([
  'host',
  'connection',
  'upgrade',
  'origin',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
]);

/** Close codes a peer may not send on the wire (RFC 6455 §7.4.1) become "going away" or "internal error". */
function relayCode(code: number): number {
  if (code === 1005 || code === 1006 || code === 1015) return code === 1006 ? 1011 : 1000;
  return code >= 1000 && code < 5000 ? code : 1011;
}

/** Forwards one side's messages to the other, pausing the source while the sink's queue is over the high water. */
function forward(from: WebSocket, to: WebSocket): void {
  from.on('message', (data, isBinary) => {
    if (to.readyState !== WebSocket.OPEN) return;
    to.send(data, { binary: isBinary }, () => {
      if (from.isPaused && to.bufferedAmount < HIGH_WATER_BYTES / 2) from.resume();
    });
    if (to.bufferedAmount > HIGH_WATER_BYTES) from.pause();
  });
  from.once('close', (code, reason) => {
    if (to.readyState === WebSocket.OPEN || to.readyState === WebSocket.CONNECTING) to.close(relayCode(code), reason.subarray(0, 123));
  });
}

/**
 * A proxy for a customer whose WebSocket server understands only a static header: it checks the ticket and Origin
 * exactly as {@link createTesseraWebSocketServer} does, and only then opens the upstream socket with the header. A
 * refused upgrade never reaches upstream. Frames pass both ways with back-pressure; a close on either side closes the
 * other.
 */
export function createWsProxy(options: WsProxyOptions): WsProxy {
  const { upstream, upstreamHeaders, upstreamTimeoutMs = 5_000, ...serverOptions } = options ?? ({} as WsProxyOptions);
  let upstreamUrl: URL;
  try {
    upstreamUrl = new URL(upstream);
  } catch {
    throw new TypeError('createWsProxy: option "upstream" must be a ws:// or wss:// URL');
  }
  if (upstreamUrl.protocol !== 'ws:' && upstreamUrl.protocol !== 'wss:')
    throw new TypeError('createWsProxy: option "upstream" must be a ws:// or wss:// URL');
  if (typeof upstreamHeaders !== 'object' || upstreamHeaders === null || Object.keys(upstreamHeaders).length === 0) {
    throw new TypeError('createWsProxy: option "upstreamHeaders" must name at least one header');
  }
  for (const [name, value] of Object.entries(upstreamHeaders)) {
    if (!HEADER_NAME.test(name) || RESERVED_HEADERS.has(name.toLowerCase()))
      throw new TypeError(`createWsProxy: "${name}" cannot be an upstream header`);
    // The value is never quoted: it is the secret.
    if (typeof value !== 'string' || value === '' || /[\r\n\0]/.test(value))
      throw new TypeError(`createWsProxy: the value of upstream header "${name}" must be a non-empty single-line string`);
  }
  positiveInteger('upstreamTimeoutMs', upstreamTimeoutMs);
  const { logger } = serverOptions.verifier;
  const pairs = new Set<WebSocket>();

  /** Opens upstream for a verified upgrade; resolves the open socket, or rejects after the timeout. */
  function openUpstream(req: IncomingMessage): Promise<WebSocket> {
    const target = new URL(req.url ?? '/', upstreamUrl);
    return new Promise((resolve, reject) => {
      // No subprotocol upstream: a server that understands only a static header is not expected to speak Tessera's.
      const up = new WebSocket(target, { headers: { ...upstreamHeaders }, perMessageDeflate: false, handshakeTimeout: upstreamTimeoutMs });
      up.once('open', () => resolve(up));
      up.once('error', (err: Error & { code?: string }) => reject(err));
      up.once('unexpected-response', (_r, res) => {
        res.resume();
        up.terminate();
        reject(new Error(`upstream answered ${res.statusCode}`));
      });
    });
  }

  const server = createSocketServer(serverOptions, () => undefined);
  return {
    handleUpgrade(req, socket, head) {
      socket.on('error', () => socket.destroy());
      const proxied = async (verified: VerifiedUpgrade): Promise<void> => {
        // Upstream is contacted only for an upgrade that passed every check, the connection cap included.
        if (!server.hasRoom(socket, verified)) return;
        let up: WebSocket;
        try {
          up = await openUpstream(req);
        } catch (err) {
          logger.log('warn', 'verify.upstream_failed', {
            installationId: verified.installationId,
            code: (err as { code?: string }).code ?? 'refused',
          });
          refuseUpgrade(socket, new VerifyError('ERR_VERIFY_UPSTREAM', 'upstream WebSocket server unavailable'));
          return;
        }
        if (socket.destroyed) {
          up.close(1001);
          return;
        }
        // The browser's socket is accepted only once upstream is there: nothing to buffer in between.
        server.accept(req, socket, head, verified, (client) => {
          pairs.add(client);
          forward(client, up);
          forward(up, client);
          client.once('close', () => pairs.delete(client));
        });
      };
      serverOptions.verifier.verify(req).then(proxied, (err: unknown) => refuseUpgrade(socket, err));
    },
    get size() {
      return pairs.size;
    },
    close: () => server.close(),
  };
}
