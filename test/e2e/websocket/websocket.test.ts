/**
 * End to end: the example app's own WebSocket routes under `serverless offline`, started by `npm start`'s script on
 * free ports, with the `ws` package as the browser. A session from the dev platform, offered second in
 * Sec-WebSocket-Protocol from an allowed Origin, connects; a foreign Origin, no token or a bad one sees HTTP 403/401;
 * the app's reply and a post from outside reach the client through serverless offline's `@connections` API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { createConnectionClient } from '../../../packages/runtime/src/websocket/index.js';
import { freePorts, waitForPort } from '../../helpers/ports.js';

jest.setTimeout(240_000);

const root = resolve(__dirname, '../../..');
const PORT_NAMES = ['ssm', 'http', 'sls', 'lambda', 'ws', 'customer', 'platform'] as const;
let ports: Record<(typeof PORT_NAMES)[number], number>;
let PLATFORM: string;
let WS_URL: string;
let token: string;
let child: ChildProcess;
let output = '';
let dataDir: string;
const opened: WebSocket[] = [];

/** What a handshake came to: the socket once open, or the HTTP status of the refusal. */
type Outcome = { open: WebSocket; protocol: string } | { status: number; body: string };

function connect(protocols: string[], origin: string | undefined): Promise<Outcome> {
  return new Promise((done, reject) => {
    const socket = new WebSocket(WS_URL, protocols, origin === undefined ? {} : { origin });
    opened.push(socket);
    socket.once('open', () => done({ open: socket, protocol: socket.protocol }));
    socket.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    socket.once('error', (err) => reject(err));
  });
}

/** The next message the socket receives, parsed. */
function nextMessage(socket: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((done) => socket.once('message', (data) => done(JSON.parse(String(data)) as Record<string, unknown>)));
}

function asOpen(outcome: Outcome): { open: WebSocket; protocol: string } {
  if (!('open' in outcome)) throw new Error(`expected an open socket, got HTTP ${outcome.status}`);
  return outcome;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-e2e-ws-'));
  ports = await freePorts(PORT_NAMES);
  PLATFORM = `http://127.0.0.1:${ports.platform}`;
  WS_URL = `ws://127.0.0.1:${ports.ws}`;
  const flags = PORT_NAMES.flatMap((name) => [`--${name}-port`, String(ports[name])]);
  child = spawn(process.execPath, ['--import', 'tsx', 'demo/start.ts', ...flags], {
    cwd: root,
    env: { ...process.env, TESSERA_DATA_DIR: dataDir, TESSERA_LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`demo/start.ts exited with ${code}:\n${output}`))));
  const up = Promise.all([waitForPort(ports.http, 180_000), waitForPort(ports.ws, 180_000)]).catch((err: Error) => {
    throw new Error(`${err.message}; demo/start.ts printed:\n${output}`);
  });
  await Promise.race([up, exited]);
  token = ((await (await fetch(`${PLATFORM}/session`, { method: 'POST' })).json()) as { token: string }).token;
});

afterAll(async () => {
  for (const socket of opened) socket.terminate();
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGINT'); // Ctrl-C reaches the whole process group, as in a terminal
    await exited;
  }
  await Promise.all(Object.values(ports).map((port) => waitForPort(port, 20_000, false)));
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the example app's WebSocket routes under serverless offline", () => {
  it('accepts a valid session offered second from an allowed Origin, answering with the application protocol', async () => {
    // Act
    const outcome = asOpen(await connect(['tessera.v1', `tessera.session.${token}`], PLATFORM));
    // Assess: serverless offline echoes the first offered entry, which is why the token always comes second
    expect(outcome.protocol).toBe('tessera.v1');
    outcome.open.close();
  });

  it("delivers the $default handler's reply, posted through @connections, and a post from outside to the same connection", async () => {
    // Prepare
    const { open } = asOpen(await connect(['tessera.v1', `tessera.session.${token}`], PLATFORM));
    // Act: the app answers a ping through the management API, naming the connection
    const pong = nextMessage(open);
    open.send(JSON.stringify({ action: 'ping' }));
    const reply = await pong;
    // Act: the helper posts to that connection from outside a WebSocket event, as an HTTP function would
    const connections = createConnectionClient({ endpoint: `http://127.0.0.1:${ports.ws}`, offline: true });
    const pushed = nextMessage(open);
    const sent = await connections.post(String(reply.connectionId), JSON.stringify({ type: 'order.updated', id: '1001' }));
    // Assess
    expect(reply).toEqual({ type: 'pong', connectionId: expect.stringMatching(/^[\w-]+$/) });
    expect(sent).toBe('sent');
    expect(await pushed).toEqual({ type: 'order.updated', id: '1001' });
    // Act: once the client left, the connection is gone
    const closed = new Promise((r) => open.once('close', r));
    open.close();
    await closed;
    let after = await connections.post(String(reply.connectionId), 'x');
    for (let i = 0; i < 20 && after !== 'gone'; i++) after = await connections.post(String(reply.connectionId), 'x');
    expect(after).toBe('gone');
  });

  const forged = () => `${token.split('.').slice(0, 2).join('.')}.${'A'.repeat(86)}`;
  it.each<{ name: string; protocols: () => string[]; origin: () => string | undefined; status: number; text: string }>([
    {
      name: 'a foreign Origin',
      protocols: () => ['tessera.v1', `tessera.session.${token}`],
      origin: () => 'https://evil.example.com',
      status: 403,
      text: 'Forbidden',
    },
    { name: 'no Origin', protocols: () => ['tessera.v1', `tessera.session.${token}`], origin: () => undefined, status: 403, text: 'Forbidden' },
    { name: 'no token', protocols: () => ['tessera.v1'], origin: () => PLATFORM, status: 401, text: 'Unauthorized' },
    {
      name: 'a forged token',
      protocols: () => ['tessera.v1', `tessera.session.${forged()}`],
      origin: () => PLATFORM,
      status: 401,
      text: 'Unauthorized',
    },
    {
      name: 'the token offered first',
      protocols: () => [`tessera.session.${token}`, 'tessera.v1'],
      origin: () => PLATFORM,
      status: 401,
      text: 'Unauthorized',
    },
  ])('refuses $name with HTTP $status, the upgrade never completing', async ({ protocols, origin, status, text }) => {
    // Act
    const outcome = await connect(protocols(), origin());
    // Assess: serverless offline passes $connect's status on, but answers its own status text, not $connect's JSON body
    expect(outcome).toEqual({ status, body: text });
    expect(JSON.stringify(outcome)).not.toContain(token);
  });

  it('prints no session token, and logs the connections the app recorded', () => {
    // Assess
    expect(output).not.toContain(token);
    for (const segment of token.split('.')) expect(output).not.toContain(segment);
    expect(output).toContain('"event":"ws.connected"');
    expect(output).toContain('"installationId":"demo"');
  });
});
