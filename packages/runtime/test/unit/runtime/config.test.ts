/** createApp's configuration: read once, option > environment > manifest > default, and offline only when chosen. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { readEnvironment } from '@tessera/protocol';
import { createApp, offlineHeaderIdentify } from '../../../src/index.js';
import { resolveAppConfig } from '../../../src/config.js';
import type { IparamStore, StoredDocument } from '../../../src/iparams/index.js';
import type { Manifest } from '@tessera/schema';
import { captureLogger } from '../../../../../test/helpers/logs.js';

const CSRF_FROM_ENV = 'env-csrf-key-0123456789abcdef0123456789abcdef';

const MANIFEST = {
  app: { id: 'order-lookup', version: '1.0.0' },
  functions: { getOrder: { methods: ['GET'] } },
  customer: {
    baseUrl: 'https://orders.acme.test',
    allowedHosts: ['orders.acme.test'],
    auth: { mode: 'shared-secret', secretIparam: 'shared_secret' },
  },
} as const;
const WITH_SESSION = { ...MANIFEST, session: { jwksUrl: 'https://platform.example.com/jwks.json', issuer: 'https://platform.example.com' } };

function countingStore() {
  const counter = { gets: 0 };
  const store: IparamStore = {
    async get(_app, id): Promise<StoredDocument | undefined> {
      counter.gets++;
      return {
        version: 1,
        document: { format: 1, installationId: id, values: { shared_secret: 's'.repeat(32) }, fields: {}, installedAt: '', updatedAt: '' },
      };
    },
    put: async () => ({ version: 1 }),
    delete: async () => true,
  };
  return { store, counter };
}

function headerEvent(installation: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'GET /getOrder',
    rawPath: '/getOrder',
    rawQueryString: '',
    headers: { 'x-tessera-installation': installation },
    requestContext: { http: { method: 'GET', path: '/getOrder' } } as APIGatewayProxyEventV2['requestContext'],
    isBase64Encoded: false,
  };
}

function appWith(options: Record<string, unknown>) {
  const { store, counter } = countingStore();
  const { logger, lines } = captureLogger();
  const app = createApp({ manifest: MANIFEST, store, logger, ...options });
  const handler = app.defineFunction('getOrder', ({ installationId }) => ({ body: { installationId } }));
  return { handler, counter, lines };
}

describe('resolveAppConfig', () => {
  const manifest = MANIFEST as unknown as Manifest;

  it.each([
    ['the option over the environment', { offline: false, env: { TESSERA_OFFLINE: 'true' } }, false],
    ['the environment over the default', { env: { TESSERA_OFFLINE: 'true' } }, true],
    ['the default: not offline', { env: {} }, false],
  ])('takes offline from %s', (_name, options, offline) => {
    expect(resolveAppConfig(options, manifest).offline).toBe(offline);
  });

  it('takes the iparams TTL and the CSRF key from the option, then the environment', () => {
    const env = { TESSERA_IPARAMS_TTL_MS: '5000', TESSERA_CSRF_SECRET: CSRF_FROM_ENV, TESSERA_KEYS_TTL_MS: '1000' };
    expect(resolveAppConfig({ env }, manifest)).toMatchObject({ iparamsTtlMs: 5000, csrfSecret: CSRF_FROM_ENV, keysTtlMs: 1000 });
    expect(resolveAppConfig({ env, iparamsTtlMs: 10, csrfSecret: 'x'.repeat(32) }, manifest)).toMatchObject({
      iparamsTtlMs: 10,
      csrfSecret: 'x'.repeat(32),
    });
    expect(resolveAppConfig({ env: {} }, manifest)).toMatchObject({ iparamsTtlMs: undefined, csrfSecret: undefined, logLevel: 'info' });
  });

  it('takes the session JWKS URL and issuer from the environment over the manifest, and adds no session the manifest lacks', () => {
    const env = { TESSERA_SESSION_JWKS_URL: 'https://stage.example.com/jwks.json', TESSERA_SESSION_ISSUER: 'https://stage.example.com' };
    expect(resolveAppConfig({ env }, WITH_SESSION as unknown as Manifest).session).toEqual({
      jwksUrl: env.TESSERA_SESSION_JWKS_URL,
      issuer: env.TESSERA_SESSION_ISSUER,
    });
    expect(resolveAppConfig({ env: {} }, WITH_SESSION as unknown as Manifest).session).toEqual(WITH_SESSION.session);
    expect(resolveAppConfig({ env }, manifest).session).toBeUndefined();
  });

  it.each([
    ['TESSERA_OFFLINE', 'yes', 'must be true or false'],
    ['TESSERA_IPARAMS_TTL_MS', '60s', 'must be a whole number of milliseconds'],
    ['TESSERA_KEYS_TTL_MS', '-1', 'must be a whole number of milliseconds'],
    ['TESSERA_LOG_LEVEL', 'verbose', 'must be one of debug, info, warn, error'],
  ])('refuses %s=%s, naming the variable and the rule but not the value', (name, value, rule) => {
    const act = () => resolveAppConfig({ env: { [name]: value } }, manifest);
    expect(act).toThrow(`environment variable ${name} ${rule}`);
    const message = (() => {
      try {
        readEnvironment({ [name]: value });
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    })();
    expect(message).not.toContain(value);
  });

  it('reads an empty variable as unset', () => {
    expect(readEnvironment({ TESSERA_OFFLINE: '', TESSERA_IPARAMS_TTL_MS: '' })).toEqual({ onAwsLambda: false });
  });
});

describe('createApp: the offline installation header', () => {
  it.each([
    ['the environment says offline but the option says not', { offline: false, env: { TESSERA_OFFLINE: 'true' } }],
    ['nothing says offline', { env: {} }],
    ['the environment says offline=false', { env: { TESSERA_OFFLINE: 'false' } }],
  ])('is never honoured when %s: 401, no iparams read', async (_name, options) => {
    // Prepare
    const { handler, counter } = appWith(options);
    // Act
    const res = await handler(headerEvent('acme'));
    // Assess
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(String(res.body)).error.code).toBe('ERR_SESSION_MISSING');
    expect(counter.gets).toBe(0);
    expect(String(res.body)).not.toContain('acme');
  });

  it('is refused as an explicit identify option outside offline mode', () => {
    expect(() => appWith({ offline: false, identify: offlineHeaderIdentify })).toThrow(
      'option "identify" is offlineHeaderIdentify outside offline mode',
    );
  });

  it('cannot be switched on on AWS Lambda itself, whatever TESSERA_OFFLINE says', () => {
    const env = { TESSERA_OFFLINE: 'true', AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs20.x' };
    expect(() => appWith({ env })).toThrow('offline mode cannot run on AWS Lambda');
    expect(() => appWith({ env, offline: true })).toThrow('offline mode cannot run on AWS Lambda');
  });

  it('names the installation in offline mode chosen by the option alone', async () => {
    const { handler, counter } = appWith({ offline: true, env: {} });
    const res = await handler(headerEvent('acme'));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(String(res.body))).toEqual({ installationId: 'acme' });
    expect(counter.gets).toBe(1);
  });
});

describe('createApp: the clock', () => {
  it('drives the iparams cache: a value is re-read only once the injected clock passes the TTL', async () => {
    // Prepare
    let t = Date.UTC(2026, 11, 7);
    const { handler, counter } = appWith({ offline: true, env: {}, iparamsTtlMs: 60_000, clock: () => t });
    await handler(headerEvent('acme'));
    // Act
    t += 59_999;
    await handler(headerEvent('acme'));
    const withinTtl = counter.gets;
    t += 2;
    await handler(headerEvent('acme'));
    // Assess
    expect(withinTtl).toBe(1);
    expect(counter.gets).toBe(2);
  });

  it('refuses a clock that is not a function', () => {
    expect(() => appWith({ clock: 42, env: {} })).toThrow('option "clock" must be a function');
  });
});
