/**
 * defineFunction's outbound credentials, end to end over real sockets and a real ssm-local: a secret changed on both
 * sides is picked up on the first refused call (refresh and one retry), and app-key signing (ES256/EdDSA) follows
 * the key set in SSM, checked by the customer's verifier against the JWKS the app publishes.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createInstaller, SsmIparamStore } from '../../../packages/runtime/src/iparams/index.js';
import { DeleteParameterCommand } from '@aws-sdk/client-ssm';
import {
  createJwksHandler,
  createKeyManager,
  createSigningKeyProvider,
  signingKeysParameterName,
  SsmKeyStore,
} from '../../../packages/runtime/src/keys/index.js';
import { createApp } from '../../../packages/runtime/src/index.js';
import type { IparamsSchema } from '../../../packages/schema/src/index.js';
import { createVerifier, sendVerifyError, verifyNodeRequest, type Verifier } from '../../../packages/verify/src/index.js';
import { captureLogger } from '../../helpers/logs.js';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';

jest.setTimeout(30_000);

const APP_ID = 'order-lookup';
const V1 = 'runtime-Secret-v1_0123456789abcdefghijklmnopq';
const V2 = 'runtime-Secret-v2_ZYXWVUTSRQPONMLKJIHGFEDCBA98';
const schema: IparamsSchema = {
  server_url: { display_name: 'Server', type: 'url', required: true },
  shared_secret: { display_name: 'Secret', type: 'text', secure: true, required: true },
  auth_mode: { display_name: 'Mode', type: 'dropdown', options: ['jwt', 'shared-secret'], required: true },
};

let ssm: LocalSsm;
let server: Server;
let origin: string;
let verifier: Verifier;
const seen: { ok: number; refused: string[] } = { ok: 0, refused: [] };
/** The JWKS the app would publish, served by the real JWKS handler on the same loopback server. */
let jwksHandler: ReturnType<typeof createJwksHandler>;

