/** CSRF protection by signed double-submit: a `__Host-` cookie whose HMAC binds the token to one session. */
import { mergeOptions } from '@tessera/protocol';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { InboundError } from '@tessera/protocol/errors';
import { createJsonLogger, type Logger } from '@tessera/protocol/log';
import { readCookieValues, readHeader } from './_request-parts.js';

/**
 * Options of {@link createCsrfGuard}.
 * @example
 * const options: CsrfGuardOptions = { secret: iparams.csrfSecret, tokenLifetimeSec: 3600 };
 */
export interface CsrfGuardOptions {
  /** The HMAC secret, at least 32 bytes (UTF-8), e.g. from a secure iparam or an env var. Never logged. */
  secret: string;
  /**
   * The cookie's name; must start with `__Host-` so the browser accepts it only from this exact host over HTTPS with
   * `Path=/` and no `Domain`, which stops a sibling subdomain from planting one. Default `__Host-tessera-csrf`.
   */
  cookieName?: string;
  /** How long an issued token is accepted, in seconds, 60 to 86,400. Default 7200. */
  tokenLifetimeSec?: number;
  /** Clock in epoch milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
  /** Where refusals go (event `csrf.refused`, with a reason and never a value). Default: JSON lines on standard error. */
  logger?: Logger;
}

/**
 * What {@link CsrfGuard.issue} hands out: the token for the page's script and the cookie for the browser.
 * @example
 * const { token, setCookie } = guard.issue(binding);
 */
export interface CsrfIssueResult {
  /** Goes to the frontend's script, which echoes it in `X-CSRF-Token`. */
  token: string;
  /** A complete `Set-Cookie` header value. */
  setCookie: string;
}

/**
 * Issues and checks CSRF tokens; made by {@link createCsrfGuard}.
 * @example
 * guard.verify(event, binding); // throws InboundError ERR_CSRF_INVALID on a forged request
 */
export interface CsrfGuard {
  readonly cookieName: string;
  readonly tokenLifetimeSec: number;
  /**
   * A fresh token bound to `sessionBinding`: a string naming the caller unambiguously, e.g.
   * `JSON.stringify([session.installationId, session.subject])` or the Basic user.
   */
  issue(sessionBinding: string): CsrfIssueResult;
  /**
   * Passes GET and HEAD; otherwise requires the `X-CSRF-Token` header and the cookie to carry the same token, with a
   * valid HMAC for `sessionBinding`, not expired. Throws `InboundError` `ERR_CSRF_INVALID` (400).
   */
  verify(event: APIGatewayProxyEventV2, sessionBinding: string): void;
}

const DEFAULTS = {
  cookieName: '__Host-tessera-csrf',
  tokenLifetimeSec: 7200,
  now: Date.now,
  logger: undefined,
} as const satisfies Omit<Required<CsrfGuardOptions>, 'secret' | 'logger'> & { logger: undefined };

const KNOWN_KEYS: ReadonlySet<string> = new Set(['secret', ...Object.keys(DEFAULTS)]);
const MIN_SECRET_BYTES = 32;
const MIN_LIFETIME_SEC = 60;
const MAX_LIFETIME_SEC = 86_400;
const TOKEN_BYTES = 32;
/** base64url of 32 bytes: 43 characters, no padding. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** Cookie value: token . expiry (epoch seconds) . HMAC-SHA256, each part fixed in alphabet so the split is unambiguous. */
const COOKIE_VALUE = /^([A-Za-z0-9_-]{43})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})$/;
/** RFC 6265 §4.1.1 cookie-name (an RFC 9110 token). */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 §9.2.1: safe methods change nothing, so a forged one gains the attacker nothing to protect against.
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);
/** Domain separation: the secret may be shared with other uses, so the MAC key is derived for CSRF alone. */
const KEY_LABEL = 'tessera/csrf/v1';

function fail(rule: string): never {
  throw new TypeError(`createCsrfGuard: ${rule}`);
}

function checkBinding(binding: unknown, method: string): string {
  if (typeof binding !== 'string' || binding.length === 0) {
    throw new TypeError(`CsrfGuard.${method}: sessionBinding must be a non-empty string naming the session`);
  }
  return binding;
}

