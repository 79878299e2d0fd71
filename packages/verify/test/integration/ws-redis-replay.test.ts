/** Two upgrade servers sharing a real redis-server: a ticket opens one socket across the fleet, never two. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import WebSocket from 'ws';
import { freePort, waitForPort } from '../../../../test/helpers/ports.js';
import { createUpgradeVerifier, RedisReplayStore } from '../../src/index.js';
import { createTesseraWebSocketServer } from '../../src/ws.js';
import { APP_ID, CURRENT_SECRET, INSTALLATION_ID, capturedLogger } from '../unit/_helpers.js';
import { FRONTEND, mintTicket } from '../unit/_ticket-helpers.js';

const REDIS_SERVER = '/usr/bin/redis-server';
/** Both servers answer for one public origin, as a fleet behind a load balancer does. */
const PUBLIC = 'wss://live.acme.test';
const PATH = '/orders/live';

let redis: ChildProcess;
let client: Redis;
const servers: { server: Server; url: string; accepted: number; close(): Promise<void> }[] = [];

beforeAll(async () => {
  if (!existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} is missing: npm test installs Debian's redis-server`);
  const redisPort = await freePort();
  redis = spawn(REDIS_SERVER, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitForPort(redisPort, 30_000);
  client = new Redis({ port: redisPort, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  for (let i = 0; i < 2; i++) {
    const verifier = createUpgradeVerifier({
      secrets: [CURRENT_SECRET],
      issuer: APP_ID,
      installationId: INSTALLATION_ID,
      publicOrigin: PUBLIC,
      allowedOrigins: [FRONTEND],
      replayStore: new RedisReplayStore({ client }),
      logger: capturedLogger().logger,
    });
    const entry = { server: createServer(), url: '', accepted: 0, close: async () => undefined };
    const sockets = createTesseraWebSocketServer({ verifier }, () => void entry.accepted++);
    entry.server.on('upgrade', sockets.handleUpgrade);
    await new Promise<void>((r) => entry.server.listen(0, '127.0.0.1', r));
    entry.url = `ws://127.0.0.1:${(entry.server.address() as AddressInfo).port}${PATH}`;
    entry.close = async () => {
      await sockets.close();
      entry.server.closeAllConnections();
      await new Promise((r) => entry.server.close(r));
    };
    servers.push(entry);
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  client?.disconnect();
  redis?.kill();
});

function open(url: string, protocols: string[]): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, { origin: FRONTEND });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => undefined);
  });
}

describe('createUpgradeVerifier with a RedisReplayStore', () => {
  it('opens a socket with a ticket on one server and refuses the same ticket on the other', async () => {
    // Prepare
    const nowSec = Math.floor(Date.now() / 1000);
    const ticket = await mintTicket({ claims: { aud: PUBLIC, htu: `${PUBLIC}${PATH}`, iat: nowSec, nbf: nowSec, exp: nowSec + 30 } });
    const protocols = ['tessera.v1', `tessera.ticket.${ticket}`];
    // Act
    const first = await open((servers[0] as { url: string }).url, protocols);
    const second = await open((servers[1] as { url: string }).url, protocols);
    // Assess
    expect([first, second]).toEqual([101, 401]);
    expect(servers.map((s) => s.accepted)).toEqual([1, 0]);
  });
});
