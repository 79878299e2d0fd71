/**
 * Every error code is a contract, so every one is produced here by the part that owns it, driven as a user would
 * drive it (a request, a call, a command), and its family class is checked. A code no trigger produces fails.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { SSMClient } from '@aws-sdk/client-ssm';
import {
  ConfigError,
  ERROR_CODES,
  ERROR_FAMILIES,
  InboundError,
  IparamValidationError,
  KeysError,
  OutboundError,
  StoreError,
  CliError,
  VerifyError,
  type TesseraError,
  type ErrorFamily,
  type TesseraErrorCode,
} from '@tessera/protocol/errors';
import { createApp } from '@tessera/runtime';
import { createCustomerClient } from '@tessera/runtime/outbound';
import { createInstaller, createIparamsReader, SsmIparamStore, type IparamStore } from '@tessera/runtime/iparams';
import { createKeyManager, createSigningKeyProvider } from '@tessera/runtime/keys';
import { createVerifier, MemoryReplayStore, RedisReplayStore, tesseraExpress, type VerifierOptions } from '@tessera/verify';
import { startDevPlatform } from '@tessera/offline';
import { loadProject, type IparamsSchema, type Manifest } from '@tessera/schema';
import { keysCommands } from '../../../packages/cli/src/_keys-commands.js';
import { MemoryKeyStore } from '../../../packages/runtime/test/unit/keys/memory-key-store.js';
import {
  INSTALLATION_ID,
  mintSession,
  platformKey,
  startJwks as startSessionJwks,
  type PlatformKey,
} from '../../../packages/runtime/test/unit/inbound/_session-helpers.js';
import {
  CURRENT_SECRET,
  REQUEST,
  bearer,
  mintToken,
  NOW_MS,
  NOW_SEC,
  ORIGIN as CUSTOMER_ORIGIN,
} from '../../../packages/verify/test/unit/_helpers.js';
import { appKey, mintSigned } from '../../../packages/verify/test/unit/_asymmetric-helpers.js';
import {
  mintTicket,
  upgradeHeaders,
  upgradeVerifier,
  WS_PATH,
  FRONTEND as FRONTEND_ORIGIN,
} from '../../../packages/verify/test/unit/_ticket-helpers.js';
import { createUpgradeVerifier } from '@tessera/verify';
import { createTesseraWebSocketServer, createWsProxy } from '@tessera/verify/ws';
import WebSocket from 'ws';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startRecorder, type Recorder } from '../../helpers/http-recorder.js';
import { silentLogger } from '@tessera/protocol/log';

const APP = 'order-lookup';
const FRONTEND = 'https://acme.helpdesk.example.com';
const PASSWORD = 'correct horse battery staple 0123456789';
const SECRET = 'shared-Secret-0123456789abcdef0123456789abcdef';

let customer: Recorder;
let platform: Awaited<ReturnType<typeof startSessionJwks>>;
let key: PlatformKey;
let dir: string;

beforeAll(async () => {
  key = await platformKey('ES256', 'p-1');
  [customer, platform] = await Promise.all([startRecorder(), startSessionJwks([key])]);
  dir = await mkdtemp(join(tmpdir(), 'tessera-codes-'));
});
afterAll(async () => {
  await Promise.all([customer.close(), platform.close(), rm(dir, { recursive: true, force: true })]);
});

/** An iparams store in memory holding the one installation, the sessions' own. */
function memoryStore(): IparamStore {
  const values = { server_url: 'https://acme.orders.example.com', shared_secret: SECRET, basic_password: PASSWORD };
  return {
    async get(_app, id) {
      if (id !== INSTALLATION_ID) return undefined;
      return { version: 1, document: { format: 1, installationId: id, values, fields: {}, installedAt: '', updatedAt: '' } };
    },
    put: async () => ({ version: 1 }),
    delete: async () => true,
  };
}

const MANIFEST = {
  app: { id: APP, version: '1.0.0' },
  functions: {
    getOrder: { methods: ['GET'], scopes: ['orders:admin'] },
    addNote: { methods: ['POST'], csrf: true },
    syncOrders: { methods: ['POST'], credentials: ['basic'] },
    readBody: { methods: ['POST'] },
    crash: { methods: ['GET'] },
  },
  basic: { passwordIparam: 'basic_password' },
  customer: { baseUrl: '{{iparams.server_url}}', allowedHosts: ['*.orders.example.com'], auth: { mode: 'jwt', secretIparam: 'shared_secret' } },
  cors: { allowedOrigins: ['https://*.helpdesk.example.com'] },
};

