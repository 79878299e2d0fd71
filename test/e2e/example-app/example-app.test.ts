/**
 * End to end: `npm start`'s script really runs ssm-local, the demo customer server and `serverless offline`;
 * both functions are called over HTTP, the customer server accepts them, and nothing printed holds the secret.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SsmIparamStore } from '../../../src/iparams/index.js';
import { waitForPort } from '../../helpers/ports.js';

jest.setTimeout(240_000);

const root = resolve(__dirname, '../../..');
const SSM_PORT = 4583;
const HTTP_PORT = 4000;
const CUSTOMER_PORT = 4100;
const fn = `http://127.0.0.1:${HTTP_PORT}`;
const INSTALLATION = { 'x-tessera-installation': 'demo' };

let child: ChildProcess;
let output = '';
let dataDir: string;
let secret: string;

async function startDemo(authMode: string): Promise<void> {
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
  output = '';
  child = spawn(process.execPath, ['--import', 'tsx', 'demo/start.ts'], {
    cwd: root,
    env: { ...process.env, TESSERA_DATA_DIR: dataDir, TESSERA_DEMO_AUTH_MODE: authMode, TESSERA_LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  await waitForPort(HTTP_PORT, 180_000);
  await waitForPort(CUSTOMER_PORT, 10_000);
  const store = new SsmIparamStore({ client: new SSMClient({ endpoint: `http://127.0.0.1:${SSM_PORT}` }) });
  const stored = await store.get('order-lookup', 'demo');
  secret = String(stored?.document.values.shared_secret);
  expect(secret.length).toBeGreaterThanOrEqual(43);
}

async function stopDemo(): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid!, 'SIGINT'); // Ctrl-C reaches the whole process group, as in a terminal
  await exited;
  await Promise.all([waitForPort(HTTP_PORT, 20_000, false), waitForPort(SSM_PORT, 20_000, false), waitForPort(CUSTOMER_PORT, 20_000, false)]);
  rmSync(dataDir, { recursive: true, force: true });
}

describe.each(['jwt', 'shared-secret'])('example app under serverless offline (auth mode %s)', (authMode) => {
  beforeAll(() => startDemo(authMode));
  afterAll(() => stopDemo());

  it('getOrder returns the order from the customer server', async () => {
    // Act
    const res = await fetch(`${fn}/getOrder?id=1001`, { headers: INSTALLATION });
    // Assess
    expect(res.status).toBe(200);
    const body = (await res.json()) as { order: { id: string; label: string; status: string } };
    expect(body.order).toMatchObject({ id: '1001', label: 'ORD-1001', status: 'shipped' });
  });

  it('addNote posts a JSON body the customer server verifies and records', async () => {
    // Act
    const res = await fetch(`${fn}/addNote`, {
      method: 'POST',
      headers: { ...INSTALLATION, 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: '1002', text: 'Customer called — wants a refund' }),
    });
    const after = (await (await fetch(`${fn}/getOrder?id=1002`, { headers: INSTALLATION })).json()) as {
      order: { notes: { text: string }[] };
    };
    // Assess
    expect(res.status).toBe(201);
    expect(after.order.notes.map((n) => n.text)).toContain('Customer called — wants a refund');
  });

  it('maps a missing order to 404 and a bad id to 400', async () => {
    expect((await fetch(`${fn}/getOrder?id=9999`, { headers: INSTALLATION })).status).toBe(404);
    const bad = await fetch(`${fn}/getOrder?id=../../admin`, { headers: INSTALLATION });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('ERR_BAD_REQUEST');
  });

  it('refuses a call without an installation', async () => {
    const res = await fetch(`${fn}/getOrder?id=1001`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ERR_SESSION_MISSING');
  });

  it('the customer server refuses a direct call without credentials', async () => {
    const res = await fetch(`http://127.0.0.1:${CUSTOMER_PORT}/orders/1001`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ERR_VERIFY_MISSING');
  });

  it('prints the secret nowhere, and the try-this text names a working curl', () => {
    expect(output).toContain(`curl -s -H 'X-Tessera-Installation: demo' '${fn}/getOrder?id=1001'`);
    expect(output).not.toContain(secret);
  });
});
