import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createApp } from '../../../src/index.js';
import { InboundError } from '../../../../protocol/src/errors.js';
import { storeFor as plainStore } from './_iparam-store.js';
import type { Session, SessionVerifier } from '../../../src/inbound/index.js';
import { captureLogger } from '../../../../../test/helpers/http-recorder.js';

const storeFor = (ids: string[]) => plainStore(ids, { basic_password: PASSWORD });
const ORIGIN = 'https://acme.helpdesk.example.com';
const CSRF_SECRET = 'c'.repeat(40);
const PASSWORD = 'correct horse battery staple 0123456789';
/** Two users' session tokens (the fake guard below maps each to a subject). */
const TOKENS = { 'user-1': 'eyJ.user-one-session.sig', 'user-2': 'eyJ.user-two-session.sig' } as const;

const manifest = {
  app: { id: 'order-lookup', version: '1.0.0' },
  functions: {
    getOrder: { methods: ['GET'], scopes: ['orders:read'] },
    addNote: { methods: ['POST'], scopes: ['orders:write'], csrf: true, credentials: ['session', 'basic'] },
    syncOrders: { methods: ['POST'], credentials: ['basic'] },
  },
  basic: { passwordIparam: 'basic_password', realm: 'orders' },
  customer: { baseUrl: '{{iparams.server_url}}', allowedHosts: ['*.orders.example.com'], auth: { mode: 'jwt', secretIparam: 'shared_secret' } },
  cors: { allowedOrigins: ['https://*.helpdesk.example.com'], allowCredentials: true },
};

/** Stands in for the JWKS-backed guard (tested on its own): two users of tenant-a with both scopes. */
const fakeSession: SessionVerifier = {
  async verify(header) {
    const subject = Object.entries(TOKENS).find(([, t]) => header === `Bearer ${t}`)?.[0];
    if (!subject) throw new InboundError(header ? 'ERR_SESSION_INVALID' : 'ERR_SESSION_MISSING');
    return { subject, installationId: 'tenant-a', scopes: ['orders:read', 'orders:write'], claims: {} } as Session;
  },
};

