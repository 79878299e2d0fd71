/**
 * What `$connect` accepts and answers as API Gateway requires: 200 naming the application protocol (never the token),
 * with onConnect given the verified installation and session; the session guard is the HTTP functions' own.
 */
import { InboundError } from '../../../../protocol/src/errors.js';
import { createWebSocketRoutes } from '../../../src/websocket/index.js';
import {
  INSTALLATION_ID,
  ISSUER,
  capturedLogger,
  frozenClock,
  mintSession,
  platformKey,
  sessionVerifier,
  startJwks,
  type PlatformKey,
} from '../inbound/_session-helpers.js';
import { CONNECTION_ID, ORIGIN, PROTOCOL, connectEvent, handshake, manifestFor, recordConnects } from './_ws-helpers.js';

let jwks: Awaited<ReturnType<typeof startJwks>>;
let rs: PlatformKey;
let es: PlatformKey;

beforeAll(async () => {
  [rs, es] = await Promise.all([platformKey('RS256', 'rs-1'), platformKey('ES256', 'es-1')]);
  jwks = await startJwks([rs, es]);
});
afterAll(() => jwks.close());

/** Routes whose session guard is built from the manifest, as the example app's are. */
function routesFor(extra: Partial<Parameters<typeof createWebSocketRoutes>[0]> = {}) {
  const { calls, onConnect } = recordConnects();
  const { logger, lines } = capturedLogger();
  const routes = createWebSocketRoutes({
    manifest: manifestFor(jwks.origin),
    protocols: [PROTOCOL],
    scopes: ['orders:read'],
    onConnect,
    offline: true,
    clock: frozenClock().now,
    env: {},
    logger,
    ...extra,
  } as Parameters<typeof createWebSocketRoutes>[0]);
  return { routes, calls, lines };
}

