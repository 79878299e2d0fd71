/**
 * A function under steady traffic while ssm-local injects a fault: the real runtime (createApp, its default SDK
 * configuration) over real HTTP, one virtual clock for the caches and the fault windows. Shared by the scenario test
 * and `npm run bench -- ssm-faults`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { silentLogger } from '../../../packages/protocol/src/log.js';
import { startSsmLocal, type SsmFault, type SsmLocalServer } from '../../../packages/offline/src/index.js';
import { createApp } from '../../../packages/runtime/src/index.js';
import { createInstaller, IPARAMS_RETRY_BACKOFF_MS, SSM_MAX_ATTEMPTS, SsmIparamStore } from '../../../packages/runtime/src/iparams/index.js';
import { countingClient } from '../../helpers/ssm.js';
import { GOOD, manifest, schema } from '../iparams/fixture.js';

/** The iparams TTL of the scenario's function (virtual ms); the back-off is the shorter of it and the reader's. */
export const TTL_MS = 2_000;
export const BACKOFF_MS = Math.min(TTL_MS, IPARAMS_RETRY_BACKOFF_MS);
/**
 * The stated bound: one instance's reads of one installation, SDK retries included, in any second of a fault. A
 * failed read makes at most `SSM_MAX_ATTEMPTS` attempts and is followed by `BACKOFF_MS` (≥ 1 s) without any.
 */
export const MAX_SSM_REQUESTS_PER_INSTALLATION_PER_SEC = SSM_MAX_ATTEMPTS * Math.ceil(1_000 / BACKOFF_MS);
/** Each SDK attempt's timeout here (the default is 1,000 ms), so a latency fault above it costs little wall time. */
export const REQUEST_TIMEOUT_MS = 100;
export const STEP_MS = 10;
/** The fault starts as the warm installations' values go stale, and lasts longer than the back-off. */
export const FAULT_START_MS = TTL_MS;
export const FAULT_MS = 3_000;
export const FAULT_END_MS = FAULT_START_MS + FAULT_MS;
const END_MS = FAULT_END_MS + TTL_MS + 500;

/** Read before the fault, so cached; and never read before it. */
export const WARM = ['warm-0', 'warm-1', 'warm-2', 'warm-3', 'warm-4'];
export const COLD = ['cold-0', 'cold-1', 'cold-2'];
/** The value every installation holds until just before the fault, then the one written then. */
export const BEFORE = 'before the fault';
export const AFTER = 'written before the fault';

const EPOCH_MS = Date.UTC(2030, 0, 1);
const DOCUMENT_NAME = /\/installations\/([^/]+)\/iparams$/;

/** A fault to inject at `FAULT_START_MS`; without `forMs` it is cleared at `FAULT_END_MS`. */
export interface FaultPlan {
  name: string;
  faults: SsmFault[];
}

export interface Invocation {
  installationId: string;
  cold: boolean;
  /** Virtual ms since the run began. */
  atMs: number;
  status: number;
  code?: string;
  notes?: string;
  /** Real ms the invocation took. */
  latencyMs: number;
}

export interface ScenarioRun {
  invocations: Invocation[];
  /** Every GetParameter attempt the function's SDK client made (refused connections included), by installation. */
  attempts: { installationId: string; atMs: number }[];
  /** GetParameter requests that reached ssm-local. */
  reached: number;
}

export interface FaultBed {
  readonly server: SsmLocalServer;
  run(plan: FaultPlan | undefined): Promise<ScenarioRun>;
  stop(): Promise<void>;
}

/**
 * The highest number of attempts for one installation within one virtual second.
 * @example
 * expect(maxPerInstallationPerSec(run)).toBeLessThanOrEqual(MAX_SSM_REQUESTS_PER_INSTALLATION_PER_SEC);
 */
export function maxPerInstallationPerSec(run: ScenarioRun): number {
  const perBucket = new Map<string, number>();
  for (const a of run.attempts) {
    const key = `${a.installationId}@${Math.floor(a.atMs / 1_000)}`;
    perBucket.set(key, (perBucket.get(key) ?? 0) + 1);
  }
  return Math.max(0, ...perBucket.values());
}

