/**
 * `$connect`'s attack catalogue: each refusal answers its status and code in the JSON error shape, before onConnect
 * runs, and the token is in no answer and no log line.
 */
import type { TesseraErrorCode } from '../../../../protocol/src/errors.js';
import { createWebSocketRoutes, type WebSocketConnectEvent } from '../../../src/websocket/index.js';
import { NOW_SEC, capturedLogger, frozenClock, mintSession, platformKey, startJwks, type PlatformKey } from '../inbound/_session-helpers.js';
import { ORIGIN, PROTOCOL, connectEvent, handshake, manifestFor, recordConnects } from './_ws-helpers.js';

interface Refusal {
  name: string;
  code: TesseraErrorCode;
  status: number;
  /** The handshake, given a valid session token (which most refusals carry, to prove it does not help). */
  event: (token: string) => Promise<WebSocketConnectEvent> | WebSocketConnectEvent;
}

let jwks: Awaited<ReturnType<typeof startJwks>>;
let rs: PlatformKey;

beforeAll(async () => {
  rs = await platformKey('RS256', 'rs-1');
  jwks = await startJwks([rs]);
});
afterAll(() => jwks.close());

/** A handshake from the allowed Origin offering exactly `protocols`. */
const offer = (protocols: string) => connectEvent({ Origin: ORIGIN, 'Sec-WebSocket-Protocol': protocols });
const ORIGIN_CODE = { code: 'ERR_ORIGIN_NOT_ALLOWED', status: 403 } as const;
const INVALID = { code: 'ERR_SESSION_INVALID', status: 401 } as const;
const MISSING = { code: 'ERR_SESSION_MISSING', status: 401 } as const;

const refusals: Refusal[] = [
  // Origin: checked first, with the CORS parser and patterns
  { name: 'a foreign Origin', ...ORIGIN_CODE, event: (t) => handshake(t, 'https://evil.example.com') },
  {
    name: 'no Origin (not a browser)',
    ...ORIGIN_CODE,
    event: (t) => connectEvent({ 'Sec-WebSocket-Protocol': `${PROTOCOL}, tessera.session.${t}` }),
  },
  { name: 'Origin null (sandboxed iframe, file:)', ...ORIGIN_CODE, event: (t) => handshake(t, 'null') },
  { name: 'the wildcard base itself', ...ORIGIN_CODE, event: (t) => handshake(t, 'https://helpdesk.example.com') },
  { name: 'a suffix look-alike', ...ORIGIN_CODE, event: (t) => handshake(t, 'https://evilhelpdesk.example.com') },
  { name: 'an allowed origin as a prefix', ...ORIGIN_CODE, event: (t) => handshake(t, 'https://acme.helpdesk.example.com.evil.net') },
  { name: 'two labels under the wildcard', ...ORIGIN_CODE, event: (t) => handshake(t, 'https://a.b.helpdesk.example.com') },
  { name: 'the right host over http', ...ORIGIN_CODE, event: (t) => handshake(t, 'http://acme.helpdesk.example.com') },
  { name: 'an upper-case (non-canonical) origin', ...ORIGIN_CODE, event: (t) => handshake(t, 'HTTPS://ACME.HELPDESK.EXAMPLE.COM') },
  { name: 'an origin with a path', ...ORIGIN_CODE, event: (t) => handshake(t, `${ORIGIN}/`) },
  { name: 'an origin with userinfo', ...ORIGIN_CODE, event: (t) => handshake(t, 'https://evil.com@acme.helpdesk.example.com') },
  { name: 'the exact loopback origin on another port', ...ORIGIN_CODE, event: (t) => handshake(t, 'http://127.0.0.1:4201') },
  {
    name: 'two Origin headers, one allowed',
    ...ORIGIN_CODE,
    event: (t) =>
      connectEvent(
        { Origin: ORIGIN, 'Sec-WebSocket-Protocol': `${PROTOCOL}, tessera.session.${t}` },
        { Origin: [ORIGIN, 'https://evil.example.com'], 'Sec-WebSocket-Protocol': [`${PROTOCOL}, tessera.session.${t}`] },
      ),
  },
  {
    name: 'Origin spelt twice in headers',
    ...ORIGIN_CODE,
    event: (t) => connectEvent({ Origin: ORIGIN, origin: 'https://evil.example.com', 'Sec-WebSocket-Protocol': `${PROTOCOL}, tessera.session.${t}` }),
  },
  // the token's transport: Sec-WebSocket-Protocol only, application protocol first, session last
  { name: 'no Sec-WebSocket-Protocol', ...MISSING, event: () => connectEvent({ Origin: ORIGIN }) },
  { name: 'only the application protocol', ...MISSING, event: () => offer(PROTOCOL) },
  {
    name: 'the token in the URL query instead',
    ...MISSING,
    event: (t) => ({ ...connectEvent({ Origin: ORIGIN, 'Sec-WebSocket-Protocol': PROTOCOL }), queryStringParameters: { token: t } }),
  },
  { name: 'the token offered first instead of second', ...INVALID, event: (t) => offer(`tessera.session.${t}, ${PROTOCOL}`) },
  { name: 'the token alone', ...INVALID, event: (t) => offer(`tessera.session.${t}`) },
  { name: 'the token between two protocols', ...INVALID, event: (t) => offer(`${PROTOCOL}, tessera.session.${t}, tessera.v2`) },
  { name: 'two sessions', ...INVALID, event: (t) => offer(`${PROTOCOL}, tessera.session.${t}, tessera.session.${t}`) },
  { name: 'an empty session entry', ...MISSING, event: () => offer(`${PROTOCOL}, tessera.session.`) },
  { name: 'an entry that is not a token', ...INVALID, event: (t) => offer(`${PROTOCOL} x, tessera.session.${t}`) },
  { name: 'a 20 KB offer', ...INVALID, event: (t) => offer(`${PROTOCOL}, tessera.session.${t}${'A'.repeat(20_000)}`) },
  {
    name: 'Sec-WebSocket-Protocol repeated',
    ...INVALID,
    event: (t) =>
      connectEvent(
        { Origin: ORIGIN, 'Sec-WebSocket-Protocol': `${PROTOCOL}, tessera.session.${t}` },
        { Origin: [ORIGIN], 'Sec-WebSocket-Protocol': [`${PROTOCOL}, tessera.session.${t}`, PROTOCOL] },
      ),
  },
  {
    name: 'an application protocol the app does not speak',
    code: 'ERR_BAD_REQUEST',
    status: 400,
    event: (t) => offer(`chat.v9, tessera.session.${t}`),
  },
  // the session itself, checked by the HTTP functions' own verifier
  {
    name: 'an expired token',
    code: 'ERR_SESSION_EXPIRED',
    status: 401,
    event: async () => handshake(await mintSession(rs, { claims: { iat: NOW_SEC - 126, nbf: NOW_SEC - 126, exp: NOW_SEC - 6 } })),
  },
  {
    name: 'a token of another typ (an outbound request token)',
    ...INVALID,
    event: async () => handshake(await mintSession(rs, { header: { typ: 'tessera+jwt' } })),
  },
  {
    name: 'a WebSocket ticket offered as the session',
    ...INVALID,
    event: async () => handshake(await mintSession(rs, { header: { typ: 'tessera-ws-ticket+jwt' } })),
  },
  { name: 'a token for another audience', ...INVALID, event: async () => handshake(await mintSession(rs, { claims: { aud: 'other-app' } })) },
  { name: 'a token of another issuer', ...INVALID, event: async () => handshake(await mintSession(rs, { claims: { iss: 'https://evil.test' } })) },
  {
    name: 'a forged signature',
    ...INVALID,
    event: (t) => handshake(`${t.split('.').slice(0, 2).join('.')}.${'A'.repeat(342)}`),
  },
  {
    name: 'a session without the required scope',
    code: 'ERR_SCOPE_MISSING',
    status: 403,
    event: async () => handshake(await mintSession(rs, { claims: { scope: 'orders:write' } })),
  },
];

