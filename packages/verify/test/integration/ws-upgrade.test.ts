/** The upgrade check on real sockets: a `ws` client against node:http + createTesseraWebSocketServer, with its limits. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { createTesseraWebSocketServer, type TesseraWebSocketServerOptions } from '../../src/ws.js';
import { createUpgradeVerifier } from '../../src/index.js';
import { APP_ID, CURRENT_SECRET, INSTALLATION_ID, capturedLogger } from '../unit/_helpers.js';
import { FRONTEND, mintTicket } from '../unit/_ticket-helpers.js';

const PATH = '/orders/live?order=1001';

interface Stack {
  url: string;
  origin: string;
  /** Upgrade requests as the server received them. */
  requests: IncomingMessage[];
  /** Sockets the application handler was given. */
  accepted: number;
  lines: string[];
  close(): Promise<void>;
}

async function stack(limits: Partial<TesseraWebSocketServerOptions> = {}): Promise<Stack> {
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { logger, lines } = capturedLogger();
  const verifier = createUpgradeVerifier({
    secrets: [CURRENT_SECRET],
    issuer: APP_ID,
    installationId: INSTALLATION_ID,
    publicOrigin: origin,
    allowedOrigins: ['https://*.helpdesk.example.com'],
    logger,
  });
  const state: Stack = { url: `${origin}${PATH}`, origin, requests: [], accepted: 0, lines, close: async () => undefined };
  const sockets = createTesseraWebSocketServer({ verifier, ...limits }, (ws, verified) => {
    state.accepted++;
    ws.send(JSON.stringify({ hello: verified.installationId, user: verified.user }));
    ws.on('message', (data) => ws.send(data));
  });
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    state.requests.push(req);
    sockets.handleUpgrade(req, socket, head);
  });
  state.close = async () => {
    await sockets.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return state;
}

/** A ticket for `origin` + PATH issued now (the server runs on the real clock). */
function ticketFor(origin: string, claims: Record<string, unknown> = {}): Promise<string> {
  const nowSec = Math.floor(Date.now() / 1000);
  return mintTicket({ claims: { aud: origin, htu: `${origin}${PATH}`, iat: nowSec, nbf: nowSec, exp: nowSec + 30, ...claims } });
}

type Outcome =
  | { opened: true; ws: WebSocket; protocol: string; first: string }
  | { opened: false; status: number; body: string; headers: IncomingMessage['headers'] };

