/** JWT mode: token transport, claims, lifetime, request binding and replay around a pinned signature check. */
import { StoreError, VerifyError, isTesseraError, type VerifyErrorCode } from '@tessera/protocol/errors';
import { bodyHash, isId, readBearer, type RequestClaims } from '@tessera/protocol';
import { requestRefusal } from './_challenge.js';
import type { VerifiedRequest, VerifyInput } from './create-verifier.js';
import { headerValue } from './_headers.js';
import type { SignatureVerifier } from './_jws.js';
import { createHtuMatcher, type HtuMatcher } from './_htu.js';
import type { ResolvedOptions } from './_resolve-options.js';
import type { ReplayStore } from './replay-store.js';

const REQUIRED_CLAIMS: readonly string[] = ['exp', 'iat', 'nbf', 'jti', 'iss', 'sub', 'aud', 'htm', 'htu', 'bh'];
/** The signer's jti is 128 random bits in base64url (22 characters); shorter ids would make replay keys guessable. */
const JTI = /^[A-Za-z0-9_-]{22,256}$/;

function refuse(code: VerifyErrorCode, reason: string): never {
  throw new VerifyError(code, reason);
}

/**
 * Reads the token from `Authorization` only (never a URL, cookie or body) and bounds its size before parsing. Its
 * refusals are about the request, not a token (RFC 6750 `invalid_request`).
 */
function bearerToken(headers: VerifyInput['headers']): string {
  const token = readBearer(headerValue(headers, 'authorization'));
  if (typeof token !== 'string') throw requestRefusal(token.kind === 'missing' ? 'ERR_VERIFY_MISSING' : 'ERR_VERIFY_MALFORMED', token.reason);
  return token;
}

/** Every claim of the profile must be present (DESIGN.md "claim checks": `exp` always required). */
export function requirePresent(payload: Record<string, unknown>, required: readonly string[]): void {
  for (const claim of required) {
    if (payload[claim] === undefined) refuse('ERR_VERIFY_MALFORMED', `claim "${claim}" missing`);
  }
}

function numericDate(payload: Record<string, unknown>, claim: 'iat' | 'nbf' | 'exp'): number {
  const value = payload[claim];
  if (typeof value !== 'number' || !Number.isFinite(value)) refuse('ERR_VERIFY_MALFORMED', `claim "${claim}" invalid`);
  return value;
}

/** The claims every Tessera token carries (a request token's, less its request binding), typed and checked. */
export type IdentityClaims = Omit<RequestClaims, 'htm' | 'htu' | 'bh'>;

/**
 * Types the claims every Tessera token carries before any comparison; issuer and audience are compared exactly (no
 * `aud` arrays), `sub` must be an installation this server serves. Shared by request tokens and WebSocket tickets.
 */
export function identityClaims(payload: Record<string, unknown>, options: ResolvedOptions): IdentityClaims {
  const { iss, sub, aud, jti } = payload;
  if (typeof iss !== 'string' || !options.issuer.includes(iss)) refuse('ERR_VERIFY_ISSUER', 'iss is not an accepted app id');
  if (aud !== options.publicOrigin) refuse('ERR_VERIFY_AUDIENCE', 'aud is not the public origin');
  const iat = numericDate(payload, 'iat');
  const nbf = numericDate(payload, 'nbf');
  const exp = numericDate(payload, 'exp');
  // An app only ever signs for valid installation ids; anything else is not one of ours.
  if (!isId(sub)) refuse('ERR_VERIFY_MALFORMED', 'claim "sub" is not an installation id');
  const serves = options.servesInstallation;
  if (serves !== undefined && !serves(sub)) refuse('ERR_VERIFY_INSTALLATION', 'sub is not an installation this server serves');
  if (typeof jti !== 'string' || !JTI.test(jti)) refuse('ERR_VERIFY_MALFORMED', 'claim "jti" invalid');
  return { iss, sub, aud, iat, nbf, exp, jti };
}

function requestClaims(payload: Record<string, unknown>, options: ResolvedOptions): RequestClaims {
  requirePresent(payload, REQUIRED_CLAIMS);
  const identity = identityClaims(payload, options);
  const { htm, htu, bh } = payload;
  if (typeof htm !== 'string' || typeof htu !== 'string' || typeof bh !== 'string') {
    refuse('ERR_VERIFY_MALFORMED', 'request binding claims invalid');
  }
  // Built field by field: a spread here showed in the verifier's per-request profile.
  const { iss, sub, aud, iat, nbf, exp, jti } = identity;
  return { iss, sub, aud, iat, nbf, exp, jti, htm, htu, bh };
}

