/** A loopback proxy in front of `serverless offline` that gives the browser the function's own CORS answer. */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OFFLINE_CORS_HEADERS_MARKER as CORS_HEADERS_MARKER, OFFLINE_STATUS_MARKER as STATUS_MARKER } from '@tessera/protocol';

export interface OfflineProxyOptions {
  /** Where the browser connects. */
  port: number;
  /** Where `serverless offline` listens. */
  targetPort: number;
  host?: '127.0.0.1';
}

export interface OfflineProxy {
  url: string;
  close(): Promise<void>;
}

/**
 * serverless-offline reflects any Origin into `Access-Control-Allow-*` on every httpApi answer and turns answers to
 * OPTIONS into 200 (dherault/serverless-offline#1213), which API Gateway with its CORS off does not do. Where the
 * function marked its answer, this keeps only the CORS headers it set and its own status; unmarked answers pass as they are.
 */
export function restoreFunctionAnswer(status: number, headers: IncomingHttpHeaders): { status: number; headers: IncomingHttpHeaders } {
  const marked = headers[CORS_HEADERS_MARKER];
  if (typeof marked !== 'string') return { status, headers };
  const own = new Set(
    marked
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
  );
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name === CORS_HEADERS_MARKER || name === STATUS_MARKER) continue;
    if (name.startsWith('access-control-') && !own.has(name)) continue;
    out[name] = value;
  }
  const real = Number(headers[STATUS_MARKER]);
  return { status: Number.isInteger(real) && real >= 100 && real <= 599 ? real : status, headers: out };
}

/**
 * Starts the proxy on loopback.
 * @example
 * const proxy = await startOfflineProxy({ port: 4000, targetPort: 4010 });
 */
export async function startOfflineProxy(options: OfflineProxyOptions): Promise<OfflineProxy> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer((req, res) => {
    const upstream = request({ host, port: options.targetPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const { status, headers } = restoreFunctionAnswer(answer.statusCode ?? 502, answer.headers);
      res.writeHead(status, headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"ERR_INTERNAL","message":"serverless offline is not answering"}}');
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