describe('createWebSocketRoutes', () => {
  describe('connect: attack catalogue', () => {
    it.each(refusals)('refuses $name with $status $code, before onConnect', async ({ code, status, event }) => {
      // Prepare
      const { calls, onConnect } = recordConnects();
      const { logger, lines } = capturedLogger();
      const routes = createWebSocketRoutes({
        manifest: manifestFor(jwks.origin),
        protocols: [PROTOCOL],
        scopes: ['orders:read'],
        onConnect,
        offline: true,
        clock: frozenClock().now,
        logger,
        env: {},
      });
      const valid = await mintSession(rs);
      const handshakeEvent = await event(valid);
      const offered = String(handshakeEvent.headers?.['Sec-WebSocket-Protocol'] ?? '');
      const tokens = [valid, ...(/tessera\.session\.([\w.-]+)/.exec(offered)?.slice(1) ?? [])];
      // Act
      const res = await routes.connect(handshakeEvent);
      // Assess
      expect(res.statusCode).toBe(status);
      expect(JSON.parse(String(res.body))).toEqual({ error: { code, message: expect.any(String) } });
      expect(res.headers?.['content-type']).toBe('application/json');
      expect(res.headers).not.toHaveProperty('Sec-WebSocket-Protocol');
      expect(calls).toHaveLength(0);
      const refused = lines.map((l) => JSON.parse(l)).filter((r) => r.event === 'websocket.refused');
      expect(refused).toEqual([expect.objectContaining({ level: 'warn', route: '$connect', code })]);
      const visible = JSON.stringify(res) + lines.join('\n');
      for (const token of tokens) {
        expect(visible).not.toContain(token);
        for (const segment of token.split('.')) if (segment.length > 8) expect(visible).not.toContain(segment);
      }
    });
  });
});
