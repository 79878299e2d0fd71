/** The Bearer header rule both token readers apply (DESIGN.md "token transport"). */

/**
 * RFC 6750 §2.1: the scheme `Bearer` (matched case-insensitively), one or more spaces, one b64token. Tokens are read
 * from `Authorization` only, never from a URL, a cookie or a body.
 * @example
 * const token = BEARER.exec(authorization)?.[1];
 */
export const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Largest token either side accepts, in bytes. */
export const MAX_TOKEN_BYTES = 8 * 1024;

/**
 * Why an `Authorization` value gave no token: `missing` (absent or blank) or `malformed` (repeated, oversized, another
 * scheme), both RFC 6750 `invalid_request`. `reason` is a fixed text for logs, never the value.
 */
export interface BearerProblem {
  kind: 'missing' | 'malformed';
  reason: string;
}

/**
 * Reads the token from an `Authorization` value under the one rule: present, not repeated, bounded before any
 * parsing, scheme Bearer, one b64token. Each reader turns a problem into its own error code.
 * @example
 * const token = readBearer(req.headers.authorization);
 * if (typeof token !== 'string') throw refusal(token.kind === 'missing' ? 'ERR_VERIFY_MISSING' : 'ERR_VERIFY_MALFORMED', token.reason);
 */
export function readBearer(value: unknown): string | BearerProblem {
  if (value === undefined) return { kind: 'missing', reason: 'no Authorization header' };
  if (typeof value !== 'string') return { kind: 'malformed', reason: 'Authorization header repeated' };
  if (value.trim() === '') return { kind: 'missing', reason: 'empty Authorization header' };
  if (value.length > MAX_TOKEN_BYTES + 16) return { kind: 'malformed', reason: `token larger than ${MAX_TOKEN_BYTES} bytes` };
  const token = BEARER.exec(value)?.[1];
  if (token === undefined) return { kind: 'malformed', reason: 'Authorization is not a Bearer token' };
  if (token.length > MAX_TOKEN_BYTES) return { kind: 'malformed', reason: `token larger than ${MAX_TOKEN_BYTES} bytes` };
  return token;
}

/**
 * RFC 6750 §3 error codes: `invalid_request` for a missing or malformed header, `invalid_token` for a credential that
 * did not verify, `insufficient_scope` for a valid one lacking a scope.
 */
export type BearerError = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** RFC 6749 §3.3 scope-token: printable ASCII without space, `"` or `\`, so it is safe inside a quoted string. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * A scope name as RFC 6749 §3.3 allows one: printable ASCII but space, `"` and `\\`.
 * @example
 * isScopeToken('orders:read') // true
 */
export function isScopeToken(value: unknown): value is string {
  return typeof value === 'string' && SCOPE_TOKEN.test(value);
}

/**
 * The `WWW-Authenticate` value of a Bearer refusal. `description` must be a fixed text (an error code's public
 * message), never a token or claim; `scope` lists the scopes required, and is left out when one is not a scope-token.
 * @example
 * bearerChallenge('invalid_token', 'Token expired') // 'Bearer error="invalid_token", error_description="Token expired"'
 */
export function bearerChallenge(error: BearerError, description: string, scope: readonly string[] = []): string {
  const scopeParam = scope.length > 0 && scope.every(isScopeToken) ? `, scope="${scope.join(' ')}"` : '';
  return `Bearer error="${error}", error_description="${description}"${scopeParam}`;
}