function app(options: { session?: boolean; jwksUrl?: string } = {}) {
  const manifest =
    options.session === false
      ? MANIFEST
      : {
          ...MANIFEST,
          session: { jwksUrl: options.jwksUrl ?? `${platform.origin}/.well-known/jwks.json`, issuer: 'https://platform.test', algorithms: ['ES256'] },
        };
  const a = createApp({
    manifest,
    store: memoryStore(),
    offline: true,
    env: {},
    csrfSecret: 'c'.repeat(40),
    logger: silentLogger,
    clock: () => NOW_MS,
  });
  return {
    getOrder: a.defineFunction('getOrder', () => ({ body: {} })),
    addNote: a.defineFunction('addNote', () => ({ body: {} })),
    syncOrders: a.defineFunction('syncOrders', () => ({ body: {} })),
    readBody: a.defineFunction('readBody', ({ request }) => ({ body: request.json() })),
    crash: a.defineFunction('crash', () => {
      throw new Error('boom');
    }),
  };
}

function event(method: string, headers: Record<string, string> = {}, body?: string): APIGatewayProxyEventV2 {
  return {
    rawPath: '/fn',
    rawQueryString: '',
    headers: { origin: FRONTEND, ...headers },
    requestContext: { http: { method, path: '/fn' } },
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

const session = async (claims: Record<string, unknown> = {}) => ({ authorization: `Bearer ${await mintSession(key, { claims })}` });
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

function verifier(options: Partial<VerifierOptions> = {}) {
  return createVerifier({
    mode: 'jwt',
    secrets: [CURRENT_SECRET],
    issuer: APP,
    publicOrigin: CUSTOMER_ORIGIN,
    logger: silentLogger,
    now: () => NOW_MS,
    ...options,
  } as VerifierOptions);
}
const verifyToken = async (token: string, options: Partial<VerifierOptions> = {}) => verifier(options).verify({ ...REQUEST, headers: bearer(token) });

function client(overrides: Record<string, unknown> = {}) {
  return createCustomerClient({
    baseUrl: customer.origin,
    allowedHosts: [`127.0.0.1:${customer.port}`],
    auth: { mode: 'shared-secret', secret: SECRET },
    appId: APP,
    installationId: 'acme',
    offline: true,
    logger: silentLogger,
    ...overrides,
  } as Parameters<typeof createCustomerClient>[0]);
}
const answer = (fn: (res: import('node:http').ServerResponse) => void) => customer.respond((_req, res) => fn(res));

/** What a trigger produced: the error thrown, or the answer given. */
type Produced = { code: string; error?: unknown };

async function produced(act: () => Promise<unknown> | unknown): Promise<Produced> {
  try {
    const result = (await act()) as { statusCode?: number; body?: string } | undefined;
    const code = result?.body ? (JSON.parse(result.body) as { error?: { code?: string } }).error?.code : undefined;
    return { code: code ?? 'none' };
  } catch (error) {
    return { code: (error as { code?: string }).code ?? 'none', error };
  }
}

const FAMILY_CLASS: Record<ErrorFamily, abstract new (...args: never[]) => TesseraError> = {
  config: ConfigError,
  iparams: IparamValidationError,
  store: StoreError,
  inbound: InboundError,
  outbound: OutboundError,
  verify: VerifyError,
  keys: KeysError,
  cli: CliError,
};

const schema: IparamsSchema = {
  server_url: { display_name: 'Server', type: 'url', required: true },
  shared_secret: { display_name: 'Secret', type: 'text', secure: true, required: true },
};
const installer = () => createInstaller({ manifest: MANIFEST as unknown as Manifest, schema, store: memoryStore(), logger: silentLogger });
const reader = (store: IparamStore = memoryStore()) => createIparamsReader({ appId: APP, store, logger: silentLogger });
const keyStoreWith = async (text: string) => {
  const store = new MemoryKeyStore();
  await store.put(APP, JSON.parse(text) as never, { createOnly: true });
  return store;
};

/**
 * Serves upgrades through `handlerOf` (an upgrade server or the proxy), opens `attempts` sockets with fresh tickets
 * from the allowed origin, and returns the last one's answer as a Lambda-like result.
 */
async function lastUpgradeAnswer(
  handlerOf: (verifier: ReturnType<typeof createUpgradeVerifier>) => { handleUpgrade: (...args: never[]) => void; close(): Promise<void> },
  attempts: number,
): Promise<{ statusCode?: number; body?: string }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const verifier = createUpgradeVerifier({
    secrets: [CURRENT_SECRET],
    issuer: APP,
    installationId: 'acme-1',
    publicOrigin: origin,
    allowedOrigins: [FRONTEND_ORIGIN],
    logger: silentLogger,
  });
  const handler = handlerOf(verifier);
  server.on('upgrade', handler.handleUpgrade as never);
  const open = async (): Promise<{ ws: WebSocket; status?: number; body?: string }> => {
    const nowSec = Math.floor(Date.now() / 1000);
    const ticket = await mintTicket({ claims: { iss: APP, aud: origin, htu: `${origin}${WS_PATH}`, iat: nowSec, nbf: nowSec, exp: nowSec + 30 } });
    const ws = new WebSocket(`${origin}${WS_PATH}`, ['tessera.v1', `tessera.ticket.${ticket}`], { origin: FRONTEND_ORIGIN });
    return new Promise((resolve) => {
      ws.once('open', () => resolve({ ws }));
      ws.once('error', () => undefined);
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ ws, status: res.statusCode ?? 0, body }));
      });
    });
  };
  const opened: WebSocket[] = [];
  try {
    let last: { ws: WebSocket; status?: number; body?: string } | undefined;
    for (let i = 0; i < attempts; i++) {
      last = await open();
      opened.push(last.ws);
    }
    return { statusCode: last?.status, body: last?.body };
  } finally {
    for (const ws of opened) ws.close();
    await handler.close();
    server.closeAllConnections();
    server.close();
  }
}

