/**
 * The header-adding proxy on real sockets: a browser-like `ws` client → createWsProxy → a customer WebSocket server
 * that understands only a static `token` header. Upstream is never contacted for a refused upgrade.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { createWsProxy, type WsProxy } from '../../src/ws.js';
import { createUpgradeVerifier } from '../../src/index.js';
import { APP_ID, CURRENT_SECRET, INSTALLATION_ID, capturedLogger } from '../unit/_helpers.js';
import { FRONTEND, mintTicket } from '../unit/_ticket-helpers.js';

const UPSTREAM_TOKEN = 'upstream-Static-Token-0123456789abcdefghijkl';
const PATH = '/orders/live?order=1001';

interface Upstream {
  url: string;
  requests: IncomingMessage[];
  sockets: WebSocket[];
  close(): Promise<void>;
}

/** The customer's own server: refuses a socket without the static token, echoes every message. */
async function startUpstream(): Promise<Upstream> {
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    verifyClient: ({ req }: { req: IncomingMessage }) => req.headers.token === UPSTREAM_TOKEN,
  });
  await new Promise((r) => wss.once('listening', r));
  const state: Upstream = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    requests: [],
    sockets: [],
    close: () =>
      new Promise((r) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => r());
      }),
  };
  wss.on('connection', (ws, req) => {
    state.requests.push(req);
    state.sockets.push(ws);
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  return state;
}

interface Proxy {
  origin: string;
  proxy: WsProxy;
  lines: string[];
  close(): Promise<void>;
}

async function startProxy(upstream: string): Promise<Proxy> {
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { logger, lines } = capturedLogger();
  const verifier = createUpgradeVerifier({
    secrets: [CURRENT_SECRET],
    issuer: APP_ID,
    installationId: INSTALLATION_ID,
    publicOrigin: origin,
    allowedOrigins: [FRONTEND],
    logger,
  });
  const proxy = createWsProxy({ verifier, upstream, upstreamHeaders: { token: UPSTREAM_TOKEN }, upstreamTimeoutMs: 1_000 });
  server.on('upgrade', proxy.handleUpgrade);
  return {
    origin,
    proxy,
    lines,
    close: async () => {
      await proxy.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const ticketFor = (origin: string) => {
  const nowSec = Math.floor(Date.now() / 1000);
  return mintTicket({ claims: { aud: origin, htu: `${origin}${PATH}`, iat: nowSec, nbf: nowSec, exp: nowSec + 30 } });
};

type Outcome = { opened: true; ws: WebSocket } | { opened: false; status: number; body: string };

function connect(url: string, protocols: string[], origin = FRONTEND): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { origin });
    ws.once('open', () => resolve({ opened: true, ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ opened: false, status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => {
      if (!/Unexpected server response/.test(err.message)) reject(err);
    });
  });
}

let upstream: Upstream;
let p: Proxy;
beforeEach(async () => {
  upstream = await startUpstream();
  p = await startProxy(upstream.url);
});
afterEach(async () => {
  await p.close();
  await upstream.close();
});

describe('createWsProxy', () => {
  it('opens upstream with the static header only after the ticket passed, and relays frames both ways', async () => {
    // Prepare
    const ticket = await ticketFor(p.origin);
    // Act
    const outcome = await connect(`${p.origin}${PATH}`, ['tessera.v1', `tessera.ticket.${ticket}`]);
    if (!outcome.opened) throw new Error(`refused ${outcome.status}`);
    const echoed = new Promise<string>((r) => outcome.ws.once('message', (d) => r(d.toString())));
    outcome.ws.send('order 1001?');
    // Assess
    expect(await echoed).toBe('order 1001?');
    expect(outcome.ws.protocol).toBe('tessera.v1');
    expect(upstream.requests).toHaveLength(1);
    const seen = upstream.requests[0] as IncomingMessage;
    expect(seen.headers.token).toBe(UPSTREAM_TOKEN);
    expect(seen.url).toBe(PATH);
    // The ticket stays with the proxy: upstream sees neither it nor the browser's subprotocols.
    expect(JSON.stringify(seen.headers) + seen.url).not.toContain(ticket.split('.')[2]);
    expect(seen.headers['sec-websocket-protocol']).toBeUndefined();
    expect(p.lines.join('\n')).not.toContain(UPSTREAM_TOKEN);
    outcome.ws.close();
  });

  it.each([
    [
      'a foreign Origin',
      async (o: string) => ['tessera.v1', `tessera.ticket.${await ticketFor(o)}`],
      'https://evil.example',
      403,
      'ERR_VERIFY_ORIGIN',
    ],
    ['no ticket', async () => ['tessera.v1'], FRONTEND, 401, 'ERR_VERIFY_MISSING'],
    [
      'a forged ticket',
      async (o: string) => ['tessera.v1', `tessera.ticket.${(await ticketFor(o)).slice(0, -4)}AAAA`],
      FRONTEND,
      401,
      'ERR_VERIFY_SIGNATURE',
    ],
  ])('refuses %s without contacting upstream', async (_name, protocols, origin, status, code) => {
    // Act
    const outcome = await connect(`${p.origin}${PATH}`, await protocols(p.origin), origin);
    // Assess
    expect(outcome).toMatchObject({ opened: false, status });
    if (!outcome.opened) {
      expect(JSON.parse(outcome.body).error.code).toBe(code);
      expect(outcome.body).not.toContain(UPSTREAM_TOKEN);
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses a replayed ticket, so one ticket opens one upstream socket', async () => {
    const ticket = await ticketFor(p.origin);
    const first = await connect(`${p.origin}${PATH}`, ['tessera.v1', `tessera.ticket.${ticket}`]);
    const second = await connect(`${p.origin}${PATH}`, ['tessera.v1', `tessera.ticket.${ticket}`]);
    expect(first.opened).toBe(true);
    expect(second).toMatchObject({ opened: false, status: 401 });
    expect(upstream.requests).toHaveLength(1);
    if (first.opened) first.ws.close();
  });

  it('closes the browser socket with the code upstream closed with, and upstream when the browser leaves', async () => {
    // Prepare
    const a = await connect(`${p.origin}${PATH}`, ['tessera.v1', `tessera.ticket.${await ticketFor(p.origin)}`]);
    const b = await connect(`${p.origin}${PATH}`, ['tessera.v1', `tessera.ticket.${await ticketFor(p.origin)}`]);
    if (!a.opened || !b.opened) throw new Error('not opened');
    const [upA, upB] = upstream.sockets as [WebSocket, WebSocket];
    // Act
    const aClosed = new Promise<number>((r) => a.ws.once('close', (code) => r(code)));
    upA.close(4001, 'order closed');
    const upBClosed = new Promise<number>((r) => upB.once('close', (code) => r(code)));
    b.ws.close(1000);
    // Assess
    expect(await aClosed).toBe(4001);
    expect(await upBClosed).toBe(1000);
  });

  it('relays a burst larger than its high water mark completely and in order', async () => {
    // Prepare
    const outcome = await connect(`${p.origin}${PATH}`, ['tessera.v1', `tessera.ticket.${await ticketFor(p.origin)}`]);
    if (!outcome.opened) throw new Error('not opened');
    const count = 300;
    const chunk = 'x'.repeat(16 * 1024);
    const received: number[] = [];
    const all = new Promise<void>((r) =>
      outcome.ws.on('message', (d) => {
        received.push(Number(d.toString().slice(0, 6)));
        if (received.length === count) r();
      }),
    );
    // Act: ~4.8 MiB each way, past the 1 MiB high water mark
    for (let i = 0; i < count; i++) outcome.ws.send(`${String(i).padStart(6, '0')}${chunk}`);
    await all;
    // Assess
    expect(received).toEqual([...Array(count).keys()]);
    outcome.ws.close();
  });

  it('answers 502 when upstream is down, and relays nothing of it', async () => {
    await upstream.close();
    const outcome = await connect(`${p.origin}${PATH}`, ['tessera.v1', `tessera.ticket.${await ticketFor(p.origin)}`]);
    expect(outcome).toMatchObject({ opened: false, status: 502 });
    if (!outcome.opened) expect(JSON.parse(outcome.body)).toEqual({ error: { code: 'ERR_VERIFY_UPSTREAM', message: expect.any(String) } });
  });

  it('refuses a reserved or secret-looking configuration at construction, never quoting the value', () => {
    const verifier = createUpgradeVerifier({
      secrets: [CURRENT_SECRET],
      issuer: APP_ID,
      installationId: INSTALLATION_ID,
      publicOrigin: p.origin,
      allowedOrigins: [FRONTEND],
    });
    expect(() => createWsProxy({ verifier, upstream: 'http://x', upstreamHeaders: { token: 't' } })).toThrow(
      'option "upstream" must be a ws:// or wss:// URL',
    );
    expect(() => createWsProxy({ verifier, upstream: upstream.url, upstreamHeaders: { host: 'x' } })).toThrow('"host" cannot be an upstream header');
    expect(() => createWsProxy({ verifier, upstream: upstream.url, upstreamHeaders: { token: `${UPSTREAM_TOKEN}\r\nx: y` } })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(UPSTREAM_TOKEN) }),
    );
  });
});