function resolve(options: CsrfGuardOptions) {
  const o = mergeOptions('createCsrfGuard', options, KNOWN_KEYS, DEFAULTS);
  if (typeof o.secret !== 'string' || Buffer.byteLength(o.secret, 'utf8') < MIN_SECRET_BYTES) {
    fail(`option "secret" must be a string of at least ${MIN_SECRET_BYTES} bytes`);
  }
  if (typeof o.cookieName !== 'string' || !o.cookieName.startsWith('__Host-') || !COOKIE_NAME.test(o.cookieName)) {
    fail('option "cookieName" must be a cookie name starting with "__Host-"');
  }
  const lifetime = o.tokenLifetimeSec;
  if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < MIN_LIFETIME_SEC || lifetime > MAX_LIFETIME_SEC) {
    fail(`option "tokenLifetimeSec" must be an integer from ${MIN_LIFETIME_SEC} to ${MAX_LIFETIME_SEC}`);
  }
  if (typeof o.now !== 'function') fail('option "now" must be a function returning epoch milliseconds');
  if (o.logger !== undefined && typeof o.logger?.log !== 'function') fail('option "logger" must be a Logger');
  return {
    key: createHmac('sha256', o.secret).update(KEY_LABEL).digest(),
    cookieName: o.cookieName,
    tokenLifetimeSec: lifetime,
    now: o.now,
    logger: o.logger ?? createJsonLogger({ base: { component: 'csrf' } }),
  };
}

/**
 * Creates the CSRF guard for functions the manifest marks `csrf: true`. Bad options throw `TypeError` here.
 * @example
 * const csrf = createCsrfGuard({ secret: process.env.TESSERA_CSRF_SECRET! });
 * csrf.verify(event, JSON.stringify([session.installationId, session.subject]));
 */
export function createCsrfGuard(options: CsrfGuardOptions): CsrfGuard {
  const o = resolve(options);

  // JSON of a fixed-shape array: no choice of binding can collide with another binding's token and expiry.
  const mac = (binding: string, token: string, expirySec: string): Buffer =>
    createHmac('sha256', o.key)
      .update(JSON.stringify([binding, token, expirySec]))
      .digest();

  function refuse(reason: string): never {
    o.logger.log('warn', 'csrf.refused', { code: 'ERR_CSRF_INVALID', reason });
    throw new InboundError('ERR_CSRF_INVALID', { cause: reason });
  }

  function cookieFor(event: APIGatewayProxyEventV2): RegExpExecArray {
    const values = readCookieValues(event, o.cookieName);
    if (values.length === 0) refuse('cookie missing');
    // One __Host- cookie per host is all a browser keeps; two different values mean someone added one.
    if (values.length > 1) refuse('cookie sent twice');
    const parts = COOKIE_VALUE.exec(values[0] as string);
    if (!parts) refuse('cookie malformed');
    return parts;
  }

  return Object.freeze({
    cookieName: o.cookieName,
    tokenLifetimeSec: o.tokenLifetimeSec,

    issue(sessionBinding: string): CsrfIssueResult {
      const binding = checkBinding(sessionBinding, 'issue');
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      const expirySec = String(Math.floor(o.now() / 1000) + o.tokenLifetimeSec);
      const value = `${token}.${expirySec}.${mac(binding, token, expirySec).toString('base64url')}`;
      return {
        token,
        setCookie: `${o.cookieName}=${value}; Max-Age=${o.tokenLifetimeSec}; Path=/; Secure; HttpOnly; SameSite=Strict`,
      };
    },

    verify(event: APIGatewayProxyEventV2, sessionBinding: string): void {
      const method = String(event?.requestContext?.http?.method ?? '').toUpperCase();
      if (SAFE_METHODS.has(method)) return;
      const binding = checkBinding(sessionBinding, 'verify');
      const header = readHeader(event, 'x-csrf-token')?.trim();
      if (header === undefined || header === '') refuse('header missing');
      if (!TOKEN.test(header)) refuse('header malformed');
      const [, token, expirySec, signature] = cookieFor(event) as unknown as [string, string, string, string];
      // Both sides are 43 characters by the patterns above, so the comparison leaks nothing through its length.
      if (!timingSafeEqual(Buffer.from(header), Buffer.from(token))) refuse('header and cookie differ');
      // Compared as canonical base64url text: decoding would let 4 spellings of the last character pass as one MAC.
      if (!timingSafeEqual(Buffer.from(mac(binding, token, expirySec).toString('base64url')), Buffer.from(signature))) {
        refuse('signature invalid for this session');
      }
      const nowSec = Math.floor(o.now() / 1000);
      const expiry = Number(expirySec);
      if (expiry <= nowSec) refuse('expired');
      // Signed under a longer lifetime than the one configured now: honour the current policy.
      if (expiry > nowSec + o.tokenLifetimeSec) refuse('lifetime over the configured one');
    },
  });
}

/**
 * The answer to `GET /csrf`: `{"token"}` with the cookie set, never cached.
 * @example
 * if (event.rawPath === '/csrf') return csrfResponse(csrf, binding, corsHeaders);
 */
export function csrfResponse(
  guard: CsrfGuard,
  sessionBinding: string,
  corsHeaders: Readonly<Record<string, string>> = {},
): { statusCode: number; headers: Record<string, string>; body: string } {
  const { token, setCookie } = guard.issue(sessionBinding);
  return {
    statusCode: 200,
    headers: { ...corsHeaders, 'content-type': 'application/json', 'cache-control': 'no-store', 'set-cookie': setCookie },
    body: JSON.stringify({ token }),
  };
}
