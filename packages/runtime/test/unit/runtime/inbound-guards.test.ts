import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createApp } from '../../../src/index.js';
import { InboundError } from '../../../../protocol/src/errors.js';
import { storeFor } from './_iparam-store.js';
import type { Session, SessionVerifier } from '../../../src/inbound/index.js';
import { captureLogger } from '../../../../../test/helpers/http-recorder.js';

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.session-token-value.sig';
const manifest = {
  app: { id: 'order-lookup', version: '1.0.0' },
  functions: { getOrder: { methods: ['GET'], scopes: ['orders:read'] }, addNote: { methods: ['POST'], scopes: ['orders:write'] } },
  customer: { baseUrl: '{{iparams.server_url}}', allowedHosts: ['*.orders.example.com'], auth: { mode: 'jwt', secretIparam: 'shared_secret' } },
  cors: { allowedOrigins: ['https://*.helpdesk.example.com'], maxAgeSec: 300 },
};

/** A session guard standing in for the JWKS-backed one (tested on its own): tenant-a's user with orders:read. */
function fakeSession(): { verifier: SessionVerifier; calls: number } {
  const state = { verifier: undefined as unknown as SessionVerifier, calls: 0 };
  state.verifier = {
    async verify(header, required) {
      state.calls++;
      if (header !== `Bearer ${TOKEN}`) throw new InboundError('ERR_SESSION_INVALID');
      const scopes = ['orders:read'];
      if (!required.every((s) => scopes.includes(s))) throw new InboundError('ERR_SCOPE_MISSING');
      return { subject: 'user-1', installationId: 'tenant-a', scopes, claims: {} } as Session;
    },
  };
  return state;
}

function event(method: string, headers: Record<string, string>, path = '/getOrder'): APIGatewayProxyEventV2 {
  return {
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: { http: { method, path } },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

function setup() {
  const { store, read } = storeFor(['tenant-a', 'tenant-b']);
  const session = fakeSession();
  const log = captureLogger();
  const app = createApp({ manifest, store, session: session.verifier, logger: log.logger });
  const ran: string[] = [];
  const getOrder = app.defineFunction('getOrder', ({ installationId }) => {
    ran.push(installationId);
    return { body: { installationId } };
  });
  const addNote = app.defineFunction('addNote', () => {
    ran.push('addNote');
    return { status: 201 };
  });
  return { getOrder, addNote, ran, read, session, lines: log.lines };
}

const GOOD_ORIGIN = 'https://acme.helpdesk.example.com';

describe('createApp with inbound guards', () => {
  it('answers an allowed preflight without authenticating or running the function', async () => {
    // Prepare
    const { getOrder, ran, session, read } = setup();
    // Act
    const res = await getOrder(
      event('OPTIONS', { origin: GOOD_ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' }),
    );
    // Assess
    expect(res.statusCode).toBe(204);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': GOOD_ORIGIN,
      'access-control-allow-methods': 'GET',
      'access-control-max-age': '300',
    });
    expect(String(res.headers?.vary)).toMatch(/Origin/);
    expect([ran.length, session.calls, read.length]).toEqual([0, 0, 0]);
  });

  it.each([
    ['a disallowed origin', { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' }],
    ['a method the function does not declare', { origin: GOOD_ORIGIN, 'access-control-request-method': 'DELETE' }],
    ['a header not allowed', { origin: GOOD_ORIGIN, 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-admin' }],
  ])('refuses a preflight with %s: 403, no allow headers', async (_name, headers) => {
    const { getOrder, ran } = setup();
    const res = await getOrder(event('OPTIONS', headers));
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(String(res.body)).error.code).toBe('ERR_PREFLIGHT_REFUSED');
    expect(Object.keys(res.headers ?? {}).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    expect(ran).toEqual([]);
  });

  it.each([
    'https://evil.example.com',
    'https://a.b.helpdesk.example.com',
    'https://helpdesk.example.com',
    'null',
    'http://acme.helpdesk.example.com',
  ])('refuses an actual request from %s before anything runs, with Vary: Origin', async (origin) => {
    const { getOrder, ran, session, read } = setup();
    const res = await getOrder(event('GET', { origin, authorization: `Bearer ${TOKEN}` }));
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(String(res.body)).error.code).toBe('ERR_ORIGIN_NOT_ALLOWED');
    expect(res.headers?.vary).toBe('Origin');
    expect(res.headers?.['access-control-allow-origin']).toBeUndefined();
    expect([ran.length, session.calls, read.length]).toEqual([0, 0, 0]);
  });

  it('serves an allowed origin with exactly that origin and Vary: Origin', async () => {
    const { getOrder } = setup();
    const res = await getOrder(event('GET', { origin: GOOD_ORIGIN, authorization: `Bearer ${TOKEN}` }));
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['access-control-allow-origin']).toBe(GOOD_ORIGIN);
    expect(String(res.headers?.vary)).toMatch(/Origin/);
  });

  it('takes the installation from the verified session only, never from a header', async () => {
    // Prepare: the browser claims tenant-b, the session says tenant-a
    process.env.TESSERA_OFFLINE = 'true';
    const { getOrder, read } = setup();
    try {
      // Act
      const res = await getOrder(event('GET', { authorization: `Bearer ${TOKEN}`, 'x-tessera-installation': 'tenant-b' }));
      // Assess
      expect(JSON.parse(String(res.body))).toEqual({ installationId: 'tenant-a' });
      expect(read).toEqual(['tenant-a']);
    } finally {
      delete process.env.TESSERA_OFFLINE;
    }
  });

  it.each([
    ['no token', {}, 401, 'ERR_SESSION_INVALID', 'getOrder'],
    ['a bad token', { authorization: 'Bearer forged' }, 401, 'ERR_SESSION_INVALID', 'getOrder'],
    ['a missing scope', { authorization: `Bearer ${TOKEN}` }, 403, 'ERR_SCOPE_MISSING', 'addNote'],
  ])('refuses %s before the function runs, echoing no token', async (_name, headers, status, code, fn) => {
    const s = setup();
    const res = await (fn === 'addNote' ? s.addNote(event('POST', headers, '/addNote')) : s.getOrder(event('GET', headers)));
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(String(res.body)).error.code).toBe(code);
    expect(s.ran).toEqual([]);
    expect(String(res.body) + s.lines.join('\n')).not.toContain(TOKEN);
  });
});
