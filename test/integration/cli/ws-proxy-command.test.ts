/** `tessera ws-proxy` as a process: its secrets from the environment, a verified socket relayed, a refused one not. */
import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { freePort, waitForPort } from '../../helpers/ports.js';
import { mintTicket } from '../../../packages/verify/test/unit/_ticket-helpers.js';
import { CURRENT_SECRET } from '../../../packages/verify/test/unit/_helpers.js';
import { cli } from '../../helpers/cli.js';

const root = resolve(__dirname, '../../..');
const TOKEN = 'static-Upstream-Token-0123456789abcdefghij';
const FRONTEND = 'https://acme.helpdesk.example.com';

describe('tessera ws-proxy', () => {
  it('relays a verified socket with the header from the environment, refuses a foreign Origin, and stops on SIGINT', async () => {
    // Prepare: the customer's server, which wants a `token` header
    const upstream = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      verifyClient: ({ req }: { req: IncomingMessage }) => req.headers.token === TOKEN,
    });
    await new Promise((r) => upstream.once('listening', r));
    const seen: IncomingMessage[] = [];
    upstream.on('connection', (ws, req) => {
      seen.push(req);
      ws.on('message', (d) => ws.send(`upstream got ${d.toString()}`));
    });
    const port = await freePort();
    const origin = `ws://127.0.0.1:${port}`;
    const args = [
      ...['--import', 'tsx', 'test/fixtures/tessera-src.ts', 'ws-proxy', '--port', String(port)],
      ...['--public-origin', origin, '--upstream', `ws://127.0.0.1:${(upstream.address() as AddressInfo).port}`],
      ...['--allowed-origins', FRONTEND, '--issuer', 'order-lookup', '--installation', 'acme-1'],
      ...['--header', 'token', '--header-value-env', 'UPSTREAM_TOKEN', '--secret-env', 'APP_SECRET'],
    ];
    const output: string[] = [];
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, UPSTREAM_TOKEN: TOKEN, APP_SECRET: CURRENT_SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
    child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      await waitForPort(port, 30_000);
      const nowSec = Math.floor(Date.now() / 1000);
      const ticket = await mintTicket({ claims: { aud: origin, htu: `${origin}/live`, iat: nowSec, nbf: nowSec, exp: nowSec + 30 } });

      // Act
      const good = new WebSocket(`${origin}/live`, ['tessera.v1', `tessera.ticket.${ticket}`], { origin: FRONTEND });
      const reply = await new Promise<string>((r, j) => {
        good.once('open', () => good.send('hello'));
        good.once('message', (d) => r(d.toString()));
        good.once('error', j);
      });
      good.close();
      const foreign = new WebSocket(`${origin}/live`, ['tessera.v1', `tessera.ticket.${ticket}x`], { origin: 'https://evil.example' });
      const status = await new Promise<number>((r) => {
        foreign.once('unexpected-response', (_q, res) => r(res.statusCode ?? 0));
        foreign.once('error', () => undefined);
      });
      child.kill('SIGINT');

      // Assess
      expect(reply).toBe('upstream got hello');
      expect(status).toBe(403);
      expect(seen).toHaveLength(1);
      expect(await exited).toBe(0);
      expect(output.join('')).toContain(`ws-proxy listening on ws://127.0.0.1:${port}`);
      expect(output.join('')).not.toContain(TOKEN);
      expect(output.join('')).not.toContain(CURRENT_SECRET);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => upstream.close(r));
    }
  });

  it.each([
    ['a header value given as a flag', ['--header-value', TOKEN], 'Unknown option'],
    ['no header value source', [], 'the upstream header value: give --header-value-env VAR or --header-value-file PATH'],
    ['an unset variable', ['--header-value-env', 'NOT_SET_ANYWHERE'], 'the variable NOT_SET_ANYWHERE is not set'],
  ])('refuses %s with exit 2, never echoing a value', async (_name, extra, message) => {
    const args = ['ws-proxy', '--public-origin', 'wss://orders.acme.test', '--upstream', 'ws://127.0.0.1:1', '--allowed-origins', FRONTEND];
    const run = await cli([...args, '--issuer', 'order-lookup', '--installation', 'acme-1', '--header', 'token', ...extra], {
      env: { TESSERA_SECRET: CURRENT_SECRET },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr + run.stdout).not.toContain(CURRENT_SECRET);
  });
});
