/** The session guard: verifies the platform's session JWT against its JWKS and yields user, installation and scopes. */
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { ERROR_CODES, InboundError, type InboundErrorCode } from '@tessera/protocol/errors';
import { createJsonLogger, type Logger } from '@tessera/protocol/log';
import { bearerChallenge, checkJwksUrl, fetchJwksDocument, isId, mergeOptions, readBearer, TOKEN_TYPE } from '@tessera/protocol';
import { createJwksCache, type JwksFetcher } from './_jwks.js';

export type { JwksFetcher } from './_jwks.js';

/**
 * Asymmetric algorithms a session can be pinned to; a shared-secret algorithm would let the JWKS's public key sign.
 * @example
 * const algorithms: SessionAlgorithm[] = ['ES256'];
 */
export type SessionAlgorithm = 'RS256' | 'ES256';

/**
 * Options of {@link createSessionVerifier}; each duration carries its unit.
 * @example
 * const options: SessionVerifierOptions = { jwksUrl: 'https://platform.example.com/.well-known/jwks.json',
 *   issuer: 'https://platform.example.com', audience: 'order-lookup', maxTokenAgeSec: 120 };
 */
export interface SessionVerifierOptions {
  /** The platform's JWKS URL. HTTPS; `http://` only to a loopback host and only with `offline: true`. */
  jwksUrl: string;
  /** Expected `iss`, compared exactly: the product platform. */
  issuer: string;
  /** Expected `aud`: the app id (the token may carry it in an `aud` array). */
  audience: string;
  /** Algorithms accepted, never read from the token. Default `['RS256', 'ES256']`. */
  algorithms?: readonly SessionAlgorithm[];
  /** Longest accepted lifetime (`exp - iat`) and age (`now - iat`), in seconds, 1 to 3600. Default 300. */
  maxTokenAgeSec?: number;
  /**
   * Clock skew allowed between the platform and this function on `exp`, `nbf` and `iat`, in seconds, 0 to 60.
   * Default 5: enough for NTP-synced hosts, small against a 5-minute session.
   */
  clockToleranceSec?: number;
  /** The verified claim naming the installation (tenant) whose iparams load. Default `installation_id`. */
  installationClaim?: string;
  /** The session profile's `typ` header, so no other kind of JWT passes as a session. Default `tessera-session+jwt`. */
  typ?: string;
  /** Local development: allows an `http://` JWKS URL on a loopback host. Default false. */
  offline?: boolean;
  /** Gets the JWKS document; a seam for tests. Default: node:http(s) with the JWKS policy's limits. */
  fetchJwks?: JwksFetcher;
  /** Clock in epoch milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
  /** Where refusals go (event `session.refused`). Default: JSON lines on standard error. */
  logger?: Logger;
}

/**
 * A verified session.
 * @example
 * const { installationId } = await sessions.verify(headers.authorization, ['orders:read']);
 */
export interface Session {
  /** The user (`sub`). */
  subject: string;
  /** The installation from the verified token's installation claim, never from the request. */
  installationId: string;
  /** The `scope` claim, split on spaces. */
  scopes: readonly string[];
  /** Every verified claim. */
  claims: Readonly<JWTPayload>;
}

/**
 * Verifies one request's session; made by {@link createSessionVerifier}.
 * @example
 * const session = await sessions.verify(event.headers.authorization, ['orders:write']);
 */
export interface SessionVerifier {
  /**
   * Verifies the `Authorization` header value and checks that the session holds every scope in `requiredScopes`.
   * Rejects with an `InboundError`: `ERR_SESSION_MISSING`, `ERR_SESSION_INVALID`, `ERR_SESSION_EXPIRED` (401),
   * `ERR_SCOPE_MISSING` (403) or `ERR_SESSION_KEYS_UNAVAILABLE` (503, the JWKS could not be fetched).
   */
  verify(authorizationHeader: string | undefined, requiredScopes: readonly string[]): Promise<Session>;
  /**
   * The session of a header this verifier accepted before, if it is still unexpired and holds every required scope;
   * otherwise `undefined` (then call `verify`, which also gives the reason). Synchronous: a warm invocation with a
   * known token does no signature check and no promise hop.
   */
  peek?(authorizationHeader: string | undefined, requiredScopes: readonly string[]): Session | undefined;
}

