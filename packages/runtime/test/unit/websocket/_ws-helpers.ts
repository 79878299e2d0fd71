/** Test helpers for the WebSocket routes: a manifest, `$connect`/`$default`/`$disconnect` events as API Gateway sends them. */
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import type { WebSocketConnectContext, WebSocketConnectEvent } from '../../../src/websocket/index.js';
import { APP_ID, ISSUER } from '../inbound/_session-helpers.js';

export const PROTOCOL = 'tessera.v1';
export const ORIGIN = 'https://acme.helpdesk.example.com';
export const CONNECTION_ID = 'L0SM9cOFvHcCIhw=';

/** The example app's manifest, with its session guard pointed at a test JWKS. */
export function manifestFor(jwksOrigin: string, extra: Record<string, unknown> = {}) {
  return {
    app: { id: APP_ID, version: '1.0.0' },
    cors: { allowedOrigins: ['http://127.0.0.1:4200', 'https://*.helpdesk.example.com'], allowCredentials: true },
    session: { jwksUrl: `${jwksOrigin}/.well-known/jwks.json`, issuer: ISSUER },
    functions: { getOrder: { methods: ['GET'], scopes: ['orders:read'] } },
    customer: { baseUrl: '{{iparams.server_url}}', allowedHosts: ['*.orders.example.com'], auth: { mode: 'jwt', secretIparam: 'shared_secret' } },
    ...extra,
  };
}

const requestContext = (routeKey: string, eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT') => ({
  routeKey,
  eventType,
  messageId: 'm-1',
  extendedRequestId: 'x-1',
  requestTime: '22/Nov/2026:12:00:00 +0000',
  messageDirection: 'IN' as const,
  stage: 'dev',
  connectedAt: 1_795_000_000_000,
  requestTimeEpoch: 1_795_000_000_000,
  requestId: 'r-1',
  domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
  connectionId: CONNECTION_ID,
  apiId: 'abc123',
});

/**
 * A `$connect` event as API Gateway delivers it: headers with the casing the browser sent, and `multiValueHeaders`.
 * `headers` values of undefined are left out.
 */
export function connectEvent(headers: Record<string, string | undefined>, multi?: Record<string, string[]>): WebSocketConnectEvent {
  const present = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return {
    headers: { Host: 'abc123.execute-api.us-east-1.amazonaws.com', 'Sec-WebSocket-Version': '13', ...present },
    multiValueHeaders: multi ?? Object.fromEntries(Object.entries(present).map(([k, v]) => [k, [v]])),
    isBase64Encoded: false,
    requestContext: requestContext('$connect', 'CONNECT'),
  };
}

/** The browser's handshake: an Origin and the two subprotocols, application protocol first. */
export function handshake(token: string, origin: string | undefined = ORIGIN): WebSocketConnectEvent {
  return connectEvent({ Origin: origin, 'Sec-WebSocket-Protocol': `${PROTOCOL}, tessera.session.${token}` });
}

export function messageEvent(body: string, isBase64Encoded = false): APIGatewayProxyWebsocketEventV2 {
  return { body, isBase64Encoded, requestContext: requestContext('$default', 'MESSAGE') };
}

export function disconnectEvent(): APIGatewayProxyWebsocketEventV2 {
  return { isBase64Encoded: false, requestContext: requestContext('$disconnect', 'DISCONNECT') };
}

/** An onConnect that records its calls. */
export function recordConnects(): { calls: WebSocketConnectContext[]; onConnect: (ctx: WebSocketConnectContext) => void } {
  const calls: WebSocketConnectContext[] = [];
  return { calls, onConnect: (ctx) => void calls.push(ctx) };
}
