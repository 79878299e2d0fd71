/**
 * The demo customer's order server: Express plus Tessera's verifier, a few orders, notes kept in memory, and a live
 * order feed on a WebSocket behind the upgrade check.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { WebSocket } from 'ws';
import { createUpgradeVerifier, tesseraExpress, type AsymmetricAlgorithm, type UpgradeVerifierOptions, type VerifierOptions } from '@tessera/verify';
import { createTesseraWebSocketServer } from '@tessera/verify/ws';
import type { Logger } from '@tessera/protocol/log';

export interface CustomerServerOptions {
  /** Default 4100; 0 picks a free port. */
  port?: number;
  /** The installation's auth mode. */
  mode: 'shared-secret' | 'jwt';
  /** The shared secret(s), current first, then the previous one during a rotation: shared-secret mode and HS256. */
  secrets?: string[];
  /**
   * JWT mode with tokens signed by the app's key (manifest `customer.auth.alg` ES256/EdDSA): the app's published
   * JWKS and the algorithms to pin. Takes the place of `secrets` in JWT mode.
   */
  jwks?: { url: string; algorithms: AsymmetricAlgorithm[] };
  /** The app id expected as `iss`. */
  appId: string;
  /** The installation this customer is: the verifier refuses tokens the app signed for any other. */
  installationId: string;
  /** Browser origins that may open the live feed (the product page's). Default the dev platform, `http://127.0.0.1:4200`. */
  allowedOrigins?: string[];
  logger?: Logger;
}

export interface CustomerServer {
  url: string;
  port: number;
  /** The live feed, `ws://127.0.0.1:<port>/orders/live?order=<id>`, behind the upgrade check. */
  wsUrl: string;
  /** Notes recorded per order, for tests and the demo. */
  notes: Map<string, { text: string; at: string }[]>;
  /** Changes an order's status and pushes it to the order's subscribers. */
  setStatus(orderId: string, status: string): void;
  /** Open live sockets. */
  subscribers(): number;
  close(): Promise<void>;
}

const ORDERS: Record<string, { id: string; status: string; total: number; currency: string }> = {
  '1001': { id: '1001', status: 'shipped', total: 129.9, currency: 'EUR' },
  '1002': { id: '1002', status: 'processing', total: 42, currency: 'EUR' },
  '1003': { id: '1003', status: 'delivered', total: 7.5, currency: 'USD' },
};

function verifierOptionsFor(options: CustomerServerOptions, publicOrigin: string): VerifierOptions {
  const common = { publicOrigin, ...(options.logger ? { logger: options.logger } : {}) };
  const secrets = () => {
    if (!options.secrets?.length) throw new TypeError('startCustomerServer: secrets are required for this mode');
    return options.secrets;
  };
  if (options.mode === 'shared-secret') return { ...common, mode: 'shared-secret', secrets: secrets() };
  if (!options.jwks) return { ...common, mode: 'jwt', issuer: options.appId, installationId: options.installationId, secrets: secrets() };
  // The demo's JWKS is served by the functions on loopback over plain HTTP; a real deployment's is HTTPS.
  const { url, algorithms } = options.jwks;
  return { ...common, mode: 'jwt', issuer: options.appId, installationId: options.installationId, algorithms, jwksUrl: url, allowLoopbackHttp: true };
}

/** The upgrade check takes the same keys as the request verifier: the installation's secret or the app's JWKS. */
function upgradeOptionsFor(options: CustomerServerOptions, publicOrigin: string): UpgradeVerifierOptions {
  const common = {
    issuer: options.appId,
    installationId: options.installationId,
    publicOrigin: publicOrigin.replace(/^http/, 'ws'),
    allowedOrigins: options.allowedOrigins ?? ['http://127.0.0.1:4200'],
    ...(options.logger ? { logger: options.logger } : {}),
  };
  if (options.jwks) return { ...common, algorithms: options.jwks.algorithms, jwksUrl: options.jwks.url, allowLoopbackHttp: true };
  if (!options.secrets?.length) throw new TypeError('startCustomerServer: secrets are required for this mode');
  return { ...common, secrets: options.secrets };
}

