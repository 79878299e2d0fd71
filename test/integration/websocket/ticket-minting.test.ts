/**
 * Tickets minted by the runtime (the customer client and `defineWsTicketFunction`) and checked by the customer's
 * upgrade verifier: the two sides of the ticket profile, each built independently of the other.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { decodeProtectedHeader, decodeJwt } from 'jose';
import { createApp } from '@tessera/runtime';
import type { Session, SessionVerifier } from '@tessera/runtime/inbound';
import { createCustomerClient } from '@tessera/runtime/outbound';
import type { IparamStore } from '@tessera/runtime/iparams';
import { createUpgradeVerifier, type UpgradeVerifierOptions } from '@tessera/verify';
import { InboundError } from '@tessera/protocol/errors';
import { silentLogger } from '@tessera/protocol/log';

const APP = 'order-lookup';
const SECRET = 'installation-Secret-0123456789abcdef0123456789';
const FRONTEND = 'https://acme.helpdesk.example.com';
const T0 = Date.parse('2026-12-07T12:00:00Z');

function client(auth: Parameters<typeof createCustomerClient>[0]['auth'], extra: Record<string, unknown> = {}) {
  return createCustomerClient({
    baseUrl: 'https://orders.acme.test/api',
    allowedHosts: ['orders.acme.test'],
    auth,
    appId: APP,
    installationId: 'acme',
    logger: silentLogger,
    now: () => T0,
    ...extra,
  } as Parameters<typeof createCustomerClient>[0]);
}

function verifier(options: Partial<UpgradeVerifierOptions> = {}) {
  return createUpgradeVerifier({
    secrets: [SECRET],
    issuer: APP,
    installationId: 'acme',
    publicOrigin: 'wss://orders.acme.test',
    allowedOrigins: [FRONTEND],
    logger: silentLogger,
    now: () => T0 + 1000,
    ...options,
  } as UpgradeVerifierOptions);
}

const upgradeOf = (url: string, protocols: readonly string[]) => {
  const u = new URL(url);
  return { url: `${u.pathname}${u.search}`, headers: { origin: FRONTEND, 'sec-websocket-protocol': protocols.join(', ') } };
};

describe('customer.wsTicket', () => {
  it.each([
    ['jwt mode, HS256', { mode: 'jwt', alg: 'HS256', secret: SECRET }],
    ['shared-secret mode (HS256 under the same secret)', { mode: 'shared-secret', secret: SECRET }],
  ] as const)('mints a ticket in %s that the upgrade verifier accepts', async (_name, auth) => {
    // Prepare
    const customer = client(auth);
    // Act
    const ticket = await customer.wsTicket('/orders/live?order=1001', { user: 'user-42' });
    const verified = await verifier().verify(upgradeOf(ticket.url, ticket.protocols));
    // Assess
    expect(ticket.url).toBe('wss://orders.acme.test/api/orders/live?order=1001');
    expect(ticket.protocols[0]).toBe('tessera.v1');
    expect(ticket.protocols[1]).toMatch(/^tessera\.ticket\.[\w-]+\.[\w-]+\.[\w-]+$/);
    const jwt = ticket.protocols[1].slice('tessera.ticket.'.length);
    expect(ticket.url).not.toContain(jwt.split('.')[2]);
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'HS256', typ: 'tessera-ws-ticket+jwt' });
    const claims = decodeJwt(jwt);
    expect(claims).toMatchObject({ iss: APP, sub: 'acme', aud: 'wss://orders.acme.test', htu: ticket.url, usr: 'user-42' });
    expect((claims.exp as number) - (claims.iat as number)).toBe(30);
    expect(ticket.expiresAt).toBe(new Date(T0 + 30_000).toISOString());
    expect(verified).toMatchObject({ installationId: 'acme', protocol: 'tessera.v1', user: 'user-42' });
  });

  it.each(['ES256', 'EdDSA'] as const)("mints a %s ticket with the app's key, checked against its public JWK", async (alg) => {
    // Prepare
    const { privateKey, publicKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
    const customer = client({ mode: 'jwt', alg, privateKey, kid: 'app-1' });
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'app-1', alg, use: 'sig' };
    // Act
    const ticket = await customer.wsTicket('/orders/live');
    const verified = await verifier({ secrets: undefined, algorithms: [alg], keys: [jwk as never] }).verify(upgradeOf(ticket.url, ticket.protocols));
    // Assess
    expect(verified.installationId).toBe('acme');
    expect(decodeProtectedHeader(ticket.protocols[1].slice('tessera.ticket.'.length))).toEqual({ alg, typ: 'tessera-ws-ticket+jwt', kid: 'app-1' });
  });

  it('is refused as a request token by the same secret: the profiles never pass as one another', async () => {
    const { createVerifier } = await import('@tessera/verify');
    const ticket = await client({ mode: 'jwt', alg: 'HS256', secret: SECRET }).wsTicket('/orders/live');
    const requestVerifier = createVerifier({
      mode: 'jwt',
      secrets: [SECRET],
      issuer: APP,
      publicOrigin: 'https://orders.acme.test',
      logger: silentLogger,
      now: () => T0,
    });
    const jwt = ticket.protocols[1].slice('tessera.ticket.'.length);
    await expect(
      requestVerifier.verify({ method: 'GET', url: '/api/orders/live', headers: { authorization: `Bearer ${jwt}` }, body: new Uint8Array() }),
    ).rejects.toMatchObject({
      code: 'ERR_VERIFY_MALFORMED',
    });
  });

  it.each([
    ['a host outside allowedHosts', 'wss://evil.example/live', 'ERR_OUTBOUND_HOST_NOT_ALLOWED'],
    ['plain ws:// outside offline mode', 'ws://orders.acme.test/live', 'ERR_OUTBOUND_HOST_NOT_ALLOWED'],
  ])('refuses %s', async (_name, url, code) => {
    await expect(client({ mode: 'jwt', alg: 'HS256', secret: SECRET }).wsTicket(url)).rejects.toMatchObject({ code });
  });

  it('allows ws:// to loopback in offline mode only', async () => {
    const offline = client(
      { mode: 'jwt', alg: 'HS256', secret: SECRET },
      { offline: true, baseUrl: 'http://127.0.0.1:4100', allowedHosts: ['127.0.0.1:4100'] },
    );
    expect((await offline.wsTicket('/orders/live')).url).toBe('ws://127.0.0.1:4100/orders/live');
  });

  it('refuses a lifetime over 60 s and a protocol that is not a token', async () => {
    const customer = client({ mode: 'jwt', alg: 'HS256', secret: SECRET });
    await expect(customer.wsTicket('/live', { lifetimeSec: 61 })).rejects.toThrow('lifetimeSec must be an integer from 1 to 60');
    await expect(customer.wsTicket('/live', { protocol: 'tessera.ticket.x' })).rejects.toThrow(TypeError);
  });
});

describe('app.defineWsTicketFunction', () => {
  const manifest = {
    app: { id: APP, version: '1.0.0' },
    functions: { liveTicket: { methods: ['POST'], scopes: ['orders:read'] } },
    customer: { baseUrl: '{{iparams.server_url}}', allowedHosts: ['orders.acme.test'], auth: { mode: 'jwt', secretIparam: 'shared_secret' } },
    cors: { allowedOrigins: ['https://*.helpdesk.example.com'] },
  };
  const session: SessionVerifier = {
    async verify(header, scopes) {
      if (header !== 'Bearer good-session') throw new InboundError(header ? 'ERR_SESSION_INVALID' : 'ERR_SESSION_MISSING');
      if (scopes.includes('orders:read') === false) throw new InboundError('ERR_SCOPE_MISSING');
      return { subject: 'user-42', installationId: 'acme', scopes: ['orders:read'], claims: {} } as unknown as Session;
    },
  };
  const store: IparamStore = {
    async get(_app, id) {
      return {
        version: 1,
        document: {
          format: 1 as const,
          installationId: id,
          values: { server_url: 'https://orders.acme.test', shared_secret: SECRET },
          fields: {},
          installedAt: '',
          updatedAt: '',
        },
      };
    },
    put: async () => ({ version: 1 }),
    delete: async () => true,
  };
  const event = (authorization?: string): APIGatewayProxyEventV2 =>
    ({
      rawPath: '/liveTicket',
      rawQueryString: 'order=1001',
      headers: { origin: FRONTEND, ...(authorization ? { authorization } : {}) },
      requestContext: { http: { method: 'POST', path: '/liveTicket' } },
      isBase64Encoded: false,
    }) as unknown as APIGatewayProxyEventV2;
  const handler = () =>
    createApp({ manifest, store, session, env: {}, logger: silentLogger, clock: () => T0 }).defineWsTicketFunction('liveTicket', {
      path: ({ request }) => `/orders/live?order=${encodeURIComponent(request.query.order ?? '')}`,
    });

  it("answers the socket's URL and subprotocols, uncacheable, for the session's user; the verifier accepts them", async () => {
    // Act
    const res = await handler()(event('Bearer good-session'));
    // Assess
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['cache-control']).toBe('no-store');
    expect(res.headers?.['access-control-allow-origin']).toBe(FRONTEND);
    const ticket = JSON.parse(String(res.body)) as { url: string; protocols: string[] };
    expect(ticket.url).toBe('wss://orders.acme.test/orders/live?order=1001');
    const verified = await verifier().verify(upgradeOf(ticket.url, ticket.protocols));
    expect(verified).toMatchObject({ installationId: 'acme', user: 'user-42' });
  });

  it.each([
    ['without a session', undefined, 401, 'ERR_SESSION_MISSING'],
    ['with a bad session', 'Bearer forged', 401, 'ERR_SESSION_INVALID'],
  ])('is guarded like any function: refused %s, with no ticket in the answer', async (_name, authorization, status, code) => {
    const res = await handler()(event(authorization));
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(String(res.body))).toEqual({ error: { code, message: expect.any(String) } });
    expect(String(res.body)).not.toContain('tessera.ticket');
  });

  it('refuses a name the manifest does not declare, and a bad path option, at definition', () => {
    const app = createApp({ manifest, store, session, env: {}, logger: silentLogger });
    expect(() => app.defineWsTicketFunction('nope', { path: '/live' })).toThrow('not declared in manifest.json');
    expect(() => app.defineWsTicketFunction('liveTicket', { path: 42 as never })).toThrow('option "path" must be a string or a function');
  });
});
