/** The Bearer header rule both token readers apply (DESIGN.md "token transport"). */

/**
 * RFC 6750 §2.1: the scheme `Bearer` (matched case-insensitively), one or more spaces, one b64token. Tokens are read
 * from `Authorization` only, never from a URL, a cookie or a body.
 * @example
 * const token = BEARER.exec(authorization)?.[1];
 */
export const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * RFC 6750 §3 error codes: `invalid_request` for a missing or malformed header, `invalid_token` for a credential that
 * did not verify, `insufficient_scope` for a valid one lacking a scope.
 */
export type BearerError = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** RFC 6749 §3.3 scope-token: printable ASCII without space, `"` or `\`, so it is safe inside a quoted string. */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/**
 * The `WWW-Authenticate` value of a Bearer refusal. `description` must be a fixed text (an error code's public
 * message), never a token or claim; `scope` lists the scopes required, and is left out when one is not a scope-token.
 * @example
 * bearerChallenge('invalid_token', 'Token expired') // 'Bearer error="invalid_token", error_description="Token expired"'
 */
export function bearerChallenge(error: BearerError, description: string, scope: readonly string[] = []): string {
  const scopeParam = scope.length > 0 && scope.every((s) => SCOPE_TOKEN.test(s)) ? `, scope="${scope.join(' ')}"` : '';
  return `Bearer error="${error}", error_description="${description}"${scopeParam}`;
}