const savedOffline = process.env.TESSERA_OFFLINE;
beforeAll(async () => {
  // Offline mode lets the customer client use plain HTTP to this loopback server.
  process.env.TESSERA_OFFLINE = 'true';
  ssm = await startLocalSsm();
  server = createServer(async (req, res) => {
    if (req.url === '/.well-known/jwks.json') {
      const answer = await jwksHandler({ rawPath: req.url, requestContext: { http: { method: 'GET' } } } as never);
      res.writeHead(answer.statusCode, answer.headers).end(answer.body);
      return;
    }
    try {
      await verifyNodeRequest(req, verifier);
      seen.ok++;
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    } catch (err) {
      seen.refused.push(String((err as { code?: string }).code));
      sendVerifyError(res, err);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  if (savedOffline === undefined) delete process.env.TESSERA_OFFLINE;
  else process.env.TESSERA_OFFLINE = savedOffline;
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await ssm.stop();
});
beforeEach(() => {
  seen.ok = 0;
  seen.refused = [];
});

const event = (): APIGatewayProxyEventV2 =>
  ({
    rawPath: '/sync',
    rawQueryString: '',
    headers: { 'x-tessera-installation': 'acme' },
    requestContext: { http: { method: 'POST', path: '/sync' } },
    body: '{}',
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2;

function manifestWith(alg: 'HS256' | 'ES256' | 'EdDSA') {
  return {
    app: { id: APP_ID, version: '1.0.0' },
    functions: { sync: { methods: ['POST'] } },
    customer: {
      baseUrl: '{{iparams.server_url}}',
      allowedHosts: [new URL(origin).host],
      auth: { mode: '{{iparams.auth_mode}}', secretIparam: 'shared_secret', alg },
    },
  };
}

function syncFunction(alg: 'HS256' | 'ES256' | 'EdDSA', extra: Record<string, unknown> = {}) {
  const log = captureLogger();
  const counted = ssm.client();
  const app = createApp({
    manifest: manifestWith(alg),
    store: new SsmIparamStore({ client: counted.client }),
    identify: () => 'acme',
    logger: log.logger,
    ...extra,
  });
  const fn = app.defineFunction('sync', async ({ customer }) => ({ body: (await customer.post('/orders/sync', { n: 1 })).data }));
  return { fn, lines: log.lines, reads: () => counted.total() };
}

describe.each(['jwt', 'shared-secret'] as const)('a secret changed on both sides (%s)', (mode) => {
  it('works on the first call after the change: one refusal, one SSM re-read, one retry, long before the TTL', async () => {
    // Prepare
    const installer = createInstaller({
      manifest: manifestWith('HS256'),
      schema,
      store: new SsmIparamStore({ client: ssm.client().client }),
      actor: 'test',
    });
    await installer.install('acme', { server_url: origin, shared_secret: V1, auth_mode: mode }, { replace: true });
    verifier = createVerifier(
      mode === 'jwt' ? { mode, secrets: [V1], publicOrigin: origin, issuer: APP_ID } : { mode, secrets: [V1], publicOrigin: origin },
    );
    const { fn, lines, reads } = syncFunction('HS256');
    expect((await fn(event())).statusCode).toBe(200);
    // Act: the secret changes in SSM and at the customer, with no overlap; the function's cache (60 s) still has V1
    await installer.set('acme', 'shared_secret', V2);
    verifier = createVerifier(
      mode === 'jwt' ? { mode, secrets: [V2], publicOrigin: origin, issuer: APP_ID } : { mode, secrets: [V2], publicOrigin: origin },
    );
    // A refresh re-reads at most once per 5 s per installation, counted from the last read
    await new Promise((r) => setTimeout(r, 5_100));
    const readsBefore = reads();
    const res = await fn(event());
    const next = await fn(event());
    // Assess
    expect([res.statusCode, next.statusCode]).toEqual([200, 200]);
    expect(seen.refused).toEqual([mode === 'jwt' ? 'ERR_VERIFY_SIGNATURE' : 'ERR_VERIFY_SECRET']);
    expect(reads() - readsBefore).toBe(1);
    expect(lines.join('\n')).not.toMatch(new RegExp(`${V1}|${V2}`));
  });
});

/**
 * The installation `acme` in jwt mode, a fresh key set in SSM with one key of `alg`, the app's JWKS served by the
 * real handler, and a verifier that checks tokens against it.
 */
async function appKeysInSsm(alg: 'ES256' | 'EdDSA', now: () => number) {
  const installer = createInstaller({
    manifest: manifestWith(alg),
    schema,
    store: new SsmIparamStore({ client: ssm.client().client }),
    actor: 'test',
  });
  await installer.install('acme', { server_url: origin, shared_secret: V1, auth_mode: 'jwt' }, { replace: true });
  const { client } = ssm.client();
  await client.send(new DeleteParameterCommand({ Name: signingKeysParameterName(APP_ID) })).catch(() => undefined);
  const keyStore = new SsmKeyStore({ client });
  const manager = createKeyManager({ appId: APP_ID, store: keyStore, now, logger: captureLogger().logger });
  const first = await manager.generate({ alg });
  jwksHandler = createJwksHandler({ appId: APP_ID, store: keyStore, ttlMs: 1_000, now, logger: captureLogger().logger });
  verifier = createVerifier({
    mode: 'jwt',
    algorithms: ['ES256', 'EdDSA'],
    jwksUrl: `${origin}/.well-known/jwks.json`,
    allowLoopbackHttp: true,
    publicOrigin: origin,
    issuer: APP_ID,
    installationId: 'acme',
  });
  return { keyStore, manager, first };
}

describe.each(['ES256', 'EdDSA'] as const)('app-key signing (%s)', (alg) => {
  it('signs with the key set in SSM and follows a rotation, verified against the published JWKS', async () => {
    // Prepare: the installation chooses jwt; the app's keys live in SSM; the customer verifies with the JWKS URL.
    // The keys' clock only: activation times are read against it; tokens and the verifier keep real time.
    let nowMs = Date.now();
    const { keyStore, manager, first } = await appKeysInSsm(alg, () => nowMs);
    const signingKeys = createSigningKeyProvider({ appId: APP_ID, store: keyStore, ttlMs: 1, now: () => nowMs });
    const { fn, lines } = syncFunction(alg, { signingKeys });
    // Act: rotate (the next key is published at once), a call the verifier checks after fetching the JWKS, then the
    // activation time passes and a call is signed with the next key, which the verifier already holds
    const next = await manager.rotate({ alg: alg === 'ES256' ? 'EdDSA' : 'ES256', delaySec: 600 });
    const before = await fn(event());
    nowMs += 601_000;
    await new Promise((r) => setTimeout(r, 5));
    const signedBy = (await signingKeys.current()).kid;
    const after = await fn(event());
    // Assess
    expect([before.statusCode, after.statusCode]).toEqual([200, 200]);
    expect(seen.refused).toEqual([]);
    expect(next.kid).not.toBe(first.kid);
    expect(signedBy).toBe(next.kid);
    expect(lines.join('\n')).not.toMatch(/"d":/);
  });

  it("reads the app's keys through the iparams store's SSM client when no provider is given", async () => {
    // Prepare: keys in SSM, and no SSM endpoint in the environment, so a second default client could reach none
    await appKeysInSsm(alg, Date.now);
    const saved = process.env.AWS_ENDPOINT_URL_SSM;
    delete process.env.AWS_ENDPOINT_URL_SSM;
    try {
      const { fn, reads } = syncFunction(alg);
      // Act
      const res = await fn(event());
      // Assess: the installation and the key set, both over the one counted client
      expect(res.statusCode).toBe(200);
      expect(reads()).toBe(2);
    } finally {
      if (saved !== undefined) process.env.AWS_ENDPOINT_URL_SSM = saved;
    }
  });
});
