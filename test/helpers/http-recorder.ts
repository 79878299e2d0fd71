/** A loopback HTTP server that records what it receives and answers as a test scripts it. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type Responder = (req: Recorded, res: ServerResponse) => void;

export interface Recorder {
  origin: string;
  port: number;
  requests: Recorded[];
  /** TCP connections accepted: proves a refused URL never connected. */
  connections: number;
  respond(fn: Responder): void;
  close(): Promise<void>;
}

export async function startRecorder(): Promise<Recorder> {
  let responder: Responder = (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  };
  const state = { requests: [] as Recorded[], connections: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      state.requests.push(rec);
      responder(rec, res);
    });
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    get requests() {
      return state.requests;
    },
    get connections() {
      return state.connections;
    },
    respond(fn) {
      responder = fn;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export { captureLogger } from './logs.js';
