/**
 * The runtime through each SSM fault (issue 11): a function from createApp under steady traffic over eight
 * installations, its default SDK client over real HTTP to ssm-local, which injects the fault. Time is a virtual clock
 * for the caches and the fault windows; only the SDK's timeouts and retry delays run in real time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { silentLogger } from '../../../packages/protocol/src/log.js';
import { startSsmLocal, type SsmFault, type SsmLocalServer } from '../../../packages/offline/src/index.js';
import { createApp } from '../../../packages/runtime/src/index.js';
import { createInstaller, SsmIparamStore } from '../../../packages/runtime/src/iparams/index.js';
import { countingClient } from '../../helpers/ssm.js';
import { GOOD, manifest, schema } from '../iparams/fixture.js';
import {
  AFTER,
  BEFORE,
  FAULT_END_MS,
  FAULT_MS,
  FAULT_START_MS,
  type FaultBed,
  MAX_SSM_REQUESTS_PER_INSTALLATION_PER_SEC,
  maxPerInstallationPerSec,
  REQUEST_TIMEOUT_MS,
  type ScenarioRun,
  startFaultBed,
  TTL_MS,
} from './ssm-scenario.js';

const OP = 'GetParameter';

/** `every`: each read of a never-read installation fails while the fault lasts; `some`: some may; `none`: none does. */
const PLANS: { name: string; faults: SsmFault[]; coldFail: 'every' | 'some' | 'none' }[] = [
  { name: 'throttling at a rate (half the reads)', faults: [{ kind: 'throttle', operation: OP, rate: 0.5, seed: 11 }], coldFail: 'some' },
  { name: 'throttling for a period', faults: [{ kind: 'throttle', operation: OP, forMs: FAULT_MS }], coldFail: 'every' },
  { name: '500 answers', faults: [{ kind: 'status', status: 500, operation: OP, forMs: FAULT_MS }], coldFail: 'every' },
  { name: '503 answers', faults: [{ kind: 'status', status: 503, operation: OP, forMs: FAULT_MS }], coldFail: 'every' },
  { name: 'latency above the SDK timeout', faults: [{ kind: 'latency', ms: REQUEST_TIMEOUT_MS * 4, operation: OP }], coldFail: 'every' },
  { name: 'latency below the SDK timeout', faults: [{ kind: 'latency', ms: REQUEST_TIMEOUT_MS / 5, operation: OP }], coldFail: 'none' },
  { name: 'dropped connections', faults: [{ kind: 'drop', operation: OP, forMs: FAULT_MS }], coldFail: 'every' },
  { name: 'a full outage', faults: [{ kind: 'outage', forMs: FAULT_MS }], coldFail: 'every' },
];

let bed: FaultBed;
beforeAll(async () => {
  bed = await startFaultBed();
});
afterAll(() => bed.stop());

