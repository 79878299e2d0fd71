import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createApp, CustomerHttpError } from '../../../src/index.js';
import type { IparamStore, StoredDocument } from '../../../src/iparams/index.js';
import { captureLogger, startRecorder, type Recorder } from '../../../../../test/helpers/http-recorder.js';

const SECRET = 'rt-secret-0123456789abcdef0123456789abcdef-xyz';
let customer: Recorder;

beforeEach(async () => {
  customer = await startRecorder();
  process.env.TESSERA_OFFLINE = 'true';
});
afterEach(async () => {
  delete process.env.TESSERA_OFFLINE;
  await customer.close();
});

function manifest() {
  return {
    app: { id: 'order-lookup', version: '1.0.0' },
    functions: { getOrder: { methods: ['GET'] }, addNote: { methods: ['POST'] } },
    customer: {
      baseUrl: '{{iparams.server_url}}',
      allowedHosts: [`127.0.0.1:${customer.port}`],
      auth: { mode: '{{iparams.auth_mode}}', secretIparam: 'shared_secret' },
    },
  };
}

function storeWith(values: Record<string, string>) {
  const counter = { gets: 0 };
  const store: IparamStore = {
    async get(_app, id): Promise<StoredDocument | undefined> {
      counter.gets++;
      if (id !== 'acme') return undefined;
      return { version: 1, document: { format: 1, installationId: id, values, fields: {}, installedAt: '', updatedAt: '' } };
    },
    put: async () => ({ version: 1 }),
    delete: async () => true,
  };
  return { store, counter };
}

function event(method: string, path: string, extra: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: 'id=1001',
    headers: { 'x-tessera-installation': 'acme' },
    requestContext: { http: { method, path } } as APIGatewayProxyEventV2['requestContext'],
    isBase64Encoded: false,
    ...extra,
  };
}

function setup(mode = 'jwt') {
  const { store, counter } = storeWith({ server_url: customer.origin, shared_secret: SECRET, auth_mode: mode });
  const log = captureLogger();
  const app = createApp({ manifest: manifest(), store, logger: log.logger });
  const ran = { count: 0 };
  const getOrder = app.defineFunction('getOrder', async ({ customer: c, request, iparams }) => {
    ran.count++;
    const res = await c.get(`/orders/${request.query.id}`);
    return { body: { upstream: res.data, url: String(iparams.server_url) } };
  });
  return { app, getOrder, counter, ran, lines: log.lines };
}

describe('createApp().defineFunction', () => {
  it("runs the handler with the installation's iparams and an authenticated customer client", async () => {
    // Prepare
    const { getOrder } = setup();
    // Act
    const res = await getOrder(event('GET', '/getOrder'));
    // Assess
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(String(res.body))).toEqual({ upstream: { ok: true }, url: customer.origin });
    expect(customer.requests[0]?.url).toBe('/orders/1001');
    expect(String(customer.requests[0]?.headers.authorization)).toMatch(/^Bearer ey/);
  });

  it('reads iparams once across warm invocations', async () => {
    const { getOrder, counter } = setup();
    for (let i = 0; i < 5; i++) await getOrder(event('GET', '/getOrder'));
    expect(counter.gets).toBe(1);
  });

  it.each([
    ['a method the manifest does not declare', event('DELETE', '/getOrder'), 405, 'ERR_METHOD_NOT_ALLOWED'],
    ['no installation', event('GET', '/getOrder', { headers: {} }), 401, 'ERR_SESSION_MISSING'],
    ['an unknown installation', event('GET', '/getOrder', { headers: { 'x-tessera-installation': 'other' } }), 404, 'ERR_INSTALLATION_NOT_FOUND'],
    [
      'an invalid installation id',
      event('GET', '/getOrder', { headers: { 'x-tessera-installation': '../acme' } }),
      400,
      'ERR_INSTALLATION_ID_INVALID',
    ],
    ['a body over 1 MiB', event('GET', '/getOrder', { body: 'x'.repeat(1024 * 1024 + 1) }), 413, 'ERR_BODY_TOO_LARGE'],
  ])('refuses %s before the handler runs', async (_name, ev, status, code) => {
    // Prepare
    const { getOrder, ran, lines } = setup();
    // Act
    const res = await getOrder(ev);
    // Assess
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(String(res.body))).toEqual({ error: { code, message: expect.any(String) } });
    expect(ran.count).toBe(0);
    expect(customer.connections).toBe(0);
    expect(String(res.body) + lines.join('\n')).not.toContain(SECRET);
  });

  it('refuses the offline installation header when not offline', async () => {
    delete process.env.TESSERA_OFFLINE;
    const { getOrder, ran } = setup();
    const res = await getOrder(event('GET', '/getOrder'));
    expect(res.statusCode).toBe(401);
    // RFC 9110 §11.6.1: the 401 says how to authenticate, and it is not the header that was ignored
    expect(res.headers?.['www-authenticate']).toBe('Bearer error="invalid_request", error_description="Session token required"');
    expect(JSON.stringify(res)).not.toContain('x-tessera-installation');
    expect(ran.count).toBe(0);
  });

  it("answers 502 with a code and none of the customer's error body", async () => {
    // Prepare
    customer.respond((_req, res) => {
      res.statusCode = 500;
      res.end('stack trace at db.internal:5432');
    });
    const { getOrder } = setup();
    // Act
    const res = await getOrder(event('GET', '/getOrder'));
    // Assess
    expect(res.statusCode).toBe(502);
    expect(JSON.parse(String(res.body)).error.code).toBe('ERR_OUTBOUND_REFUSED');
    expect(String(res.body)).not.toContain('db.internal');
  });

  it('answers 500 ERR_INTERNAL for a crash, logging neither its message nor any value', async () => {
    // Prepare
    const { app, lines } = setup();
    const boom = app.defineFunction('addNote', ({ iparams }) => {
      throw new Error(`failed with ${String(iparams.shared_secret)}`);
    });
    // Act
    const res = await boom(event('POST', '/addNote'));
    // Assess
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(String(res.body)).error.code).toBe('ERR_INTERNAL');
    expect(lines.join('\n')).toContain('function.failed');
    expect(String(res.body) + lines.join('\n')).not.toContain(SECRET);
  });

  it('lets a handler map a customer refusal itself', async () => {
    customer.respond((_req, res) => {
      res.statusCode = 404;
      res.end();
    });
    const { app } = setup('shared-secret');
    const fn = app.defineFunction('getOrder', async ({ customer: c }) => {
      try {
        return { body: (await c.get('/orders/x')).data };
      } catch (err) {
        if (err instanceof CustomerHttpError && err.upstreamStatus === 404) return { status: 404, body: { missing: true } };
        throw err;
      }
    });
    const res = await fn(event('GET', '/getOrder'));
    expect(res).toMatchObject({ statusCode: 404, body: '{"missing":true}' });
    expect(customer.requests[0]?.headers['x-tessera-secret']).toBe(SECRET);
  });

  it('refuses a function the manifest does not declare, at definition', () => {
    const { app } = setup();
    expect(() => app.defineFunction('deleteEverything', () => ({}))).toThrow(TypeError);
  });
});