/** Opens a socket as a browser would; resolves with the first message, or with the refusal the upgrade answered. */
function connect(url: string, protocols: string[], origin: string | null = FRONTEND): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, origin === null ? {} : { origin });
    ws.once('message', (data) => resolve({ opened: true, ws, protocol: ws.protocol, first: data.toString() }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ opened: false, status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    ws.once('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

const closeOf = (ws: WebSocket): Promise<number> => new Promise((r) => ws.once('close', (code) => r(code)));

describe('createTesseraWebSocketServer', () => {
  let s: Stack;
  afterEach(() => s.close());

  it('accepts a verified upgrade, echoes the application protocol and hands the socket to the application', async () => {
    // Prepare
    s = await stack();
    const ticket = await ticketFor(s.origin);
    // Act
    const outcome = await connect(s.url, ['tessera.v1', `tessera.ticket.${ticket}`]);
    // Assess
    expect(outcome).toMatchObject({ opened: true, protocol: 'tessera.v1' });
    if (!outcome.opened) return;
    expect(JSON.parse(outcome.first)).toEqual({ hello: INSTALLATION_ID, user: 'user-42' });
    expect(s.accepted).toBe(1);
    expect(s.requests.map((r) => r.url)).toEqual([PATH]);
    expect(s.requests[0]?.url).not.toContain(ticket.split('.')[2]);
    outcome.ws.close();
  });

  it.each([
    ['a foreign Origin', 'https://evil.example', 403, 'ERR_VERIFY_ORIGIN'],
    ['no Origin', null, 403, 'ERR_VERIFY_ORIGIN'],
  ])('answers %s with an HTTP refusal, runs no application code and destroys the socket', async (_name, origin, status, code) => {
    // Prepare
    s = await stack();
    const ticket = await ticketFor(s.origin);
    // Act
    const outcome = await connect(s.url, ['tessera.v1', `tessera.ticket.${ticket}`], origin);
    // Assess
    expect(outcome).toMatchObject({ opened: false, status });
    if (outcome.opened) return;
    expect(JSON.parse(outcome.body)).toEqual({ error: { code, message: expect.any(String) } });
    expect(outcome.headers['content-type']).toBe('application/json');
    expect(s.accepted).toBe(0);
    expect(outcome.body + s.lines.join('\n')).not.toContain(ticket.split('.')[2]);
  });

  it('refuses a ticket reused on a second upgrade', async () => {
    s = await stack();
    const ticket = await ticketFor(s.origin);
    const first = await connect(s.url, ['tessera.v1', `tessera.ticket.${ticket}`]);
    const second = await connect(s.url, ['tessera.v1', `tessera.ticket.${ticket}`]);
    expect(first.opened).toBe(true);
    expect(second).toMatchObject({ opened: false, status: 401 });
    if (!second.opened) expect(JSON.parse(second.body).error.code).toBe('ERR_VERIFY_REPLAYED');
    expect(s.accepted).toBe(1);
    if (first.opened) first.ws.close();
  });

  it('closes a socket with 1009 on a message over maxPayloadBytes', async () => {
    s = await stack({ maxPayloadBytes: 1024 });
    const outcome = await connect(s.url, ['tessera.v1', `tessera.ticket.${await ticketFor(s.origin)}`]);
    if (!outcome.opened) throw new Error('not opened');
    const closed = closeOf(outcome.ws);
    outcome.ws.send('x'.repeat(2048));
    expect(await closed).toBe(1009);
  });

  it('closes a socket with 1008 once maxLifetimeMs has passed, and with 1001 when idle', async () => {
    s = await stack({ maxLifetimeMs: 150, idleTimeoutMs: 60_000 });
    const lived = await connect(s.url, ['tessera.v1', `tessera.ticket.${await ticketFor(s.origin)}`]);
    if (!lived.opened) throw new Error('not opened');
    expect(await closeOf(lived.ws)).toBe(1008);
    await s.close();

    s = await stack({ idleTimeoutMs: 150 });
    const idle = await connect(s.url, ['tessera.v1', `tessera.ticket.${await ticketFor(s.origin)}`]);
    if (!idle.opened) throw new Error('not opened');
    expect(await closeOf(idle.ws)).toBe(1001);
  });

  it('refuses one connection more than maxConnectionsPerInstallation with 429, and takes one again once a socket closed', async () => {
    // Prepare
    s = await stack({ maxConnectionsPerInstallation: 1 });
    const first = await connect(s.url, ['tessera.v1', `tessera.ticket.${await ticketFor(s.origin)}`]);
    if (!first.opened) throw new Error('not opened');
    // Act
    const over = await connect(s.url, ['tessera.v1', `tessera.ticket.${await ticketFor(s.origin)}`]);
    const closed = closeOf(first.ws);
    first.ws.close();
    await closed;
    await new Promise((r) => setTimeout(r, 20));
    const again = await connect(s.url, ['tessera.v1', `tessera.ticket.${await ticketFor(s.origin)}`]);
    // Assess
    expect(over).toMatchObject({ opened: false, status: 429 });
    if (!over.opened) {
      expect(JSON.parse(over.body).error.code).toBe('ERR_VERIFY_CONNECTION_LIMIT');
      expect(over.headers['retry-after']).toBe('5');
    }
    expect(again.opened).toBe(true);
    if (again.opened) again.ws.close();
  });
});