describe('createWebSocketRoutes', () => {
  describe('connect', () => {
    it('answers 200 with Sec-WebSocket-Protocol naming the application protocol, never the token', async () => {
      // Prepare
      const { routes, lines } = routesFor();
      const token = await mintSession(rs);
      // Act
      const res = await routes.connect(handshake(token));
      // Assess
      expect(res).toEqual({ statusCode: 200, headers: { 'Sec-WebSocket-Protocol': PROTOCOL } });
      expect(JSON.stringify(res) + lines.join('\n')).not.toContain(token);
    });

    it('hands onConnect the connection id, the installation from the verified claim, the session and the protocol', async () => {
      // Prepare
      const { routes, calls } = routesFor();
      const event = handshake(await mintSession(es));
      // Act
      await routes.connect(event);
      // Assess
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({
        connectionId: CONNECTION_ID,
        installationId: INSTALLATION_ID,
        protocol: PROTOCOL,
        session: { subject: 'user-42', installationId: INSTALLATION_ID, scopes: ['orders:read', 'orders:write'] },
        event,
      });
    });

    it.each([
      ['the casing browsers send through API Gateway', 'Origin', 'Sec-WebSocket-Protocol'],
      ['lower-case names', 'origin', 'sec-websocket-protocol'],
    ])('reads headers whatever their casing: %s', async (_name, originName, protocolName) => {
      // Prepare
      const { routes } = routesFor();
      const token = await mintSession(rs);
      const event = connectEvent({ [originName]: ORIGIN, [protocolName]: `${PROTOCOL},tessera.session.${token}` });
      // Act
      const res = await routes.connect(event);
      // Assess
      expect(res.statusCode).toBe(200);
    });

    it('picks the first offered protocol, as serverless-offline does, when several precede the session', async () => {
      // Prepare
      const { routes } = routesFor({ protocols: ['tessera.v1', 'tessera.v2'] });
      const token = await mintSession(rs);
      // Act
      const res = await routes.connect(
        connectEvent({ Origin: ORIGIN, 'Sec-WebSocket-Protocol': `tessera.v2, tessera.v1, tessera.session.${token}` }),
      );
      // Assess
      expect(res.headers).toEqual({ 'Sec-WebSocket-Protocol': 'tessera.v2' });
    });

    it('takes the scopes of a manifest function when told to', async () => {
      // Prepare: the function standing for the socket requires orders:write, which this session lacks
      const manifest = manifestFor(jwks.origin, { functions: { live: { methods: ['GET'], scopes: ['orders:write', 'admin'] } } });
      const { routes, calls } = routesFor({ manifest, scopes: undefined, manifestFunction: 'live' });
      // Act
      const res = await routes.connect(handshake(await mintSession(rs)));
      // Assess
      expect(routes.scopes).toEqual(['orders:write', 'admin']);
      expect(res.statusCode).toBe(403);
      expect(JSON.parse(String(res.body)).error.code).toBe('ERR_SCOPE_MISSING');
      expect(calls).toHaveLength(0);
    });

    it('lets a handshake without Origin through only with allowNoOrigin: true', async () => {
      // Prepare
      const { routes } = routesFor({ allowNoOrigin: true });
      const token = await mintSession(rs);
      // Act
      const res = await routes.connect(connectEvent({ 'Sec-WebSocket-Protocol': `${PROTOCOL}, tessera.session.${token}` }));
      // Assess
      expect(res.statusCode).toBe(200);
    });

    it('takes allowedOrigins over the manifest', async () => {
      // Prepare
      const { routes } = routesFor({ allowedOrigins: ['https://app.product.example'] });
      const token = await mintSession(rs);
      // Act
      const manifestOrigin = await routes.connect(handshake(token));
      const given = await routes.connect(handshake(token, 'https://app.product.example'));
      // Assess
      expect([manifestOrigin.statusCode, given.statusCode]).toEqual([403, 200]);
    });

    it('verifies with an injected SessionVerifier, the one an HTTP function would use', async () => {
      // Prepare
      const { verifier } = sessionVerifier(jwks.origin);
      const { routes } = routesFor({ session: verifier });
      // Act
      const res = await routes.connect(handshake(await mintSession(rs)));
      // Assess
      expect(res.statusCode).toBe(200);
    });

    it("takes the stage's platform from TESSERA_SESSION_JWKS_URL and TESSERA_SESSION_ISSUER, as createApp does", async () => {
      // Prepare: the manifest names another platform; the environment names the test's
      const manifest = manifestFor('https://platform.elsewhere.test', { session: { jwksUrl: 'https://platform.elsewhere.test/jwks', issuer: 'x' } });
      const env = { TESSERA_SESSION_JWKS_URL: `${jwks.origin}/.well-known/jwks.json`, TESSERA_SESSION_ISSUER: ISSUER };
      const { routes } = routesFor({ manifest, env });
      // Act
      const res = await routes.connect(handshake(await mintSession(rs)));
      // Assess
      expect(res.statusCode).toBe(200);
    });

    it('refuses with the code of a TesseraError onConnect throws, and answers 500 ERR_INTERNAL for any other error', async () => {
      // Prepare
      const token = await mintSession(rs);
      const refusing = routesFor({
        onConnect: () => {
          throw new InboundError('ERR_RATE_LIMITED');
        },
      });
      const crashing = routesFor({
        onConnect: () => {
          throw new Error(`table write failed for ${token}`);
        },
      });
      // Act
      const refused = await refusing.routes.connect(handshake(token));
      const crashed = await crashing.routes.connect(handshake(token));
      // Assess
      expect([refused.statusCode, JSON.parse(String(refused.body)).error.code]).toEqual([429, 'ERR_RATE_LIMITED']);
      expect([crashed.statusCode, JSON.parse(String(crashed.body)).error.code]).toEqual([500, 'ERR_INTERNAL']);
      expect(crashing.lines.map((l) => JSON.parse(l).event)).toContain('websocket.failed');
      expect(JSON.stringify(crashed) + crashing.lines.join('\n')).not.toContain(token);
    });
  });
});
