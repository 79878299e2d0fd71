/** The Bearer header rule both token readers apply (DESIGN.md "token transport"). */

/**
 * RFC 6750 §2.1: the scheme `Bearer` (matched case-insensitively), one or more spaces, one b64token. Tokens are read
 * from `Authorization` only, never from a URL, a cookie or a body.
 * @example
 * const token = BEARER.exec(authorization)?.[1];
 */
export const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
