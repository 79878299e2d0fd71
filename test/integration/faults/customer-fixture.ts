/** A real function against a hostile customer server: iparams in a real ssm-local, calls over real sockets. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createApp } from '../../../packages/runtime/src/index.js';
import { createInstaller, SsmIparamStore } from '../../../packages/runtime/src/iparams/index.js';
import type { IparamsSchema, Manifest } from '../../../packages/schema/src/index.js';
import { captureLogger } from '../../helpers/logs.js';
import type { LocalSsm } from '../../helpers/ssm.js';

export const APP_ID = 'order-lookup';
export const SECRET = 'faults-Secret_0123456789abcdefghijklmnopqrstuv';
/** Small, so a refusal that waits for it is quick; every timing assertion leaves a wide margin over it. */
export const TIMEOUT_MS = 400;
export const MAX_RESPONSE_BYTES = 1024 * 1024;

const schema: IparamsSchema = {
  server_url: { display_name: 'Server', type: 'url', required: true },
  shared_secret: { display_name: 'Secret', type: 'text', secure: true, required: true },
  auth_mode: { display_name: 'Mode', type: 'dropdown', options: ['jwt', 'shared-secret'], required: true },
};

export function manifestFor(allowedHosts: string[]): Manifest {
  return {
    app: { id: APP_ID, version: '1.0.0' },
    functions: { call: { methods: ['GET'] } },
    customer: {
      baseUrl: '{{iparams.server_url}}',
      allowedHosts,
      auth: { mode: '{{iparams.auth_mode}}', secretIparam: 'shared_secret', alg: 'HS256' },
      timeoutMs: TIMEOUT_MS,
      maxResponseBytes: MAX_RESPONSE_BYTES,
    },
  };
}

/** Stores the installation `acme`, pointing at `origin`. */
export async function install(ssm: LocalSsm, origin: string, allowedHosts: string[], mode: 'jwt' | 'shared-secret'): Promise<void> {
  const installer = createInstaller({
    manifest: manifestFor(allowedHosts),
    schema,
    store: new SsmIparamStore({ client: ssm.client().client }),
    actor: 'test',
    logger: captureLogger().logger,
  });
  await installer.install('acme', { server_url: origin, shared_secret: SECRET, auth_mode: mode }, { replace: true });
}

/** GET /call?path=…: the function passes `path` to the customer client and returns what it got. */
export const callEvent = (path: string): APIGatewayProxyEventV2 =>
  ({
    rawPath: '/call',
    rawQueryString: `path=${encodeURIComponent(path)}`,
    headers: {},
    requestContext: { http: { method: 'GET', path: '/call' } },
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

export interface CallFunction {
  fn: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  lines: string[];
  reads: () => number;
}

/** A fresh app (cold iparams cache) whose SSM round trips are counted. */
export function callFunction(ssm: LocalSsm, allowedHosts: string[], clock?: () => number): CallFunction {
  const log = captureLogger();
  const counted = ssm.client();
  const app = createApp({
    manifest: manifestFor(allowedHosts),
    store: new SsmIparamStore({ client: counted.client }),
    identify: () => 'acme',
    logger: log.logger,
    offline: true,
    env: {},
    ...(clock ? { clock } : {}),
  });
  const fn = app.defineFunction('call', async ({ request, customer }) => ({ body: (await customer.get(request.query.path ?? '/')).data }));
  return { fn: fn as CallFunction['fn'], lines: log.lines, reads: () => counted.total() };
}

/** The wire error of an answer. */
export const errorOf = (res: APIGatewayProxyStructuredResultV2): { code?: string } =>
  (JSON.parse(String(res.body)) as { error?: { code?: string } }).error ?? {};