function event(installationId: string): APIGatewayProxyEventV2 {
  return {
    headers: { 'x-installation': installationId },
    requestContext: { http: { method: 'GET' } },
    rawPath: '/getOrder',
    rawQueryString: '',
  } as unknown as APIGatewayProxyEventV2;
}

/**
 * Starts ssm-local on a free port with the virtual clock, and the installations the runs read.
 * @example
 * const bed = await startFaultBed();
 * const run = await bed.run({ name: 'outage', faults: [{ kind: 'outage', forMs: FAULT_MS }] });
 */
export async function startFaultBed(): Promise<FaultBed> {
  const clock = { ms: EPOCH_MS };
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-ssm-faults-'));
  const server = await startSsmLocal({ dataDir, port: 0, logger: silentLogger, now: () => clock.ms });
  const admin = countingClient(server.url);
  const installer = createInstaller({ manifest, schema, store: new SsmIparamStore({ client: admin.client }), logger: silentLogger });
  const all = [...WARM, ...COLD];

  async function run(plan: FaultPlan | undefined): Promise<ScenarioRun> {
    for (const id of all) await installer.install(id, { ...GOOD, notes: BEFORE }, { replace: true });
    // The default client, as a function gets it, finds the endpoint in its environment as on AWS.
    const endpoint = process.env.AWS_ENDPOINT_URL_SSM;
    process.env.AWS_ENDPOINT_URL_SSM = server.url;
    const store = new SsmIparamStore({ requestTimeoutMs: REQUEST_TIMEOUT_MS });
    const attempts: ScenarioRun['attempts'] = [];
    const base = clock.ms;
    // Per attempt: the deserialize step runs once for each try the retry strategy makes.
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = String((args.input as { Name?: string }).Name ?? '');
        const installationId = DOCUMENT_NAME.exec(name)?.[1];
        if (context.commandName === 'GetParameterCommand' && installationId) attempts.push({ installationId, atMs: clock.ms - base });
        return next(args);
      },
      { step: 'deserialize', name: 'attemptRecorder' },
    );
    const app = createApp({
      manifest,
      store,
      clock: () => clock.ms,
      iparamsTtlMs: TTL_MS,
      identify: (e) => String(e.headers['x-installation']),
      logger: silentLogger,
    });
    const fn = app.defineFunction('getOrder', ({ iparams }) => ({ body: { notes: (iparams as { notes?: string }).notes } }));
    const invocations: Invocation[] = [];
    const reached = () => (server.requestCounts().GetParameter ?? 0) - (admin.trips.GetParameter ?? 0);
    const reachedBefore = reached();
    const invoke = async (installationId: string, atMs: number): Promise<void> => {
      const started = performance.now();
      const res = await fn(event(installationId));
      const latencyMs = performance.now() - started;
      const body = JSON.parse(String(res.body ?? '{}')) as { notes?: string; error?: { code?: string } };
      invocations.push({
        installationId,
        cold: COLD.includes(installationId),
        atMs,
        status: res.statusCode ?? 0,
        ...(body.error?.code ? { code: body.error.code } : {}),
        ...(body.notes !== undefined ? { notes: body.notes } : {}),
        latencyMs,
      });
    };
    try {
      for (let t = 0; t <= END_MS; t += STEP_MS) {
        clock.ms = base + t;
        if (t === FAULT_START_MS - STEP_MS) {
          for (const id of all) await installer.set(id, 'notes', AFTER);
        }
        if (plan && t === FAULT_START_MS) server.faults.set(...plan.faults);
        if (plan && t === FAULT_END_MS) server.faults.clear();
        await Promise.all((t < FAULT_START_MS ? WARM : all).map((id) => invoke(id, t)));
      }
    } finally {
      server.faults.clear();
      store.client.destroy();
      if (endpoint === undefined) delete process.env.AWS_ENDPOINT_URL_SSM;
      else process.env.AWS_ENDPOINT_URL_SSM = endpoint;
    }
    return { invocations, attempts, reached: reached() - reachedBefore };
  }

  return {
    server,
    run,
    async stop() {
      admin.client.destroy();
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
