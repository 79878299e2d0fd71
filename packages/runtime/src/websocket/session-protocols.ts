/**
 * The `Sec-WebSocket-Protocol` of a `$connect`: the app's protocol first, the platform session second. A browser can
 * set no header on a WebSocket, and a URL is kept by proxies, logs and history; this header is the one place left.
 */
import { MAX_TOKEN_BYTES } from '@tessera/protocol';
import { REPEATED } from './_handshake.js';

/**
 * The subprotocol entry that carries the session: this prefix, then the compact JWT.
 * @example
 * new WebSocket(url, ['tessera.v1', `${WS_SESSION_PROTOCOL_PREFIX}${token}`]);
 */
export const WS_SESSION_PROTOCOL_PREFIX = 'tessera.session.';

/** RFC 6455 §4.1: each entry is an RFC 9110 token; a compact JWT (base64url and dots) is one. */
export const SUBPROTOCOL = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The subprotocol list a client passes to `new WebSocket(url, protocols)`: the application protocol first, so a server
 * that answers with the first entry (serverless-offline does) never answers with the token, and the session last.
 * @example
 * new WebSocket(url, webSocketSessionProtocols('tessera.v1', token)) // ['tessera.v1', 'tessera.session.eyJ…']
 */
export function webSocketSessionProtocols(protocol: string, token: string): string[] {
  if (typeof protocol !== 'string' || !SUBPROTOCOL.test(protocol) || protocol.startsWith(WS_SESSION_PROTOCOL_PREFIX)) {
    throw new TypeError('webSocketSessionProtocols: the application protocol must be a token and not a session');
  }
  if (typeof token !== 'string' || !SUBPROTOCOL.test(token)) throw new TypeError('webSocketSessionProtocols: the session must be a compact JWT');
  return [protocol, `${WS_SESSION_PROTOCOL_PREFIX}${token}`];
}

/** What the header offered: the session token, and the application protocols before it, in order. */
export interface OfferedSession {
  token: string;
  protocols: string[];
}

/** Why the header gave no session: `missing` or `malformed`; `reason` is a fixed text for logs, never the value. */
export interface SessionProblem {
  kind: 'missing' | 'malformed';
  reason: string;
}

/** Reads the offer, bounded before it is split; the session must be the last entry and never the first. */
export function readSessionProtocols(value: string | typeof REPEATED | undefined): OfferedSession | SessionProblem {
  if (value === REPEATED) return { kind: 'malformed', reason: 'Sec-WebSocket-Protocol repeated' };
  if (value === undefined || value.trim() === '') return { kind: 'missing', reason: 'no Sec-WebSocket-Protocol header' };
  if (value.length > MAX_TOKEN_BYTES + 256) return { kind: 'malformed', reason: `Sec-WebSocket-Protocol larger than ${MAX_TOKEN_BYTES} bytes` };
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => !SUBPROTOCOL.test(entry))) return { kind: 'malformed', reason: 'a subprotocol entry is not a token' };
  const sessions = entries.filter((entry) => entry.startsWith(WS_SESSION_PROTOCOL_PREFIX));
  if (sessions.length === 0) return { kind: 'missing', reason: 'no session among the subprotocols' };
  if (sessions.length > 1) return { kind: 'malformed', reason: 'more than one session among the subprotocols' };
  // serverless-offline answers with the first entry offered, whatever $connect chose: a session offered first would
  // be echoed back in the handshake's answer, where proxies and browser tools show it.
  if (entries[0] === sessions[0]) return { kind: 'malformed', reason: 'the session is offered first, before an application protocol' };
  if (entries.at(-1) !== sessions[0]) return { kind: 'malformed', reason: 'the session is not the last subprotocol' };
  const token = (sessions[0] as string).slice(WS_SESSION_PROTOCOL_PREFIX.length);
  if (token === '') return { kind: 'missing', reason: 'the session entry is empty' };
  return { token, protocols: entries.slice(0, -1) };
}