const DEFAULTS = {
  algorithms: ['RS256', 'ES256'],
  maxTokenAgeSec: 300,
  clockToleranceSec: 5,
  installationClaim: 'installation_id',
  typ: 'tessera-session+jwt',
  offline: false,
  fetchJwks: fetchJwksDocument,
  now: Date.now,
  logger: undefined,
} as const satisfies Omit<Required<SessionVerifierOptions>, 'jwksUrl' | 'issuer' | 'audience' | 'logger'> & { logger: undefined };

const KNOWN_KEYS: ReadonlySet<string> = new Set(['jwksUrl', 'issuer', 'audience', ...Object.keys(DEFAULTS)]);
/** Verified sessions kept for `peek`: a few hundred concurrent users per warm instance is already many. */
const MAX_VERIFIED_SESSIONS = 1_000;
const SUPPORTED_ALGORITHMS: ReadonlySet<string> = new Set<SessionAlgorithm>(['RS256', 'ES256']);

function fail(rule: string): never {
  throw new TypeError(`createSessionVerifier: ${rule}`);
}

function checkJwksOption(value: unknown, offline: boolean): URL {
  if (typeof value !== 'string') fail('option "jwksUrl" is required, e.g. "https://platform.example.com/.well-known/jwks.json"');
  const checked = checkJwksUrl(value, offline);
  if (typeof checked === 'string') fail(`option "jwksUrl" ${checked.replace('in local development', 'with offline: true')}`);
  return checked;
}

function checkString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') fail(`option "${name}" must be a non-empty string`);
  return value;
}

function checkSeconds(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(`option "${name}" must be a number of seconds from ${min} to ${max}`);
  }
  return value;
}

function checkAlgorithms(value: unknown): SessionAlgorithm[] {
  if (!Array.isArray(value) || value.length === 0) fail('option "algorithms" must be a non-empty list');
  for (const alg of value) {
    if (!SUPPORTED_ALGORITHMS.has(alg as string)) {
      fail(`algorithm "${String(alg)}" is not supported; supported: ${[...SUPPORTED_ALGORITHMS].join(', ')}`);
    }
  }
  return [...new Set(value as SessionAlgorithm[])];
}

