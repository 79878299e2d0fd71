/** The real stack for browser tests: `tessera offline` (ssm-local, `serverless offline` and its proxy) on a temporary
 *  copy of the service, an installation, the customer server and the dev platform, all on free loopback ports. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { startCustomerServer, type CustomerServer } from '../../demo/customer-server.js';
import { copyService, type ServiceCopy } from '../../demo/_service-copy.js';
import { createInstaller, SsmIparamStore } from '../../packages/runtime/src/iparams/index.js';
import { createKeyManager, SsmKeyStore } from '../../packages/runtime/src/keys/index.js';
import { silentLogger } from '../../packages/protocol/src/log.js';
import { startDevPlatform, type DevPlatform } from '../../packages/offline/src/index.js';
import { loadProject } from '../../packages/schema/src/index.js';
import { freePorts, waitForPort } from '../helpers/ports.js';

export const root = resolve(__dirname, '../..');
/** ssm-local accepts any credentials; fixed ones keep the SDK from looking for real ones. */
export const OFFLINE_CREDENTIALS = { accessKeyId: 'offline', secretAccessKey: 'offline' };

export interface Stack {
  platform: DevPlatform;
  /** The customer server, for its live feed (`setStatus` pushes to the page). */
  customer: CustomerServer;
  functionsUrl: string;
  /** Everything `serverless offline` (and so every function) printed. */
  output(): string;
  /** The installation's shared secret, only to assert it is printed nowhere (unset when the stack installed nothing). */
  secret: string;
  /** ssm-local's URL, for reading back what a page wrote. */
  ssmUrl: string;
  /** The service copy the functions run from, for the CLI's working directory. */
  projectDir: string;
  stop(): Promise<void>;
}

/**
 * Starts the stack. The service copy's manifest points its session section at this run's dev platform and lets the
 * platform's origin through CORS, so the test runs beside the offline end-to-end test without sharing a port.
 */
export async function startStack(options: { installationId?: string; install?: boolean } = {}): Promise<Stack> {
  const installationId = options.installationId ?? 'demo';
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-browser-ssm-'));
  let service: ServiceCopy | undefined;
  let customer: CustomerServer | undefined;
  let platform: DevPlatform | undefined;
  let child: ChildProcess | undefined;
  let output = '';

  const stop = async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
    await Promise.all([platform?.close(), customer?.close()]);
    service?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    // Every port the stack opens, serverless offline's own three included: none of `npm start`'s fixed ones.
    const {
      customer: customerPort,
      platform: platformPort,
      ...offlinePorts
    } = await freePorts(['ssm', 'http', 'sls', 'lambda', 'ws', 'customer', 'platform']);
    const functionsUrl = `http://127.0.0.1:${offlinePorts.http}`;

    platform = await startDevPlatform({
      port: platformPort,
      appId: 'order-lookup',
      installationId,
      functionsUrl,
      socketOrigins: [`ws://127.0.0.1:${customerPort}`],
      pageDir: join(root, 'demo/product'),
      logger: silentLogger,
    });
    service = copyService(root, { customerHost: `127.0.0.1:${customerPort}`, platformOrigin: platform.url });
    const project = service.dir;

    // `tessera offline`, as a developer runs it: ssm-local, `serverless offline`, and the proxy in front of it.
    const portFlags = Object.entries(offlinePorts).flatMap(([name, port]) => [`--${name}-port`, String(port)]);
    child = spawn(process.execPath, [join(root, 'packages/cli/bin/tessera.cjs'), 'offline', ...portFlags, '--data-dir', dataDir], {
      cwd: project,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    await waitForPort(offlinePorts.ssm, 60_000);
    const ssmUrl = `http://127.0.0.1:${offlinePorts.ssm}`;
    const { manifest: loaded, iparams } = await loadProject(project);
    const client = new SSMClient({ endpoint: ssmUrl, region: 'us-east-1', credentials: OFFLINE_CREDENTIALS });
    const store = new SsmIparamStore({ client });
    const secret = randomBytes(32).toString('base64url');
    if (options.install !== false) {
      await createInstaller({ manifest: loaded, schema: iparams, store, actor: 'browser-test', logger: silentLogger }).install(installationId, {
        server_url: `http://127.0.0.1:${customerPort}`,
        shared_secret: secret,
        auth_mode: 'jwt',
        support_email: 'support@example.com',
      });
    }
    // The manifest's outbound alg decides what the customer's verifier checks: the app's key (its JWKS, served by
    // the functions) for ES256/EdDSA, the installation's secret for HS256.
    const alg = loaded.customer.auth.alg ?? 'HS256';
    if (alg === 'ES256' || alg === 'EdDSA') {
      await createKeyManager({ appId: 'order-lookup', store: new SsmKeyStore({ client }), actor: 'browser-test', logger: silentLogger }).generate({
        alg,
      });
    }
    customer = await startCustomerServer({
      port: customerPort,
      mode: 'jwt',
      appId: 'order-lookup',
      installationId,
      allowedOrigins: [platform.url],
      logger: silentLogger,
      ...(alg === 'HS256' ? { secrets: [secret] } : { jwks: { url: `${functionsUrl}/.well-known/jwks.json`, algorithms: [alg] } }),
    });
    await waitForPort(offlinePorts.http, 180_000);
    return { platform, customer, functionsUrl, output: () => output, secret, ssmUrl, projectDir: project, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
