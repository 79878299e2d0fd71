/**
 * A new app, as a user starts one: `tessera init` from the packed CLI into an empty folder, the packed Tessera
 * packages installed there with no network (unpacked, their third-party dependencies linked, as the pack test does),
 * then the new app's own `tessera validate`, type check and tests, `serverless package` with no network, and a call
 * answered under `tessera offline`. Times each step: what a new app costs on this machine.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePorts, waitForPort } from '../../helpers/ports.js';
import { buildOrder, installInto, packAll, type Customer, type Packed } from './_packed.js';

jest.setTimeout(300_000);
const root = resolve(__dirname, '../../..');
/** The template's devDependencies, linked from this checkout: npm cannot install without the registry here. */
const DEV_TOOLS = [
  '@swc/core',
  '@swc/jest',
  '@types/jest',
  '@types/node',
  'esbuild',
  'jest',
  'serverless',
  'serverless-esbuild',
  'serverless-offline',
  'tsx',
  'typescript',
];

function withoutNetwork(cmd: string[]): string[] {
  return spawnSync('unshare', ['-n', 'true']).status === 0 ? ['unshare', '-n', ...cmd] : cmd;
}

let packed: Packed;
let customer: Customer;
let app: string;
let tessera: string;
const timings: Record<string, number> = {};

function run(cmd: string[], cwd: string, env: NodeJS.ProcessEnv = {}): ReturnType<typeof spawnSync> {
  const [bin, ...args] = cmd;
  return spawnSync(bin!, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
}

function timed<T>(name: string, f: () => T): T {
  const started = Date.now();
  try {
    return f();
  } finally {
    timings[name] = Date.now() - started;
  }
}

beforeAll(() => {
  packed = packAll(root);
  customer = installInto(root, packed, buildOrder(root), ['esbuild', 'ws']);
  tessera = join(customer.app, 'node_modules', '@tessera', 'cli', 'bin', 'tessera.cjs');
  const init = timed('init', () => run([process.execPath, tessera, 'init', 'my-app', '--yes'], customer.app));
  if (init.status !== 0) throw new Error(`init failed: ${init.stderr}`);
  app = join(customer.app, 'my-app');
  timed('install', () => {
    mkdirSync(join(app, 'node_modules', '@tessera'), { recursive: true });
    for (const name of buildOrder(root))
      symlinkSync(join(customer.app, 'node_modules', '@tessera', name), join(app, 'node_modules', '@tessera', name));
    for (const dep of DEV_TOOLS) {
      mkdirSync(join(app, 'node_modules', dep, '..'), { recursive: true });
      if (!existsSync(join(app, 'node_modules', dep))) symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep));
    }
    // The packages' own third-party dependencies, as npm would hoist them beside the app.
    for (const dep of ['@aws-sdk/client-ssm', '@aws-sdk/client-apigatewaymanagementapi', 'axios', 'jose', 'ajv', 'yaml', 'ws', '@types/aws-lambda']) {
      mkdirSync(join(app, 'node_modules', dep, '..'), { recursive: true });
      if (!existsSync(join(app, 'node_modules', dep))) symlinkSync(join(root, 'node_modules', dep), join(app, 'node_modules', dep));
    }
  });
}, 300_000);

afterAll(() => {
  customer?.remove();
  packed?.remove();
  console.log(`a new app on this machine, in ms: ${JSON.stringify(timings)}`);
});

describe('a new app from tessera init', () => {
  it('passes its own tessera validate, type check and tests', () => {
    const validate = timed('validate', () => run([process.execPath, tessera, 'validate'], app));
    const types = timed('typecheck', () => run([process.execPath, join(app, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', '.'], app));
    const tests = timed('tests', () => run([process.execPath, join(app, 'node_modules/jest/bin/jest.js'), '--ci'], app));
    expect([validate.status, validate.stderr]).toEqual([0, '']);
    expect([types.status, types.stdout]).toEqual([0, '']);
    expect([tests.status, String(tests.stderr).slice(-2000)]).toEqual([0, expect.stringContaining('1 passed')]);
  });

  it('packages with no network', () => {
    const out = mkdtempSync(join(tmpdir(), 'tessera-new-app-'));
    try {
      const pkg = timed('package', () =>
        run(withoutNetwork([process.execPath, 'node_modules/serverless/bin/serverless.js', 'package', '--package', out]), app, {
          AWS_ACCESS_KEY_ID: 'x',
          AWS_SECRET_ACCESS_KEY: 'x',
        }),
      );
      expect([pkg.status, pkg.stderr]).toMatchObject([0, expect.any(String)]);
      expect(existsSync(join(out, 'hello.zip'))).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('answers a call under tessera offline once an installation exists', async () => {
    const ports = await freePorts(['ssm', 'http', 'sls', 'lambda', 'ws']);
    const flags = Object.entries(ports).flatMap(([name, port]) => [`--${name}-port`, String(port)]);
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-new-app-ssm-'));
    const started = Date.now();
    const child: ChildProcess = spawn(process.execPath, [tessera, 'offline', ...flags, '--data-dir', dataDir], {
      cwd: app,
      stdio: 'ignore',
      detached: true,
    });
    try {
      await waitForPort(ports.ssm, 60_000);
      const values = join(dataDir, 'values.json');
      writeFileSync(values, JSON.stringify({ server_url: 'http://127.0.0.1:4100', shared_secret: 'a'.repeat(43) }));
      const env = {
        AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${ports.ssm}`,
        AWS_ACCESS_KEY_ID: 'offline',
        AWS_SECRET_ACCESS_KEY: 'offline',
        AWS_REGION: 'us-east-1',
      };
      const install = run([process.execPath, tessera, 'install', 'acme', '--values', values], app, env);
      expect([install.status, install.stderr]).toEqual([0, expect.any(String)]);
      await waitForPort(ports.http, 180_000);
      const res = await fetch(`http://127.0.0.1:${ports.http}/hello`, { headers: { 'x-tessera-installation': 'acme' } });
      timings.firstOfflineCall = Date.now() - started;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ hello: 'acme' });
    } finally {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