function checkTyp(value: unknown): string {
  const typ = checkString('typ', value);
  // jose compares `typ` case-insensitively and without an `application/` prefix; so does this guard.
  const bare = typ.toLowerCase().replace(/^application\//, '');
  if (bare === TOKEN_TYPE || bare === 'jwt') fail(`option "typ" must name the session profile, not "${typ}"`);
  return typ;
}

function resolve(options: SessionVerifierOptions) {
  const merged = mergeOptions('createSessionVerifier', options, KNOWN_KEYS, DEFAULTS) as unknown as Omit<typeof DEFAULTS, 'logger'> &
    Partial<SessionVerifierOptions>;
  if (typeof merged.offline !== 'boolean') fail('option "offline" must be a boolean');
  if (typeof merged.fetchJwks !== 'function') fail('option "fetchJwks" must be a function (url, { signal }) => JWKS');
  if (typeof merged.now !== 'function') fail('option "now" must be a function returning epoch milliseconds');
  if (merged.logger !== undefined && typeof merged.logger?.log !== 'function') fail('option "logger" must be a Logger');
  return {
    jwksUrl: checkJwksOption(merged.jwksUrl, merged.offline),
    issuer: checkString('issuer', merged.issuer),
    audience: checkString('audience', merged.audience),
    algorithms: checkAlgorithms(merged.algorithms),
    maxTokenAgeSec: checkSeconds('maxTokenAgeSec', merged.maxTokenAgeSec, 1, 3600),
    clockToleranceSec: checkSeconds('clockToleranceSec', merged.clockToleranceSec, 0, 60),
    installationClaim: checkString('installationClaim', merged.installationClaim),
    typ: checkTyp(merged.typ),
    fetchJwks: merged.fetchJwks as JwksFetcher,
    now: merged.now as () => number,
    logger: merged.logger ?? createJsonLogger({ base: { component: 'session' } }),
  };
}

/** A refusal: fixed public message per code; the reason goes to the log and `cause`, never a token or claim value. */
class Refusal {
  constructor(
    readonly code: InboundErrorCode,
    readonly reason: string,
    /** What the answer carries, e.g. the JWKS cooldown's `Retry-After`. */
    readonly headers?: Readonly<Record<string, string>>,
    /** The header itself is missing or malformed (RFC 6750 `invalid_request`), not the token in it. */
    readonly aboutRequest = false,
  ) {}
}

/** A refusal of the `Authorization` header's shape: its challenge says `invalid_request`. */
const requestRefusal = (code: InboundErrorCode, reason: string) => new Refusal(code, reason, undefined, true);

/**
 * The headers a refusal's answer carries: an RFC 6750 challenge on a 401 (and on the 403 of a missing scope, naming
 * the scopes the function requires), with the code's fixed message as description, never a presented value.
 */
function answerHeaders(refusal: Refusal, requiredScopes: readonly string[]): Readonly<Record<string, string>> | undefined {
  const [status, description] = ERROR_CODES[refusal.code];
  if (refusal.code === 'ERR_SCOPE_MISSING') {
    return { 'www-authenticate': bearerChallenge('insufficient_scope', description, requiredScopes) };
  }
  if (status !== 401) return refusal.headers;
  const error = refusal.aboutRequest ? 'invalid_request' : 'invalid_token';
  return { ...refusal.headers, 'www-authenticate': bearerChallenge(error, description) };
}

/** Reads the token from `Authorization` only and bounds its size before any parsing. */
function bearerToken(header: string | undefined): string {
  const token = readBearer(header);
  if (typeof token !== 'string') throw requestRefusal(token.kind === 'missing' ? 'ERR_SESSION_MISSING' : 'ERR_SESSION_INVALID', token.reason);
  return token;
}

/** Maps jose's error classes to our codes; only jose's fixed claim names reach the reason, never its payload. */
function fromJose(err: unknown): Refusal {
  if (err instanceof InboundError) return new Refusal(err.code, String(err.cause ?? err.code), err.headers);
  if (err instanceof errors.JWTExpired) {
    return new Refusal('ERR_SESSION_EXPIRED', err.claim === 'iat' ? 'iat older than maxTokenAgeSec' : 'exp has passed');
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    return new Refusal('ERR_SESSION_INVALID', `claim "${err.claim}" ${err.reason.replace('_', ' ')}`);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return new Refusal('ERR_SESSION_INVALID', 'alg not among the pinned algorithms');
  if (err instanceof errors.JWSSignatureVerificationFailed) return new Refusal('ERR_SESSION_INVALID', 'signature invalid');
  if (err instanceof errors.JWKSNoMatchingKey) return new Refusal('ERR_SESSION_INVALID', 'no JWKS key matches kid and alg');
  if (err instanceof errors.JWKSMultipleMatchingKeys) {
    return new Refusal('ERR_SESSION_INVALID', 'several JWKS keys match a token without kid');
  }
  if (err instanceof errors.JWKSInvalid) return new Refusal('ERR_SESSION_KEYS_UNAVAILABLE', 'JWKS holds an unusable key');
  if (err instanceof errors.JOSEError) return new Refusal('ERR_SESSION_INVALID', `malformed token (${err.code})`);
  return new Refusal('ERR_SESSION_INVALID', 'token could not be verified');
}

function installationIdOf(claims: JWTPayload, claim: string): string {
  const value = claims[claim];
  if (!isId(value)) {
    throw new Refusal('ERR_SESSION_INVALID', `claim "${claim}" is not an installation id`);
  }
  return value;
}

function scopesOf(claims: JWTPayload): string[] {
  const { scope } = claims;
  if (scope === undefined) return [];
  if (typeof scope !== 'string') throw new Refusal('ERR_SESSION_INVALID', 'claim "scope" is not a string');
  return scope.split(' ').filter((s) => s !== '');
}

/**
 * Creates a session verifier; options are validated here, once (TypeError on misuse).
 * @example
 * const sessions = createSessionVerifier({ jwksUrl: 'https://platform.example.com/.well-known/jwks.json',
 *   issuer: 'https://platform.example.com', audience: 'order-lookup' });
 * const session = await sessions.verify(event.headers.authorization, ['orders:read']);
 */
export function createSessionVerifier(options: SessionVerifierOptions): SessionVerifier {
  const o = resolve(options);
  const jwks = createJwksCache({ url: o.jwksUrl, fetch: o.fetchJwks, now: o.now, logger: o.logger });
  const requiredClaims = [...new Set(['exp', 'iat', 'sub', o.installationClaim])];

  // Verified sessions by header, until `exp` (no tolerance: never longer than a fresh check would accept). A key
  // removed from the JWKS therefore stops new tokens at once and cached ones at their `exp`, at most maxTokenAgeSec.
  const verified = new Map<string, { session: Session; expSec: number }>();

  async function check(authorizationHeader: string | undefined, requiredScopes: readonly string[]): Promise<Session> {
    const token = bearerToken(authorizationHeader);
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, jwks.getKey, {
        algorithms: o.algorithms,
        issuer: o.issuer,
        audience: o.audience,
        typ: o.typ,
        requiredClaims,
        maxTokenAge: o.maxTokenAgeSec,
        clockTolerance: o.clockToleranceSec,
        currentDate: new Date(o.now()),
      }));
    } catch (err) {
      throw fromJose(err);
    }
    // jose caps the age (`now - iat`); a token minted with a long `exp` is capped here too.
    if ((claims.exp as number) - (claims.iat as number) > o.maxTokenAgeSec) {
      throw new Refusal('ERR_SESSION_INVALID', 'exp - iat exceeds maxTokenAgeSec');
    }
    if (typeof claims.sub !== 'string' || claims.sub === '') throw new Refusal('ERR_SESSION_INVALID', 'claim "sub" invalid');
    const installationId = installationIdOf(claims, o.installationClaim);
    const scopes = scopesOf(claims);
    const missing = requiredScopes.filter((s) => !scopes.includes(s));
    if (missing.length > 0) throw new Refusal('ERR_SCOPE_MISSING', `missing scope ${missing.map((s) => `"${s}"`).join(', ')}`);
    return Object.freeze({ subject: claims.sub, installationId, scopes: Object.freeze(scopes), claims: Object.freeze(claims) });
  }

  return {
    async verify(authorizationHeader, requiredScopes) {
      if (!Array.isArray(requiredScopes) || requiredScopes.some((s) => typeof s !== 'string' || s === '')) {
        throw new TypeError('verify: requiredScopes must be a list of scope names');
      }
      try {
        const session = await check(authorizationHeader, requiredScopes);
        verified.delete(authorizationHeader as string);
        verified.set(authorizationHeader as string, { session, expSec: session.claims.exp as number });
        if (verified.size > MAX_VERIFIED_SESSIONS) verified.delete(verified.keys().next().value as string);
        return session;
      } catch (err) {
        const refusal = err instanceof Refusal ? err : fromJose(err);
        o.logger.log('warn', 'session.refused', { code: refusal.code, reason: refusal.reason });
        const headers = answerHeaders(refusal, requiredScopes);
        throw new InboundError(refusal.code, { cause: refusal.reason, ...(headers ? { headers } : {}) });
      }
    },

    peek(authorizationHeader, requiredScopes) {
      const hit = authorizationHeader === undefined ? undefined : verified.get(authorizationHeader);
      if (hit === undefined) return undefined;
      if (o.now() >= hit.expSec * 1000) {
        verified.delete(authorizationHeader as string);
        return undefined;
      }
      for (const scope of requiredScopes) if (!hit.session.scopes.includes(scope)) return undefined;
      return hit.session;
    },
  };
}
