/** The demo customer's live order feed: a ticket the app minted opens it; another origin or a reused ticket does not. */
import WebSocket from 'ws';
import { createCustomerClient } from '@tessera/runtime/outbound';
import { silentLogger } from '@tessera/protocol/log';
import { startCustomerServer, type CustomerServer } from '../../../demo/customer-server.js';
import { freePort } from '../../helpers/ports.js';

const SECRET = 'demo-live-Secret-0123456789abcdef0123456789ab';

let server: CustomerServer;
/** The product page's origin: a port of this run's, named to the server, never the dev platform's default. */
let PLATFORM: string;
beforeAll(async () => {
  PLATFORM = `http://127.0.0.1:${await freePort()}`;
  server = await startCustomerServer({
    port: 0,
    allowedOrigins: [PLATFORM],
    mode: 'jwt',
    secrets: [SECRET],
    appId: 'order-lookup',
    installationId: 'demo',
    logger: silentLogger,
  });
});
afterAll(() => server.close());

function ticket(order: string) {
  const customer = createCustomerClient({
    baseUrl: server.url,
    allowedHosts: [`127.0.0.1:${server.port}`],
    auth: { mode: 'jwt', alg: 'HS256', secret: SECRET },
    appId: 'order-lookup',
    installationId: 'demo',
    offline: true,
    logger: silentLogger,
  });
  return customer.wsTicket(`/orders/live?order=${order}`, { user: 'user-42' });
}

function open(url: string, protocols: string[], origin: string): Promise<{ ws: WebSocket; messages: unknown[] } | { status: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, { origin });
    const messages: unknown[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    ws.once('open', () => resolve({ ws, messages }));
    ws.once('unexpected-response', (_q, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.once('error', () => undefined);
  });
}

const until = async (done: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('the demo live order feed', () => {
  it('pushes the status now and on every change to the page that opened it with a ticket', async () => {
    // Prepare
    const { url, protocols } = await ticket('1002');
    // Act
    const opened = await open(url, protocols, PLATFORM);
    if (!('ws' in opened)) throw new Error(`refused ${opened.status}`);
    await until(() => opened.messages.length === 1);
    server.setStatus('1002', 'shipped');
    await until(() => opened.messages.length === 2);
    // Assess
    expect(opened.ws.protocol).toBe('tessera.v1');
    expect(opened.messages).toEqual([
      { type: 'status', orderId: '1002', status: 'processing' },
      { type: 'status', orderId: '1002', status: 'shipped' },
    ]);
    opened.ws.close();
  });

  it('refuses a page on another origin even with a freshly minted ticket, and a ticket used twice', async () => {
    const fresh = await ticket('1001');
    const foreign = await open(fresh.url, fresh.protocols, 'https://evil.example');
    const used = await ticket('1001');
    const first = await open(used.url, used.protocols, PLATFORM);
    const again = await open(used.url, used.protocols, PLATFORM);
    expect(foreign).toEqual({ status: 403 });
    expect('ws' in first).toBe(true);
    expect(again).toEqual({ status: 401 });
    if ('ws' in first) first.ws.close();
  });
});
