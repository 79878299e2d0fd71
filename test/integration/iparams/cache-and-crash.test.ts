import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { createApp } from '../../../packages/runtime/src/index.js';
import { createInstaller, createIparamsReader, SsmIparamStore } from '../../../packages/runtime/src/iparams/index.js';
import { silentLogger } from '../../../packages/protocol/src/log.js';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';
import { APP_ID, GOOD, manifest, schema, SECRET_V1 } from './fixture.js';
import { captureLogger } from '../../helpers/http-recorder.js';

let ssm: LocalSsm;
beforeEach(async () => {
  ssm = await startLocalSsm();
});
afterEach(() => ssm.stop());

async function installMany(count: number): Promise<string[]> {
  const store = new SsmIparamStore({ client: ssm.client().client });
  const installer = createInstaller({ manifest, schema, store, logger: silentLogger });
  const ids = Array.from({ length: count }, (_, i) => `inst-${i}`);
  for (const id of ids) await installer.install(id, GOOD);
  return ids;
}

describe('iparams cache, counted in real SSM round trips', () => {
  it('makes one GetParameter per installation per TTL across 1,000 reads over 10 installations', async () => {
    // Prepare
    const ids = await installMany(10);
    const { client, trips, total } = ssm.client();
    const clock = { ms: 0 };
    const reader = createIparamsReader({
      appId: APP_ID,
      store: new SsmIparamStore({ client }),
      ttlMs: 60_000,
      now: () => clock.ms,
      logger: silentLogger,
    });
    // Act
    for (let i = 0; i < 1000; i++) await reader.read(ids[i % 10]!);
    const withinTtl = total();
    clock.ms += 60_000;
    for (let i = 0; i < 1000; i++) await reader.read(ids[i % 10]!);
    // Assess
    expect(withinTtl).toBe(10);
    expect(trips).toEqual({ GetParameter: 20 });
  });

  it('coalesces 100 concurrent cold reads of one installation into one round trip', async () => {
    const [id] = await installMany(1);
    const { client, total } = ssm.client();
    const reader = createIparamsReader({ appId: APP_ID, store: new SsmIparamStore({ client }), logger: silentLogger });
    await Promise.all(Array.from({ length: 100 }, () => reader.read(id!)));
    expect(total()).toBe(1);
  });

  it('serves the last good value through a throttled refresh and logs the failure without values', async () => {
    // Prepare
    const [id] = await installMany(1);
    const { client, total } = ssm.client();
    const clock = { ms: 0 };
    const log = captureLogger();
    const reader = createIparamsReader({
      appId: APP_ID,
      store: new SsmIparamStore({ client }),
      ttlMs: 1_000,
      now: () => clock.ms,
      logger: log.logger,
    });
    const first = await reader.read(id!);
    clock.ms += 1_500;
    ssm.server.injectFault('GetParameter', 'ThrottlingException', 1);
    // Act
    const during = await reader.read(id!);
    clock.ms += 6_000;
    const after = await reader.read(id!);
    // Assess
    expect(during).toEqual(first);
    expect(after).toEqual(first);
    expect(total()).toBe(3);
    expect(log.lines.join('\n')).toContain('"name":"ThrottlingException"');
    expect(log.lines.join('\n')).not.toContain(SECRET_V1);
  });

  it('a warm function instance reads SSM once per installation, not per invocation', async () => {
    // Prepare
    const ids = await installMany(3);
    const { client, total } = ssm.client();
    const app = createApp({
      manifest,
      store: new SsmIparamStore({ client }),
      identify: (event) => String(event.headers['x-installation']),
      logger: silentLogger,
    });
    const fn = app.defineFunction('getOrder', ({ iparams }) => ({ body: { region: (iparams as { region: string }).region } }));
    // Act
    for (let i = 0; i < 300; i++) {
      const res = await fn({
        headers: { 'x-installation': ids[i % 3]! },
        requestContext: { http: { method: 'GET' } },
        rawPath: '/getOrder',
        rawQueryString: '',
      } as never);
      expect(res.statusCode).toBe(200);
    }
    // Assess
    expect(total()).toBe(3);
  });
});

describe('an install interrupted half-way', () => {
  it('leaves the previous installation intact and readable', async () => {
    // Prepare
    await installMany(0);
    const store = new SsmIparamStore({ client: ssm.client().client });
    await createInstaller({ manifest, schema, store, logger: silentLogger }).install('acme', GOOD);
    await ssm.server.close();
    // Act: a second install whose endpoint process dies between writing and renaming its data file
    const child = spawnSync(process.execPath, ['--import', 'tsx', resolve(__dirname, '../../fixtures/install-crash-child.ts')], {
      env: { ...process.env, CRASH_DATA_DIR: ssm.dataDir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    await ssm.restart();
    const reader = createIparamsReader({ appId: APP_ID, store: new SsmIparamStore({ client: ssm.client().client }), logger: silentLogger });
    // Assess
    expect(child.status).toBe(99);
    expect(await reader.read('acme')).toEqual({ ...GOOD, region: 'eu' });
    expect(child.stdout + child.stderr).not.toContain(SECRET_V1);
  });
});