function event(method: string, path: string, headers: Record<string, string>, cookies?: string[]): APIGatewayProxyEventV2 {
  return {
    rawPath: path,
    rawQueryString: '',
    headers: { origin: ORIGIN, ...headers },
    ...(cookies ? { cookies } : {}),
    requestContext: { http: { method, path } },
    body: method === 'GET' ? undefined : '{"orderId":"1001","text":"hi"}',
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

const basicHeader = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const bearer = (user: keyof typeof TOKENS) => `Bearer ${TOKENS[user]}`;
const codeOf = (res: { body?: string }) => JSON.parse(String(res.body)).error.code as string;

function setup() {
  const { store, read } = storeFor(['tenant-a', 'tenant-b']);
  const log = captureLogger();
  const app = createApp({ manifest, store, session: fakeSession, csrfSecret: CSRF_SECRET, logger: log.logger });
  const ran: { fn: string; installationId: string; credential: string }[] = [];
  const record =
    (fn: string) =>
    ({ installationId, credential }: { installationId: string; credential: string }) => {
      ran.push({ fn, installationId, credential });
      return { status: 201, body: { ok: true } };
    };
  return {
    addNote: app.defineFunction('addNote', record('addNote')),
    syncOrders: app.defineFunction('syncOrders', record('syncOrders')),
    getOrder: app.defineFunction('getOrder', record('getOrder')),
    csrf: app.defineCsrfFunction(),
    ran,
    read,
    lines: log.lines,
  };
}

/** GET /csrf as `authorization`: the token and the cookie pair the browser would send back. */
async function fetchCsrf(csrf: ReturnType<typeof setup>['csrf'], authorization: string) {
  const res = await csrf(event('GET', '/csrf', { authorization }));
  expect(res.statusCode).toBe(200);
  const { token } = JSON.parse(String(res.body)) as { token: string };
  const setCookie = String(res.headers?.['set-cookie']);
  return { token, cookie: setCookie.split(';')[0] as string, res };
}

function expectNoSecretIn(text: string, ...secrets: string[]): void {
  for (const s of [PASSWORD, CSRF_SECRET, ...Object.values(TOKENS), ...secrets]) expect(text).not.toContain(s);
}

describe('HTTP Basic through defineFunction', () => {
  it('lets the installation named by the user in with its password, as a basic caller', async () => {
    const { syncOrders, ran } = setup();
    const res = await syncOrders(event('POST', '/syncOrders', { authorization: basicHeader('tenant-b', PASSWORD) }));
    expect(res.statusCode).toBe(201);
    expect(ran).toEqual([{ fn: 'syncOrders', installationId: 'tenant-b', credential: 'basic' }]);
  });

  it.each([
    ['a wrong password', basicHeader('tenant-a', 'wrong password, close enough')],
    ['an unknown installation', basicHeader('tenant-z', PASSWORD)],
    ['an id the store could never hold', basicHeader('../tenant-a', PASSWORD)],
    ['no credentials', undefined],
    ['a session token', bearer('user-1')],
  ])('refuses %s with 401 ERR_BASIC_INVALID and a challenge, before the function runs', async (_name, authorization) => {
    const { syncOrders, ran, lines } = setup();
    const res = await syncOrders(event('POST', '/syncOrders', authorization ? { authorization } : {}));
    expect(res.statusCode).toBe(401);
    expect(codeOf(res)).toBe('ERR_BASIC_INVALID');
    expect(res.headers?.['www-authenticate']).toBe('Basic realm="orders", charset="UTF-8"');
    expect(res.headers?.['access-control-allow-origin']).toBe(ORIGIN);
    expect(ran).toEqual([]);
    expectNoSecretIn(JSON.stringify(res) + lines.join('\n'));
  });

  it('reads an unknown installation once a minute at most, however often it is tried', async () => {
    const { syncOrders, read } = setup();
    for (const password of ['one', 'two', 'three']) {
      await syncOrders(event('POST', '/syncOrders', { authorization: basicHeader('tenant-z', password) }));
    }
    expect(read.filter((id) => id === 'tenant-z')).toEqual(['tenant-z']);
  });

  it('rate-limits an installation after 10 bad attempts: 429 with Retry-After, even for the right password', async () => {
    const { syncOrders, ran } = setup();
    for (let i = 0; i < 10; i++) await syncOrders(event('POST', '/syncOrders', { authorization: basicHeader('tenant-a', `bad-${i}`) }));
    const res = await syncOrders(event('POST', '/syncOrders', { authorization: basicHeader('tenant-a', PASSWORD) }));
    expect(res.statusCode).toBe(429);
    expect(codeOf(res)).toBe('ERR_RATE_LIMITED');
    expect(Number(res.headers?.['retry-after'])).toBeGreaterThan(0);
    expect(ran).toEqual([]);
  });

  it('keeps a session-only function closed to Basic credentials', async () => {
    const { getOrder, ran, read } = setup();
    const res = await getOrder(event('GET', '/getOrder', { authorization: basicHeader('tenant-a', PASSWORD) }));
    expect(res.statusCode).toBe(401);
    expect(codeOf(res)).toBe('ERR_SESSION_INVALID');
    expect(res.headers?.['www-authenticate']).toBe('Bearer error="invalid_token", error_description="Session token invalid"');
    expect([ran.length, read.length]).toEqual([0, 0]);
  });

  describe('a function that accepts both: a 401 names both schemes, the refused one first', () => {
    it.each([
      [
        'a wrong session token',
        'Bearer eyJ.forged.sig',
        'ERR_SESSION_INVALID',
        /^Bearer error="invalid_token", error_description="Session token invalid", Basic realm="orders", charset="UTF-8"$/,
      ],
      [
        'no credentials',
        undefined,
        'ERR_SESSION_MISSING',
        /^Bearer error="invalid_request", error_description="Session token required", Basic realm="orders"/,
      ],
      ['a wrong Basic password', basicHeader('tenant-a', 'wrong'), 'ERR_BASIC_INVALID', /^Basic realm="orders", charset="UTF-8", Bearer$/],
    ])('%s', async (_name, authorization, code, challenge) => {
      const { addNote, ran, lines } = setup();
      const res = await addNote(event('POST', '/addNote', authorization ? { authorization } : {}));
      expect([res.statusCode, codeOf(res)]).toEqual([401, code]);
      expect(res.headers?.['www-authenticate']).toMatch(challenge);
      expect(ran).toEqual([]);
      expectNoSecretIn(JSON.stringify(res) + lines.join('\n'));
      if (authorization) expect(JSON.stringify(res)).not.toContain(authorization.split(' ')[1]);
    });
  });
});

describe('CSRF double-submit through defineFunction', () => {
  it('issues a token with a __Host- cookie to an authenticated caller, never cached', async () => {
    const { csrf } = setup();
    const { token, res } = await fetchCsrf(csrf, bearer('user-1'));
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.headers).toMatchObject({
      'cache-control': 'no-store',
      'access-control-allow-origin': ORIGIN,
      'access-control-allow-credentials': 'true',
    });
    expect(String(res.headers?.['set-cookie'])).toMatch(/^__Host-tessera-csrf=[^;]+; Max-Age=\d+; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
  });

  it('refuses the CSRF route to an unauthenticated caller', async () => {
    const { csrf } = setup();
    const res = await csrf(event('GET', '/csrf', {}));
    expect(res.statusCode).toBe(401);
    expect(res.headers?.['set-cookie']).toBeUndefined();
  });

  it.each([
    ['a page on a disallowed origin', 'GET', { origin: 'https://evil.example.net' }, 403, 'ERR_ORIGIN_NOT_ALLOWED', undefined],
    ['a method other than GET', 'POST', {}, 405, 'ERR_METHOD_NOT_ALLOWED', ORIGIN],
  ])('refuses the CSRF route to %s: no token, no cookie', async (_name, method, headers, status, code, allowOrigin) => {
    const { csrf, lines } = setup();
    const res = await csrf(event(method, '/csrf', { authorization: bearer('user-1'), ...headers }));
    expect(res.statusCode).toBe(status);
    expect(codeOf(res)).toBe(code);
    expect(res.headers?.['set-cookie']).toBeUndefined();
    expect(res.headers?.['access-control-allow-origin']).toBe(allowOrigin);
    expectNoSecretIn(JSON.stringify(res) + lines.join('\n'));
  });

  it('answers the CSRF route preflight from the policy', async () => {
    const { csrf } = setup();
    const res = await csrf(event('OPTIONS', '/csrf', { 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' }));
    expect(res.statusCode).toBe(204);
    expect(res.headers?.['access-control-allow-methods']).toBe('GET');
  });

  it('runs a csrf: true function when the header matches the cookie issued to this session', async () => {
    const { csrf, addNote, ran } = setup();
    const { token, cookie } = await fetchCsrf(csrf, bearer('user-1'));
    const res = await addNote(event('POST', '/addNote', { authorization: bearer('user-1'), 'x-csrf-token': token }, [cookie]));
    expect(res.statusCode).toBe(201);
    expect(ran).toEqual([{ fn: 'addNote', installationId: 'tenant-a', credential: 'session' }]);
  });

  it("binds a Basic caller's token to its installation", async () => {
    const { csrf, addNote, ran } = setup();
    const { token, cookie } = await fetchCsrf(csrf, basicHeader('tenant-b', PASSWORD));
    const ok = await addNote(event('POST', '/addNote', { authorization: basicHeader('tenant-b', PASSWORD), 'x-csrf-token': token }, [cookie]));
    expect(ok.statusCode).toBe(201);
    const other = await addNote(event('POST', '/addNote', { authorization: basicHeader('tenant-a', PASSWORD), 'x-csrf-token': token }, [cookie]));
    expect(codeOf(other)).toBe('ERR_CSRF_INVALID');
    expect(ran.map((r) => r.installationId)).toEqual(['tenant-b']);
  });

  const attacks: [
    string,
    (t: { token: string; cookie: string; other: { token: string; cookie: string } }) => { headers: Record<string, string>; cookies?: string[] },
  ][] = [
    ['no header and no cookie', () => ({ headers: {} })],
    ['the cookie without the header', ({ cookie }) => ({ headers: {}, cookies: [cookie] })],
    ['the header without the cookie', ({ token }) => ({ headers: { 'x-csrf-token': token } })],
    ['a header that differs from the cookie', ({ cookie, other }) => ({ headers: { 'x-csrf-token': other.token }, cookies: [cookie] })],
    ['a pair issued to another session', ({ other }) => ({ headers: { 'x-csrf-token': other.token }, cookies: [other.cookie] })],
    [
      'a second, planted cookie beside the real one',
      ({ token, cookie, other }) => ({ headers: { 'x-csrf-token': token }, cookies: [cookie, other.cookie] }),
    ],
  ];
  it.each(attacks)('refuses %s: 400 ERR_CSRF_INVALID, function not run, nothing leaked', async (_name, attack) => {
    const { csrf, addNote, ran, lines } = setup();
    const mine = await fetchCsrf(csrf, bearer('user-1'));
    const other = await fetchCsrf(csrf, bearer('user-2'));
    const { headers, cookies } = attack({ ...mine, other });
    const res = await addNote(event('POST', '/addNote', { authorization: bearer('user-1'), ...headers }, cookies));
    expect(res.statusCode).toBe(400);
    expect(codeOf(res)).toBe('ERR_CSRF_INVALID');
    expect(ran).toEqual([]);
    expectNoSecretIn(JSON.stringify(res) + lines.join('\n'), mine.token, other.token, mine.cookie.split('=')[1] as string);
  });

  it('refuses to start a csrf: true function without a CSRF key', () => {
    const { store } = storeFor([]);
    const saved = process.env.TESSERA_CSRF_SECRET;
    delete process.env.TESSERA_CSRF_SECRET;
    try {
      const app = createApp({ manifest, store, session: fakeSession, logger: captureLogger().logger });
      expect(() => app.defineFunction('addNote', () => ({}))).toThrow(/csrfSecret.*TESSERA_CSRF_SECRET/);
      expect(() => app.defineFunction('getOrder', () => ({}))).not.toThrow();
    } finally {
      if (saved !== undefined) process.env.TESSERA_CSRF_SECRET = saved;
    }
  });

  it('has no CSRF route when no function needs one', () => {
    const { store } = storeFor([]);
    const plain = { ...manifest, functions: { getOrder: manifest.functions.getOrder } };
    const app = createApp({ manifest: plain, store, session: fakeSession, csrfSecret: CSRF_SECRET, logger: captureLogger().logger });
    expect(() => app.defineCsrfFunction()).toThrow(/no function .* csrf: true/);
  });
});