/** One way, as a user meets it, to get each code; the family says which class must carry it when thrown. */
const TRIGGERS: Record<TesseraErrorCode, [ErrorFamily, () => Promise<unknown> | unknown]> = {
  ERR_CONFIG_INVALID: [
    'config',
    async () => {
      await writeFile(join(dir, 'manifest.json'), '{"app":{"id":"UPPER"}}');
      await writeFile(join(dir, 'iparams.json'), '{}');
      return loadProject(dir);
    },
  ],
  ERR_IPARAM_INVALID: ['iparams', () => installer().install('acme-2', { server_url: 'not a url' })],
  ERR_INSTALLATION_ID_INVALID: ['iparams', () => reader().read('../etc')],
  ERR_PARAMETER_NAME_INVALID: ['iparams', () => installer().set(INSTALLATION_ID, 'no such/name', 'x')],
  ERR_INSTALLATION_NOT_FOUND: ['store', () => reader().read('nobody')],
  ERR_STORE_UNAVAILABLE: [
    'store',
    async () => {
      const closed = await startRecorder();
      await closed.close();
      const client = new SSMClient({
        region: 'us-east-1',
        endpoint: closed.origin,
        maxAttempts: 1,
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
      });
      return new SsmIparamStore({ client }).get(APP, 'acme');
    },
  ],
  ERR_REPLAY_STORE_FULL: [
    'store',
    async () => {
      const store = new MemoryReplayStore({ maxEntries: 1, now: () => NOW_MS });
      await store.remember('a', NOW_SEC + 60);
      return store.remember('b', NOW_SEC + 60);
    },
  ],
  ERR_REPLAY_STORE_UNAVAILABLE: [
    'verify',
    async () => {
      const down = { set: () => Promise.reject(new Error('connect ECONNREFUSED')) };
      return verifyToken(await mintToken(), { replayStore: new RedisReplayStore({ client: down }) });
    },
  ],
  ERR_ORIGIN_NOT_ALLOWED: ['inbound', async () => app().getOrder(event('GET', { origin: 'https://evil.example', ...(await session()) }))],
  ERR_PREFLIGHT_REFUSED: [
    'inbound',
    () => app().getOrder(event('OPTIONS', { origin: 'https://evil.example', 'access-control-request-method': 'GET' })),
  ],
  ERR_SESSION_MISSING: ['inbound', () => app().getOrder(event('GET'))],
  ERR_SESSION_INVALID: ['inbound', () => app().getOrder(event('GET', { authorization: 'Bearer not.a.session' }))],
  ERR_SESSION_EXPIRED: [
    'inbound',
    async () => app().getOrder(event('GET', await session({ iat: NOW_SEC - 600, nbf: NOW_SEC - 600, exp: NOW_SEC - 300 }))),
  ],
  ERR_SCOPE_MISSING: ['inbound', async () => app().getOrder(event('GET', await session()))],
  ERR_SESSION_KEYS_UNAVAILABLE: [
    'inbound',
    async () => {
      const closed = await startRecorder();
      await closed.close();
      return app({ jwksUrl: `${closed.origin}/jwks.json` }).getOrder(event('GET', await session()));
    },
  ],
  ERR_CSRF_INVALID: ['inbound', async () => app().addNote(event('POST', await session(), '{}'))],
  ERR_BASIC_INVALID: ['inbound', () => app().syncOrders(event('POST', basic(INSTALLATION_ID, 'wrong'), '{}'))],
  ERR_RATE_LIMITED: [
    'inbound',
    async () => {
      const { syncOrders } = app();
      for (let i = 0; i < 10; i++) await syncOrders(event('POST', basic(INSTALLATION_ID, `wrong-${i}`), '{}'));
      return syncOrders(event('POST', basic(INSTALLATION_ID, PASSWORD), '{}'));
    },
  ],
  ERR_METHOD_NOT_ALLOWED: ['inbound', async () => app().getOrder(event('DELETE', await session({ scope: 'orders:admin' })))],
  ERR_BODY_TOO_LARGE: ['inbound', async () => app().readBody(event('POST', await session(), 'x'.repeat(1024 * 1024 + 1)))],
  ERR_BAD_REQUEST: ['inbound', async () => app().readBody(event('POST', await session(), '{not json'))],
  ERR_NOT_FOUND: [
    'inbound',
    async () => {
      const dev = await startDevPlatform({ appId: APP, installationId: 'acme', functionsUrl: 'http://127.0.0.1:1', port: 0, logger: silentLogger });
      try {
        const res = await fetch(`${dev.url}/no-such-page.html`);
        return { statusCode: res.status, body: await res.text() };
      } finally {
        await dev.close();
      }
    },
  ],
  ERR_INTERNAL: ['inbound', async () => app().crash(event('GET', await session()))],
  ERR_OUTBOUND_HOST_NOT_ALLOWED: ['outbound', () => client().get('https://evil.example/orders')],
  ERR_OUTBOUND_REDIRECT: [
    'outbound',
    () => {
      answer((res) => res.writeHead(302, { location: 'https://evil.example/' }).end());
      return client().get('/orders/1');
    },
  ],
  ERR_OUTBOUND_TIMEOUT: [
    'outbound',
    () => {
      answer(() => undefined);
      return client({ timeoutMs: 100 }).get('/orders/1');
    },
  ],
  ERR_OUTBOUND_RESPONSE_TOO_LARGE: [
    'outbound',
    () => {
      answer((res) => res.end(JSON.stringify({ pad: 'x'.repeat(4096) })));
      return client({ maxResponseBytes: 1024 }).get('/orders/1');
    },
  ],
  ERR_OUTBOUND_REFUSED: [
    'outbound',
    () => {
      answer((res) => res.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"no such order"}'));
      return client().get('/orders/1');
    },
  ],
  ERR_OUTBOUND_UNREACHABLE: [
    'outbound',
    async () => {
      const closed = await startRecorder();
      await closed.close();
      return client({ baseUrl: closed.origin, allowedHosts: [`127.0.0.1:${closed.port}`] }).get('/orders/1');
    },
  ],
  ERR_VERIFY_MISSING: ['verify', () => verifier().verify({ ...REQUEST, headers: {} })],
  ERR_VERIFY_MALFORMED: ['verify', () => verifyToken('not-a-jws')],
  ERR_VERIFY_SECRET: [
    'verify',
    () =>
      createVerifier({ mode: 'shared-secret', secrets: [CURRENT_SECRET], publicOrigin: CUSTOMER_ORIGIN, logger: silentLogger }).verify({
        ...REQUEST,
        headers: { 'x-tessera-secret': 'wrong-secret-0123456789abcdef0123456789ab' },
      }),
  ],
  ERR_VERIFY_SIGNATURE: ['verify', async () => verifyToken(await mintToken({ secret: 'another-secret-0123456789abcdef0123456789abc' }))],
  ERR_VERIFY_ALGORITHM: ['verify', async () => verifyToken(await mintToken({ alg: 'HS512' }))],
  ERR_VERIFY_EXPIRED: ['verify', async () => verifyToken(await mintToken({ claims: { iat: NOW_SEC - 120, nbf: NOW_SEC - 120, exp: NOW_SEC - 60 } }))],
  ERR_VERIFY_NOT_YET_VALID: ['verify', async () => verifyToken(await mintToken({ claims: { nbf: NOW_SEC + 120, exp: NOW_SEC + 150 } }))],
  ERR_VERIFY_LIFETIME: ['verify', async () => verifyToken(await mintToken({ claims: { exp: NOW_SEC + 3000 } }))],
  ERR_VERIFY_AUDIENCE: ['verify', async () => verifyToken(await mintToken({ claims: { aud: 'https://other.example' } }))],
  ERR_VERIFY_ISSUER: ['verify', async () => verifyToken(await mintToken({ claims: { iss: 'another-app' } }))],
  ERR_VERIFY_INSTALLATION: ['verify', async () => verifyToken(await mintToken({ claims: { sub: 'globex' } }), { installationId: 'acme-1' })],
  ERR_VERIFY_BINDING: ['verify', async () => verifyToken(await mintToken({ claims: { htm: 'GET' } }))],
  ERR_VERIFY_REPLAYED: [
    'verify',
    async () => {
      const v = verifier();
      const token = await mintToken();
      await v.verify({ ...REQUEST, headers: bearer(token) });
      return v.verify({ ...REQUEST, headers: bearer(token) });
    },
  ],
  ERR_VERIFY_MISCONFIGURED: [
    'verify',
    () =>
      new Promise((resolve) => {
        const middleware = tesseraExpress({
          mode: 'jwt',
          secrets: [CURRENT_SECRET],
          issuer: APP,
          publicOrigin: CUSTOMER_ORIGIN,
          logger: silentLogger,
        });
        const res = {
          headersSent: false,
          statusCode: 0,
          setHeader() {},
          status(code: number) {
            this.statusCode = code;
            return this;
          },
          end(body: string) {
            resolve({ statusCode: this.statusCode, body });
          },
          json(body: unknown) {
            resolve({ statusCode: this.statusCode, body: JSON.stringify(body) });
          },
        };
        // A body parser ran first: the bytes the token is bound to are gone.
        void middleware({ method: 'POST', url: '/orders', headers: {}, body: { parsed: true }, readableEnded: true } as never, res as never, () =>
          resolve(undefined),
        );
      }),
  ],
  ERR_VERIFY_KEYS_UNAVAILABLE: [
    'verify',
    async () => {
      const closed = await startRecorder();
      await closed.close();
      const token = await mintSigned(appKey('ES256', 'es-1'));
      return verifyToken(token, {
        secrets: undefined,
        algorithms: ['ES256'],
        jwksUrl: `${closed.origin}/jwks.json`,
        allowLoopbackHttp: true,
        installationId: 'acme-1',
      } as never);
    },
  ],
  ERR_VERIFY_ORIGIN: [
    'verify',
    async () => upgradeVerifier().send(upgradeHeaders(`tessera.v1, tessera.ticket.${await mintTicket()}`, 'https://evil.example')),
  ],
  ERR_VERIFY_PROTOCOL: ['verify', async () => upgradeVerifier().send(upgradeHeaders(`chat.v9, tessera.ticket.${await mintTicket()}`))],
  ERR_VERIFY_CONNECTION_LIMIT: [
    'verify',
    // One socket is the cap: the second upgrade is the refused one.
    () => lastUpgradeAnswer((verifier) => createTesseraWebSocketServer({ verifier, maxConnectionsPerInstallation: 1 }, () => undefined), 2),
  ],
  ERR_VERIFY_UPSTREAM: [
    'verify',
    async () => {
      const closed = await startRecorder();
      await closed.close();
      return lastUpgradeAnswer(
        (verifier) => createWsProxy({ verifier, upstream: `ws://127.0.0.1:${closed.port}`, upstreamHeaders: { token: 'static-token' } }),
        1,
      );
    },
  ],
  ERR_KEYS_NOT_FOUND: ['keys', () => createSigningKeyProvider({ appId: APP, store: new MemoryKeyStore(), logger: silentLogger }).current()],
  ERR_KEYS_INVALID: [
    'keys',
    async () => createSigningKeyProvider({ appId: APP, store: await keyStoreWith('{"format":1,"keys":"none"}'), logger: silentLogger }).current(),
  ],
  ERR_KEYS_CONFLICT: [
    'keys',
    async () => {
      const manager = createKeyManager({ appId: APP, store: new MemoryKeyStore(), logger: silentLogger });
      await manager.generate();
      return manager.generate();
    },
  ],
  ERR_CLI_USAGE: [
    'cli',
    () =>
      keysCommands['keys rotate']!.run({
        positionals: [],
        values: { alg: 'RS1' },
        io: { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd: dir, env: {} },
      }),
  ],
};

describe('every error code', () => {
  it('has one trigger per code, and each code one family', () => {
    expect(Object.keys(TRIGGERS).sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it.each(Object.keys(TRIGGERS) as TesseraErrorCode[])('%s is produced by its part', async (code) => {
    // Prepare
    const [family, trigger] = TRIGGERS[code];
    // Act
    const got = await produced(trigger);
    // Assess
    expect(got.code).toBe(code);
    expect(ERROR_FAMILIES[family] as readonly string[]).toContain(code);
    if (got.error !== undefined) expect(got.error).toBeInstanceOf(FAMILY_CLASS[family]);
  });
});
