/** The outbound wire contract shared by the signer (outbound) and the verifier: claims, header, request binding. */
import { createHash } from 'node:crypto';

/** `typ` header of every Tessera request token, so no other kind of JWT passes as one. */
export const TOKEN_TYPE = 'tessera+jwt';
/**
 * The built-in CSRF token route (`GET /csrf`), a name no function may take.
 * @example
 * `${functionsUrl}/${CSRF_ROUTE_NAME}`
 */
export const CSRF_ROUTE_NAME = 'csrf';

/** Default header for the shared-secret mode (HTTP header names are case-insensitive). */
export const DEFAULT_SECRET_HEADER = 'x-tessera-secret';
/** Default lifetime of a request token. */
export const DEFAULT_TOKEN_LIFETIME_SEC = 30;
/**
 * Longest lifetime a request token may be given (the manifest's `customer.auth.tokenLifetimeSec`); key retirement
 * waits this long for the last token a replaced key signed.
 */
export const MAX_TOKEN_LIFETIME_SEC = 300;

/** Claims of a request token (DESIGN.md, "Outbound request"). */
export interface RequestClaims {
  /** App id. */
  iss: string;
  /** Installation id. */
  sub: string;
  /** The customer origin, `scheme://host[:port]`. */
  aud: string;
  iat: number;
  nbf: number;
  exp: number;
  /** At least 128 random bits, base64url. */
  jti: string;
  /** HTTP method, upper case. */
  htm: string;
  /** The request URL as sent, normalised by {@link normalizeHtu}. */
  htu: string;
  /** base64url SHA-256 of the exact body bytes (of the empty string when there is no body). */
  bh: string;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Upper-case percent-encoding hex digits and decode unreserved characters (RFC 3986 §6.2.2.1, §6.2.2.2). */
function normalizePercent(part: string): string {
  return part.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
}

/**
 * The `htu` form of a URL: scheme, host, port, path and query after RFC 3986 §6 normalisation, no fragment.
 * WHATWG URL parsing already lower-cases scheme and host, drops default ports and removes dot segments.
 * @example
 * normalizeHtu('HTTPS://Api.Example.com:443/a/../orders/%7e1?x=1#f') // 'https://api.example.com/orders/~1?x=1'
 */
export function normalizeHtu(url: string | URL): string {
  const u = new URL(String(url));
  return `${u.protocol}//${u.host}${normalizePercent(u.pathname)}${normalizePercent(u.search)}`;
}

/** The `aud` form of a URL: its origin, `scheme://host[:port]`. */
export function originOf(url: string | URL): string {
  return new URL(String(url)).origin;
}

// SHA-256 of no bytes, written out: a module-level hash would be a side effect no bundler can drop.
const EMPTY_BODY_HASH = '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU';

/**
 * The `bh` claim: base64url SHA-256 of the exact bytes on the wire.
 * @example
 * bodyHash(Buffer.from('{"a":1}'))
 */
export function bodyHash(body: Uint8Array | string | undefined | null): string {
  if (body === undefined || body === null || body.length === 0) return EMPTY_BODY_HASH;
  return createHash('sha256').update(body).digest('base64url');
}

/**
 * Offline only: the runtime names the CORS headers it set and its own status, so the offline proxy can undo what
 * serverless-offline adds (see src/offline/offline-proxy.ts). Never set on AWS.
 */
export const OFFLINE_CORS_HEADERS_MARKER = 'x-tessera-cors-headers';
export const OFFLINE_STATUS_MARKER = 'x-tessera-status';
export { checkJwksUrl, fetchJwksDocument, JwksFetchError, JWKS_MAX_BYTES, JWKS_TIMEOUT_MS } from './jwks-fetch.js';
export { BEARER, bearerChallenge, isScopeToken, MAX_TOKEN_BYTES, readBearer, type BearerError, type BearerProblem } from './bearer.js';
export { createJwksCache, JWKS_COOLDOWN_MS, JWKS_MAX_AGE_MS, JWKS_STALE_CAP_MS } from './jwks-cache.js';
export type { JwksCache, JwksCacheOptions } from './jwks-cache.js';
export { ID_PATTERN, ID_RULE, isId, isParameterName, PARAMETER_NAME_PATTERN, PARAMETER_NAME_RULE, PARAMETER_NAME_SOURCE } from './ids.js';
export { isLoopbackHost, LOOPBACK_RULE } from './loopback.js';
export { compileOriginAllowlist, matchesPattern, parseOrigin, parseOriginPattern, type OriginPattern, type ParsedOrigin } from './origin.js';
export {
  readTicketProtocols,
  WS_DEFAULT_PROTOCOL,
  WS_TICKET_DEFAULT_LIFETIME_SEC,
  WS_TICKET_MAX_LIFETIME_SEC,
  WS_TICKET_PROTOCOL_PREFIX,
  WS_TICKET_TYPE,
  wsTicketProtocols,
  type OfferedProtocols,
  type TicketProblem,
  type WsTicketClaims,
} from './ws-ticket.js';
export { assertKnownOptions, mergeOptions, withDefaults, type WithDefaults } from './options.js';
export { ENVIRONMENT_VARIABLES, readEnvironment, type TesseraEnvironment } from './environment.js';
