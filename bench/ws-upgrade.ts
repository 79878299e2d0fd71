/**
 * WebSocket upgrades per second, and messages per second after the upgrade, through the Tessera upgrade check (HS256,
 * ES256) as ratios to the same `ws` server with no check, measured in one run with the servers in child processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import WebSocket from 'ws';
import { createEs256Signer, createHs256Signer, newJti } from '@tessera/runtime/outbound';
import { normalizeHtu, WS_TICKET_TYPE, type WsTicketClaims } from '@tessera/protocol';
import { freePort, waitForPort } from '../test/helpers/ports.js';
import { fmt, median, table } from './_measure.js';

const SECRET = randomBytes(32).toString('base64url');
const APP_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const APP_JWK = JSON.stringify({ ...APP_KEY.publicKey.export({ format: 'jwk' }), kid: 'bench-1', alg: 'ES256' });
const FRONTEND = 'https://acme.helpdesk.example.com';
const MODES = ['none', 'hs256', 'es256'] as const;
type Mode = (typeof MODES)[number];
const PATH = '/orders/live';
const CONCURRENCY = 16;
const ROUNDS = 3;

async function startServer(mode: Mode): Promise<{ child: ChildProcess; origin: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '_ws-server.ts'), mode, String(port)], {
    env: { ...process.env, BENCH_SECRET: SECRET, BENCH_JWK: APP_JWK },
    stdio: 'ignore',
  });
  await waitForPort(port, 30_000);
  return { child, origin: `ws://127.0.0.1:${port}` };
}

/** Subprotocol lists minted before the run, the same shape in every mode (the plain server ignores the ticket). */
function protocolPool(mode: Mode, origin: string, count: number): string[][] {
  const sign =
    mode === 'es256'
      ? createEs256Signer<WsTicketClaims>(APP_KEY.privateKey, 'bench-1', WS_TICKET_TYPE)
      : createHs256Signer<WsTicketClaims>(SECRET, undefined, WS_TICKET_TYPE);
  const iat = Math.floor(Date.now() / 1000);
  const htu = normalizeHtu(`${origin}${PATH}`);
  return Array.from({ length: count }, () => [
    'tessera.v1',
    `tessera.ticket.${sign({ iss: 'order-lookup', sub: 'acme', aud: origin, htu, iat, nbf: iat, exp: iat + 60, jti: newJti() })}`,
  ]);
}

function openOnce(url: string, protocols: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const ws = new WebSocket(url, protocols, { origin: FRONTEND, perMessageDeflate: false });
    ws.once('open', () => {
      ws.terminate();
      done();
    });
    ws.once('error', fail);
  });
}

/** Upgrades per second: `count` upgrades, `CONCURRENCY` at a time, each opened and dropped. */
async function upgradesPerSec(origin: string, pool: string[][]): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < pool.length) await openOnce(`${origin}${PATH}`, pool[next++] as string[]);
    }),
  );
  return pool.length / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Messages per second over one socket: `count` echoes, a window of 256 in flight. */
async function messagesPerSec(origin: string, protocols: string[], count: number): Promise<number> {
  const ws = new WebSocket(`${origin}${PATH}`, protocols, { origin: FRONTEND, perMessageDeflate: false });
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  const payload = randomBytes(64);
  let sent = 0;
  let received = 0;
  const started = process.hrtime.bigint();
  await new Promise<void>((done) => {
    ws.on('message', () => {
      received++;
      if (received === count) done();
      else if (sent < count) {
        ws.send(payload);
        sent++;
      }
    });
    for (; sent < Math.min(256, count); sent++) ws.send(payload);
  });
  const perSec = count / (Number(process.hrtime.bigint() - started) / 1e9);
  ws.terminate();
  return perSec;
}

export async function benchWsUpgrade(): Promise<Record<string, number>> {
  const servers = new Map<Mode, { child: ChildProcess; origin: string }>();
  for (const mode of MODES) servers.set(mode, await startServer(mode));
  const upgrades: Record<Mode, number[]> = { none: [], hs256: [], es256: [] };
  const messages: Record<Mode, number[]> = { none: [], hs256: [], es256: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved, so a slow moment of the machine falls on every variant alike.
      for (const mode of MODES) {
        const { origin } = servers.get(mode) as { origin: string };
        upgrades[mode].push(await upgradesPerSec(origin, protocolPool(mode, origin, mode === 'es256' ? 1_000 : 2_000)));
        messages[mode].push(await messagesPerSec(origin, protocolPool(mode, origin, 1)[0] as string[], 40_000));
      }
    }
  } finally {
    for (const { child } of servers.values()) child.kill();
  }
  const up = (m: Mode) => median(upgrades[m]);
  const msg = (m: Mode) => median(messages[m]);
  const n = (x: number) => String(Math.round(x));
  table(
    `WebSocket upgrades and messages on loopback, ${CONCURRENCY} upgrades in flight, ${ROUNDS} interleaved rounds (tickets minted before)`,
    ['server', 'upgrades/s', 'vs no check', 'messages/s', 'vs plain ws'],
    [
      ['plain ws, no check (baseline)', n(up('none')), '1.00×', n(msg('none')), '1.00×'],
      [
        'HS256 ticket + Origin',
        n(up('hs256')),
        fmt.x(up('hs256') / up('none')),
        n(msg('hs256')),
        `${fmt.x(msg('hs256') / msg('none'))} (target ≥ 0.95×)`,
      ],
      [
        'ES256 ticket + Origin',
        n(up('es256')),
        fmt.x(up('es256') / up('none')),
        n(msg('es256')),
        `${fmt.x(msg('es256') / msg('none'))} (target ≥ 0.95×)`,
      ],
    ],
  );
  return {
    noCheckUpgradesPerSec: up('none'),
    hs256UpgradeRatio: up('hs256') / up('none'),
    es256UpgradeRatio: up('es256') / up('none'),
    hs256MessageRatio: msg('hs256') / msg('none'),
    es256MessageRatio: msg('es256') / msg('none'),
  };
}
