/**
 * Batched iparams reads against ssm-local through the real SDK: one GetParameters (one request against SSM's
 * throughput) returns several installations' documents, decrypted, and a missing one as absent; an app with
 * `iparamsBatchSize` makes a tenth of the SSM requests for ten busy installations.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createApp } from '../../../packages/runtime/src/index.js';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { createInstaller, installationDocumentName, SsmIparamStore, type StoredDocument } from '../../../packages/runtime/src/iparams/index.js';
import { silentLogger } from '../../../packages/protocol/src/log.js';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';
import { APP_ID, GOOD, manifest, schema, SECRET_V1 } from './fixture.js';

let ssm: LocalSsm;
beforeEach(async () => {
  ssm = await startLocalSsm();
});
afterEach(() => ssm.stop());

async function installMany(count: number): Promise<string[]> {
  const installer = createInstaller({ manifest, schema, store: new SsmIparamStore({ client: ssm.client().client }), logger: silentLogger });
  const ids = Array.from({ length: count }, (_, i) => `inst-${i}`);
  for (const id of ids) await installer.install(id, GOOD);
  return ids;
}

const event = (id: string) =>
  ({
    rawPath: '/getOrder',
    rawQueryString: '',
    headers: { 'x-tessera-installation': id },
    requestContext: { http: { method: 'GET', path: '/getOrder' } },
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

describe('SsmIparamStore.getMany', () => {
  it('reads several installations in one GetParameters, decrypted, a missing one as undefined', async () => {
    // Prepare
    const ids = await installMany(3);
    const counted = ssm.client();
    const store = new SsmIparamStore({ client: counted.client });
    // Act
    const found = await store.getMany(APP_ID, [...ids, 'never-installed']);
    // Assess
    expect(counted.trips).toEqual({ GetParameters: 1 });
    expect([...found.keys()]).toEqual([...ids, 'never-installed']);
    for (const id of ids) expect((found.get(id) as StoredDocument).document.values.shared_secret).toBe(SECRET_V1);
    expect(found.get('never-installed')).toBeUndefined();
  });

  it('fails only the installation whose document is malformed, naming no value', async () => {
    // Prepare
    const ids = await installMany(2);
    const counted = ssm.client();
    await counted.client.send(
      new PutParameterCommand({
        Name: installationDocumentName(APP_ID, ids[1] as string),
        Value: `{"format":1,"values":"${SECRET_V1}`,
        Type: 'SecureString',
        Overwrite: true,
      }),
    );
    // Act
    const found = await new SsmIparamStore({ client: counted.client }).getMany(APP_ID, ids);
    // Assess
    expect((found.get(ids[0] as string) as StoredDocument).document.values.shared_secret).toBe(SECRET_V1);
    const broken = found.get(ids[1] as string);
    expect(broken).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE', cause: { name: 'MalformedDocument' } });
    expect(JSON.stringify(broken)).not.toContain(SECRET_V1);
  });

  it('refuses more than ten installations at once, before any request', async () => {
    const counted = ssm.client();
    const store = new SsmIparamStore({ client: counted.client });
    await expect(
      store.getMany(
        APP_ID,
        Array.from({ length: 11 }, (_, i) => `i${i}`),
      ),
    ).rejects.toThrow(TypeError);
    expect(counted.total()).toBe(0);
  });
});

describe('createApp iparamsBatchSize', () => {
  it('makes a tenth of the SSM requests for ten installations read every second, each still fresh within the TTL', async () => {
    // Prepare
    const ids = await installMany(10);
    const run = async (iparamsBatchSize: number | undefined) => {
      const counted = ssm.client();
      let nowMs = Date.parse('2026-12-01T00:00:00Z');
      const app = createApp({
        manifest: { ...manifest, functions: { getOrder: { methods: ['GET'] } } },
        store: new SsmIparamStore({ client: counted.client }),
        logger: silentLogger,
        offline: true,
        env: {},
        clock: () => nowMs,
        iparamsTtlMs: 60_000,
        ...(iparamsBatchSize ? { iparamsBatchSize } : {}),
      });
      const fn = app.defineFunction('getOrder', async ({ iparams }) => ({ body: { url: iparams.server_url } }));
      let afterFirstMinute = 0;
      for (let s = 0; s < 300; s++) {
        if (s === 60) afterFirstMinute = counted.total();
        for (const id of ids) expect((await fn(event(id), {} as never)).statusCode).toBe(200);
        nowMs += 1_000;
      }
      return { requests: counted.total() - afterFirstMinute, trips: counted.trips };
    };
    // Act
    const single = await run(undefined);
    const batched = await run(10);
    // Assess
    expect(single.requests).toBe(40);
    expect(batched.requests).toBeLessThanOrEqual(4);
    expect(Object.keys(batched.trips)).toContain('GetParameters');
  });
});
