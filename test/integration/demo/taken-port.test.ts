/** `npm start` on a taken port: it names the port and the flag or variable that picks another, starts nothing and
 *  exits 1; the demo customer server's own listen refuses the port instead of crashing. */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { resolve } from 'node:path';
import { startCustomerServer } from '../../../demo/customer-server.js';
import { freePorts, isListening } from '../../helpers/ports.js';

const root = resolve(__dirname, '../../..');
const PORT_NAMES = ['ssm', 'http', 'sls', 'lambda', 'ws', 'customer', 'platform'] as const;

/** Holds a loopback port, as another run's server would. */
async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, port: (server.address() as { port: number }).port };
}

function runStart(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'demo/start.ts', ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('npm start (demo/start.ts)', () => {
  let held: { server: Server; port: number };
  beforeEach(async () => {
    held = await occupy();
  });
  afterEach(() => new Promise<void>((done) => held.server.close(() => done())));

  it.each([
    ['by its flag', (port: number) => ({ args: ['--customer-port', String(port)], env: {} })],
    ['by its variable', (port: number) => ({ args: [], env: { TESSERA_CUSTOMER_PORT: String(port) } })],
  ])(
    'names a taken port chosen %s, starts nothing and exits 1',
    async (_, choose) => {
      // Prepare: every other port free, so the held one is the only one taken
      const { customer: _unused, ...others } = await freePorts(PORT_NAMES);
      const otherFlags = Object.entries(others).flatMap(([name, port]) => [`--${name}-port`, String(port)]);
      const { args, env } = choose(held.port);
      // Act
      const run = await runStart([...otherFlags, ...args], env);
      // Assess
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`port ${held.port} (customer server) is already in use; pass --customer-port or set TESSERA_CUSTOMER_PORT`);
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(run.stdout).toBe('');
      expect(await Promise.all(Object.values(others).map((port) => isListening(port)))).toEqual(Object.values(others).map(() => false));
    },
    30_000,
  );

  it('refuses two servers on one port before checking any', async () => {
    // Act
    const run = await runStart(['--customer-port', String(held.port), '--platform-port', String(held.port)], {});
    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--customer-port and --platform-port are both port ${held.port}`);
  }, 30_000);
});

describe('startCustomerServer', () => {
  it('rejects with EADDRINUSE on a taken port', async () => {
    // Prepare
    const held = await occupy();
    try {
      // Act
      const outcome = await startCustomerServer({
        port: held.port,
        mode: 'shared-secret',
        secrets: ['s'.repeat(32)],
        appId: 'order-lookup',
        installationId: 'demo',
      }).then(
        () => 'listening',
        (err: NodeJS.ErrnoException) => err.code,
      );
      // Assess
      expect(outcome).toBe('EADDRINUSE');
    } finally {
      await new Promise<void>((done) => held.server.close(() => done()));
    }
  });
});
