/**
 * A customer server that misbehaves on purpose, over real loopback sockets: it stalls, trickles, floods, resets,
 * redirects or refuses, as the first path segment of each request says, and records what it managed to write.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createGzip } from 'node:zlib';

/** In every byte of body this server sends: a test asserts it reaches neither the browser nor a log line. */
export const HOSTILE_MARKER = 'HOSTILE-CUSTOMER-BODY-7f3a9c';

/** What a huge answer would weigh if the client read it all. */
export const HUGE_BYTES = 50 * 1024 * 1024;

export type HostileMode =
  /** Reads the request, never answers. */
  | 'stall'
  /** Sends its status line and headers a few bytes at a time. */
  | 'trickle-headers'
  /** Sends headers at once, then the body a few bytes at a time (about a minute in all). */
  | 'trickle-body'
  /** 50 MB with a Content-Length, written as fast as the client reads. */
  | 'huge'
  /** 50 MB chunked, no Content-Length. */
  | 'huge-chunked'
  /** About 50 KB of gzip that inflates to 50 MB. */
  | 'gzip-bomb'
  /** Resets the connection (TCP RST) half-way through the headers. */
  | 'reset-headers'
  /** Resets the connection half-way through a declared body. */
  | 'reset-body'
  /** `/redirect/<status>?to=<url>`: a 3xx to that URL. */
  | 'redirect'
  /** 401 with the verifier's `ERR_VERIFY_SECRET` body: the refusal that asks the runtime to re-read the secret. */
  | 'unauthorized'
  /** 401 with a body that is not the verifier's. */
  | 'unauthorized-text';

export interface HostileRequest {
  mode: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Body bytes handed to the socket before it closed. */
  bodyBytesWritten: number;
  /** Resolves once the connection is closed, by either side. */
  closed: Promise<void>;
}

export interface HostileCustomer {
  origin: string;
  host: string;
  requests: HostileRequest[];
  close(): Promise<void>;
}

const TRICKLE_EVERY_MS = 50;
const TRICKLE_BYTES = 4;
const CHUNK = Buffer.alloc(64 * 1024, `${HOSTILE_MARKER} `);

let bomb: Promise<Buffer> | undefined;
/** Compressed once per process, streamed in so the 50 MB never sits in memory. */
function gzipBomb(): Promise<Buffer> {
  bomb ??= (async () => {
    const gzip = createGzip({ level: 9 });
    const parts: Buffer[] = [];
    gzip.on('data', (c: Buffer) => parts.push(c));
    for (let sent = 0; sent < HUGE_BYTES; sent += CHUNK.length) {
      if (!gzip.write(CHUNK)) await once(gzip, 'drain');
    }
    gzip.end();
    await once(gzip, 'end');
    return Buffer.concat(parts);
  })();
  return bomb;
}

/** Not `events.once`: it rejects on 'error', and a client giving up resets the socket. */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Writes `total` bytes in chunks, waiting for the reader; stops when the connection goes. */
async function flood(res: ServerResponse, rec: HostileRequest, total: number): Promise<void> {
  while (rec.bodyBytesWritten < total && !res.destroyed) {
    const chunk = CHUNK.subarray(0, Math.min(CHUNK.length, total - rec.bodyBytesWritten));
    rec.bodyBytesWritten += chunk.length;
    if (!res.write(chunk)) await drainedOrClosed(res);
  }
  if (!res.destroyed) res.end();
}

/** Writes `data` a few bytes per tick to the raw socket until done or closed. */
function trickle(socket: Socket, data: Buffer, timers: Set<NodeJS.Timeout>, onBytes: (n: number) => void): void {
  let at = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || at >= data.length) {
      clearInterval(timer);
      timers.delete(timer);
      return;
    }
    const piece = data.subarray(at, at + TRICKLE_BYTES);
    at += piece.length;
    onBytes(piece.length);
    socket.write(piece);
  }, TRICKLE_EVERY_MS);
  timers.add(timer);
}

/**
 * Starts the server on a free loopback port.
 * @example
 * const hostile = await startHostileCustomer();
 * await customer.get(`${hostile.origin}/stall`);
 */
export async function startHostileCustomer(): Promise<HostileCustomer> {
  const requests: HostileRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const socketClosed = new WeakMap<Socket, Promise<void>>();
  const trickledBody = Buffer.from(`${HOSTILE_MARKER} `.repeat(160));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://hostile.invalid');
    const [mode = '', arg] = url.pathname.split('/').filter(Boolean);
    const socket = req.socket;
    const closed = socketClosed.get(socket) ?? Promise.resolve();
    const rec: HostileRequest = { mode, url: req.url ?? '', headers: req.headers, bodyBytesWritten: 0, closed };
    requests.push(rec);
    res.on('error', () => undefined);
    req.resume();
    switch (mode) {
      case 'stall':
        return;
      case 'trickle-headers': {
        const head = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Padding: ${'p'.repeat(200)}\r\nContent-Length: ${HOSTILE_MARKER.length}\r\n\r\n${HOSTILE_MARKER}`;
        trickle(socket, Buffer.from(head), timers, () => undefined);
        return;
      }
      case 'trickle-body':
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${trickledBody.length}\r\n\r\n`);
        trickle(socket, trickledBody, timers, (n) => {
          rec.bodyBytesWritten += n;
        });
        return;
      case 'huge':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': HUGE_BYTES });
        void flood(res, rec, HUGE_BYTES);
        return;
      case 'huge-chunked':
        res.writeHead(200, { 'content-type': 'text/plain' });
        void flood(res, rec, HUGE_BYTES);
        return;
      case 'gzip-bomb':
        void gzipBomb().then((gz) => {
          rec.bodyBytesWritten = gz.length;
          res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': gz.length }).end(gz);
        });
        return;
      case 'reset-headers':
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/pl`, () => socket.resetAndDestroy());
        return;
      case 'reset-body': {
        const part = Buffer.from(`${HOSTILE_MARKER} `.repeat(20));
        socket.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n`);
        rec.bodyBytesWritten = part.length;
        socket.write(part, () => socket.resetAndDestroy());
        return;
      }
      case 'redirect':
        res.writeHead(Number(arg ?? 302), { location: url.searchParams.get('to') ?? '/', 'content-type': 'text/plain' });
        res.end(HOSTILE_MARKER);
        return;
      case 'unauthorized':
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'ERR_VERIFY_SECRET', message: HOSTILE_MARKER } }));
        return;
      case 'unauthorized-text':
        res.writeHead(401, { 'content-type': 'text/html', 'www-authenticate': 'Basic realm="x"' });
        res.end(`<h1>${HOSTILE_MARKER}</h1>`);
        return;
      default:
        res.writeHead(404).end();
    }
  });
  // Once per connection, not per request: a keep-alive socket carries many.
  server.on('connection', (socket: Socket) => {
    // Resets by the client are the point of most modes, not failures of this server.
    socket.on('error', () => undefined);
    socketClosed.set(socket, new Promise((r) => socket.once('close', () => r())));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((r) => {
        for (const t of timers) clearInterval(t);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