/** RFC 7519 §4.1.4/§4.1.5 with a symmetric tolerance, plus the lifetime cap: `iat` not older and `exp - iat` not longer. */
export function checkTimes(claims: Pick<IdentityClaims, 'iat' | 'nbf' | 'exp'>, options: ResolvedOptions): void {
  const nowSec = Math.floor(options.now() / 1000);
  const toleranceSec = options.clockToleranceSec;
  if (claims.nbf > nowSec + toleranceSec) refuse('ERR_VERIFY_NOT_YET_VALID', 'nbf is in the future');
  if (claims.iat > nowSec + toleranceSec) refuse('ERR_VERIFY_NOT_YET_VALID', 'iat is in the future');
  if (claims.exp <= nowSec - toleranceSec) refuse('ERR_VERIFY_EXPIRED', 'exp has passed');
  if (nowSec - toleranceSec - claims.iat > options.maxTokenAgeSec) {
    refuse('ERR_VERIFY_EXPIRED', 'iat older than maxTokenAgeSec');
  }
  if (claims.exp - claims.iat > options.maxTokenAgeSec) refuse('ERR_VERIFY_LIFETIME', 'exp - iat exceeds maxTokenAgeSec');
}

/** htm, htu and bh tie the token to this one request: same method, same URL under our public origin, same bytes. */
function checkBinding(claims: RequestClaims, input: VerifyInput, htuMatches: HtuMatcher): void {
  if (claims.htm !== input.method) refuse('ERR_VERIFY_BINDING', 'htm does not match the request method');
  // Only origin-form targets: `@evil.example/` or `.evil.example/` appended to the origin would change its host.
  if (!input.url.startsWith('/')) refuse('ERR_VERIFY_BINDING', 'request target is not a path');
  if (!htuMatches(claims.htu, input.url)) refuse('ERR_VERIFY_BINDING', 'htu does not match the public origin and request path');
  if (claims.bh !== bodyHash(input.body)) refuse('ERR_VERIFY_BINDING', 'bh does not match the body bytes');
}

function refuseStoreFailure(err: unknown): never {
  if (isTesseraError(err) && err.code === 'ERR_REPLAY_STORE_FULL') {
    refuse('ERR_REPLAY_STORE_FULL', 'replay store full of live entries');
  }
  // A StoreError's string cause is the store's own short diagnosis (e.g. "redis SET timed out"); anything else
  // a store throws may carry a connection string or a key, so it is not logged.
  const detail = err instanceof StoreError && typeof err.cause === 'string' ? `: ${err.cause}` : '';
  refuse('ERR_REPLAY_STORE_UNAVAILABLE', `replay store failed${detail}`);
}

function requireFresh(fresh: boolean): void {
  if (!fresh) refuse('ERR_VERIFY_REPLAYED', 'jti already seen for this issuer');
}

async function rememberOnce(store: ReplayStore, key: string, expiresAtSec: number): Promise<void> {
  let fresh: boolean;
  try {
    fresh = await store.remember(key, expiresAtSec);
  } catch (err) {
    refuseStoreFailure(err);
  }
  requireFresh(fresh);
}

/**
 * Records a verified token's `iss` + `jti` until `exp` + tolerance, refusing a replay: synchronously with a store that
 * has `rememberSync` (the memory store), else after the store's round trip. Keyed by iss + jti, never by a hash of the
 * token: a re-encoded token must not count as new.
 */
export function rememberToken(store: ReplayStore, claims: Pick<IdentityClaims, 'iss' | 'jti' | 'exp'>, toleranceSec: number): void | Promise<void> {
  const key = `${claims.iss}:${claims.jti}`;
  const expiresAtSec = claims.exp + toleranceSec;
  if (store.rememberSync === undefined) return rememberOnce(store, key, expiresAtSec);
  let fresh: boolean;
  try {
    fresh = store.rememberSync(key, expiresAtSec);
  } catch (err) {
    refuseStoreFailure(err);
  }
  requireFresh(fresh);
}

/** Verifies one request token; returns synchronously when the replay store can answer synchronously. */
export type RequestTokenCheck = (input: VerifyInput) => VerifiedRequest | Promise<VerifiedRequest>;

/**
 * A request-token check: transport, pinned header and signature (a secret or the app's public key), claims,
 * lifetime, binding, and finally replay, so only a token that passed everything else is ever recorded.
 * A store with `rememberSync` (the memory store) is asked synchronously: with a key at hand (a secret, static keys,
 * a cached JWKS) the whole check then runs without a microtask, the asynchronous steps being a JWKS load and a
 * shared store's round trip.
 */
export function createRequestTokenCheck(verifySignature: SignatureVerifier, options: ResolvedOptions): RequestTokenCheck {
  const htuMatches = createHtuMatcher(options.publicOrigin);
  const store = options.replayStore;
  const { clockToleranceSec } = options;
  const checkVerified = (payload: Record<string, unknown>, input: VerifyInput): VerifiedRequest | Promise<VerifiedRequest> => {
    const claims = requestClaims(payload, options);
    checkTimes(claims, options);
    checkBinding(claims, input, htuMatches);
    const verified: VerifiedRequest = { mode: 'jwt', installationId: claims.sub, claims };
    const remembered = rememberToken(store, claims, clockToleranceSec);
    return remembered === undefined ? verified : remembered.then(() => verified);
  };
  return (input) => {
    const signed = verifySignature(bearerToken(input.headers));
    if (signed instanceof Promise) return signed.then(({ payload }) => checkVerified(payload, input));
    return checkVerified(signed.payload, input);
  };
}