/**
 * Starts the demo order server on loopback.
 * @example
 * const server = await startCustomerServer({ mode: 'jwt', secrets: [secret], appId: 'order-lookup', installationId: 'demo' });
 * const keyed = await startCustomerServer({ mode: 'jwt', appId: 'order-lookup', installationId: 'demo',
 *   jwks: { url: 'http://127.0.0.1:4000/.well-known/jwks.json', algorithms: ['ES256'] } });
 */
export async function startCustomerServer(options: CustomerServerOptions): Promise<CustomerServer> {
  const port = options.port ?? 4100;
  const publicOrigin = `http://127.0.0.1:${port}`;
  // Each server its own copy: statuses change, and two servers in one test process must not share them.
  const orders = structuredClone(ORDERS);
  const notes = new Map<string, { text: string; at: string }[]>();
  let notesListener: (orderId: string) => void = () => undefined;
  const verifierOptions = verifierOptionsFor(options, publicOrigin);

  const app = express();
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  // The verifier reads the raw body itself, so the JSON parser after it never sees a consumed stream.
  app.use('/orders', tesseraExpress(verifierOptions), express.json({ limit: '64kb' }));
  app.get('/orders/:id', (req, res) => {
    const order = orders[req.params.id];
    if (!order) return void res.status(404).json({ error: { code: 'ORDER_NOT_FOUND', message: 'No such order' } });
    res.json({ ...order, notes: notes.get(order.id) ?? [] });
  });
  app.post('/orders/:id/notes', (req, res) => {
    const order = orders[req.params.id];
    const text = (req.body as { text?: unknown } | undefined)?.text;
    if (!order) return void res.status(404).json({ error: { code: 'ORDER_NOT_FOUND', message: 'No such order' } });
    if (typeof text !== 'string' || text.length === 0) {
      return void res.status(400).json({ error: { code: 'NOTE_INVALID', message: 'text is required' } });
    }
    const note = { text, at: new Date().toISOString() };
    notes.set(order.id, [...(notes.get(order.id) ?? []), note]);
    notesListener(order.id);
    res.status(201).json({ ok: true, orderId: order.id, note });
  });

  // Express 5 hands a listen error (EADDRINUSE) to this callback instead of only emitting it.
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const actual = (server.address() as AddressInfo).port;

  // The live feed: a socket per order page, opened with a ticket a function minted; only verified sockets get here.
  const live = new Map<string, Set<WebSocket>>();
  const push = (orderId: string, event: Record<string, unknown>): void => {
    for (const ws of live.get(orderId) ?? []) ws.send(JSON.stringify(event));
  };
  const sockets = createTesseraWebSocketServer(
    { verifier: createUpgradeVerifier(upgradeOptionsFor(options, `http://127.0.0.1:${actual}`)) },
    (ws, _verified, req) => {
      const orderId = new URL(req.url ?? '/', 'ws://x').searchParams.get('order') ?? '';
      const order = orders[orderId];
      if (!order) return void ws.close(1008, 'no such order');
      const set = live.get(orderId) ?? new Set<WebSocket>();
      live.set(orderId, set.add(ws));
      ws.once('close', () => set.delete(ws));
      ws.send(JSON.stringify({ type: 'status', orderId, status: order.status }));
    },
  );
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'ws://x').pathname === '/orders/live') sockets.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  notesListener = (orderId) => push(orderId, { type: 'note', orderId, count: notes.get(orderId)?.length ?? 0 });

  return {
    url: `http://127.0.0.1:${actual}`,
    wsUrl: `ws://127.0.0.1:${actual}/orders/live`,
    port: actual,
    notes,
    setStatus(orderId, status) {
      const order = orders[orderId];
      if (!order) throw new TypeError(`setStatus: no order ${orderId}`);
      order.status = status;
      push(orderId, { type: 'status', orderId, status });
    },
    subscribers: () => [...live.values()].reduce((n, s) => n + s.size, 0),
    close: async () => {
      await sockets.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
