/**
 * The WebSocket ticket (DESIGN.md "WebSockets"): a short-lived JWT a function mints for the customer's WebSocket
 * server, carried in `Sec-WebSocket-Protocol` because a browser can set no header on a WebSocket, and never in a URL,
 * where proxies, logs and history keep it.
 */
import { MAX_TOKEN_BYTES } from './bearer.js';

/** `typ` of every ticket: no request token or session passes as a ticket, and no ticket as either. */
export const WS_TICKET_TYPE = 'tessera-ws-ticket+jwt';
/** The subprotocol entry that carries the ticket: this prefix, then the compact JWT. */
export const WS_TICKET_PROTOCOL_PREFIX = 'tessera.ticket.';
/** The application protocol Tessera's example speaks; an app may name its own. */
export const WS_DEFAULT_PROTOCOL = 'tessera.v1';
/** Default ticket lifetime: long enough to open a socket, short enough to be useless once logged somewhere. */
export const WS_TICKET_DEFAULT_LIFETIME_SEC = 30;
/** Longest ticket lifetime either side accepts. */
export const WS_TICKET_MAX_LIFETIME_SEC = 60;

/** Claims of a ticket. `htu` is the exact `wss://` URL the socket opens; `usr` the session's subject. */
export interface WsTicketClaims {
  iss: string;
  sub: string;
  /** The customer's WebSocket origin, `wss://host[:port]`. */
  aud: string;
  /** The exact URL, normalised like a request token's `htu`. */
  htu: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  /** The platform user the ticket was minted for, when a session minted it. */
  usr?: string;
}

/** RFC 6455 §4.1 / RFC 9110 token: what a subprotocol entry may be made of. */
const SUBPROTOCOL = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The subprotocol list a browser passes to `new WebSocket(url, protocols)`: the application protocol first, so a
 * server that echoes the first entry (serverless-offline does) never echoes the ticket, and the ticket second.
 * @example
 * new WebSocket(url, wsTicketProtocols('tessera.v1', ticket)) // ['tessera.v1', 'tessera.ticket.eyJ…']
 */
export function wsTicketProtocols(protocol: string, ticket: string): [string, string] {
  if (!SUBPROTOCOL.test(protocol) || protocol.startsWith(WS_TICKET_PROTOCOL_PREFIX)) {
    throw new TypeError('wsTicketProtocols: the application protocol must be a token and not a ticket');
  }
  return [protocol, `${WS_TICKET_PROTOCOL_PREFIX}${ticket}`];
}

/** What a `Sec-WebSocket-Protocol` header offered: the ticket, and the other entries in order. */
export interface OfferedProtocols {
  ticket: string;
  protocols: string[];
}

/**
 * Why the header gave no ticket: `missing` (no header, no ticket entry) or `malformed` (repeated, oversized, two
 * tickets, an entry that is not a token). `reason` is a fixed text for logs, never the value.
 */
export interface TicketProblem {
  kind: 'missing' | 'malformed';
  reason: string;
}

/**
 * Reads the ticket from a `Sec-WebSocket-Protocol` value (the URL is never looked at), bounded before parsing.
 * @example
 * const offered = readTicketProtocols(req.headers['sec-websocket-protocol']);
 * if ('kind' in offered) refuse(offered.reason);
 */
export function readTicketProtocols(value: unknown): OfferedProtocols | TicketProblem {
  if (value === undefined || value === '') return { kind: 'missing', reason: 'no Sec-WebSocket-Protocol header' };
  if (typeof value !== 'string') return { kind: 'malformed', reason: 'Sec-WebSocket-Protocol repeated' };
  if (value.length > MAX_TOKEN_BYTES + 256) return { kind: 'malformed', reason: `Sec-WebSocket-Protocol larger than ${MAX_TOKEN_BYTES} bytes` };
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => !SUBPROTOCOL.test(entry))) return { kind: 'malformed', reason: 'a subprotocol entry is not a token' };
  const tickets = entries.filter((entry) => entry.startsWith(WS_TICKET_PROTOCOL_PREFIX));
  if (tickets.length === 0) return { kind: 'missing', reason: 'no ticket among the subprotocols' };
  if (tickets.length > 1) return { kind: 'malformed', reason: 'more than one ticket among the subprotocols' };
  // A server that echoes the first entry (serverless-offline does) would send the ticket back: it must come second.
  if ((entries[0] as string).startsWith(WS_TICKET_PROTOCOL_PREFIX))
    return { kind: 'malformed', reason: 'the ticket must follow the application protocol' };
  const ticket = (tickets[0] as string).slice(WS_TICKET_PROTOCOL_PREFIX.length);
  return { ticket, protocols: entries.filter((entry) => !entry.startsWith(WS_TICKET_PROTOCOL_PREFIX)) };
}