describe.each(PLANS)('the runtime through $name', ({ faults, coldFail }) => {
  let run: ScenarioRun;
  beforeAll(async () => {
    run = await bed.run({ name: '', faults });
  }, 30_000);

  it('fails no invocation of an installation with a good value cached, and serves the stale one', () => {
    // Act
    const warm = run.invocations.filter((i) => !i.cold);
    // Assess
    expect(warm.length).toBeGreaterThan(2_000);
    expect(warm.filter((i) => i.status !== 200)).toEqual([]);
    expect(new Set(warm.map((i) => i.notes))).toEqual(new Set([BEFORE, AFTER]));
    if (coldFail === 'every') expect(warm.some((i) => i.atMs >= FAULT_START_MS && i.notes === BEFORE)).toBe(true);
  });

  it('answers a never-read installation 200 or 503 ERR_STORE_UNAVAILABLE, without waiting for an answer that is late', () => {
    // Act
    const cold = run.invocations.filter((i) => i.cold);
    const during = cold.filter((i) => i.atMs < FAULT_END_MS);
    const refused = cold.filter((i) => i.status !== 200);
    // Assess
    expect(cold.length).toBeGreaterThan(1_000);
    expect(refused.filter((i) => i.status !== 503 || i.code !== 'ERR_STORE_UNAVAILABLE')).toEqual([]);
    if (coldFail === 'every') expect(during.filter((i) => i.status === 200)).toEqual([]);
    if (coldFail === 'none') expect(refused).toEqual([]);
  });

  it(`keeps SSM attempts, SDK retries included, to ${MAX_SSM_REQUESTS_PER_INSTALLATION_PER_SEC} per installation per second`, () => {
    // Act
    const max = maxPerInstallationPerSec(run);
    // Assess
    expect(run.attempts.length).toBeGreaterThan(0);
    expect(max).toBeLessThanOrEqual(MAX_SSM_REQUESTS_PER_INSTALLATION_PER_SEC);
  });

  it('serves the value written during the fault to every installation within the TTL of its end', () => {
    // Act
    const afterTtl = run.invocations.filter((i) => i.atMs >= FAULT_END_MS + TTL_MS);
    // Assess
    expect(afterTtl.length).toBeGreaterThan(0);
    expect(afterTtl.filter((i) => i.status !== 200 || i.notes !== AFTER)).toEqual([]);
  });
});

describe('the runtime with no fault (the same traffic)', () => {
  it('reads each installation once per TTL', async () => {
    // Act
    const run = await bed.run(undefined);
    // Assess
    expect(run.invocations.filter((i) => i.status !== 200)).toEqual([]);
    expect(maxPerInstallationPerSec(run)).toBe(1);
  }, 30_000);
});

describe('createApp option: ssmRequestTimeoutMs', () => {
  let server: SsmLocalServer;
  let dataDir: string;
  const endpoint = process.env.AWS_ENDPOINT_URL_SSM;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tessera-ssm-timeout-'));
    server = await startSsmLocal({ dataDir, port: 0, logger: silentLogger });
    const admin = countingClient(server.url);
    await createInstaller({ manifest, schema, store: new SsmIparamStore({ client: admin.client }), logger: silentLogger }).install('acme', GOOD);
    admin.client.destroy();
    // The default store's client finds the endpoint as a function on AWS would find its own.
    process.env.AWS_ENDPOINT_URL_SSM = server.url;
  });
  afterAll(async () => {
    if (endpoint === undefined) delete process.env.AWS_ENDPOINT_URL_SSM;
    else process.env.AWS_ENDPOINT_URL_SSM = endpoint;
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = (options: { ssmRequestTimeoutMs?: number; env?: Record<string, string> }) => {
    const app = createApp({ manifest, identify: () => 'acme', logger: silentLogger, ...options });
    const fn = app.defineFunction('getOrder', () => ({ body: {} }));
    return fn({
      headers: {},
      requestContext: { http: { method: 'GET' } },
      rawPath: '/getOrder',
      rawQueryString: '',
    } as unknown as APIGatewayProxyEventV2);
  };

  it.each([
    ['TESSERA_SSM_REQUEST_TIMEOUT_MS below the latency', 503, { env: { TESSERA_SSM_REQUEST_TIMEOUT_MS: '100' } }],
    ['the option above it, over the variable', 200, { ssmRequestTimeoutMs: 5_000, env: { TESSERA_SSM_REQUEST_TIMEOUT_MS: '100' } }],
  ])('with %s, answers %i to a read SSM answers after 400 ms', async (_case, status, options) => {
    // Prepare
    server.faults.set({ kind: 'latency', ms: 400 });
    // Act
    const res = await call(options);
    server.faults.clear();
    // Assess
    expect(res.statusCode).toBe(status);
  });

  it('is refused beside a store of your own', () => {
    // Act
    const act = () => createApp({ manifest, store: new SsmIparamStore(), ssmRequestTimeoutMs: 500, logger: silentLogger });
    // Assess
    expect(act).toThrow(TypeError);
  });
});
