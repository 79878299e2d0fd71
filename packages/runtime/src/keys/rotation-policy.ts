/** The timing rules of key rotation, derived from how long each cache between SSM and a verifier may hold a JWKS. */
import { JWKS_MAX_AGE_MS, MAX_TOKEN_LIFETIME_SEC } from '@tessera/protocol';

/**
 * A verifier refreshes a fetched JWKS once it is this old: the verifier's own cache age, imported, never copied.
 * @example VERIFIER_JWKS_MAX_AGE_SEC // 300
 */
export const VERIFIER_JWKS_MAX_AGE_SEC = JWKS_MAX_AGE_MS / 1000;

/** Longest the JWKS function may cache the key document it read from SSM. @example createJwksHandler({ appId, ttlMs: JWKS_FUNCTION_MAX_TTL_MS }) */
export const JWKS_FUNCTION_MAX_TTL_MS = 60_000;

/** Longest `Cache-Control: max-age` the JWKS function may send (shared HTTP caches in front of it). @example JWKS_MAX_CACHE_CONTROL_SEC // 60 */
export const JWKS_MAX_CACHE_CONTROL_SEC = 60;

/**
 * Shortest allowed delay between publishing the next key and signing with it: a key written to SSM reaches every
 * verifier within the JWKS function's cache + an HTTP cache's max-age + the verifier's own cache, 60 + 60 + 300 s.
 * @example
 * if (delaySec < MIN_ROTATION_DELAY_SEC) refuse();
 */
export const MIN_ROTATION_DELAY_SEC = JWKS_FUNCTION_MAX_TTL_MS / 1000 + JWKS_MAX_CACHE_CONTROL_SEC + VERIFIER_JWKS_MAX_AGE_SEC;

/** Default delay of `tessera keys rotate`: the minimum plus three minutes of margin for clock skew. @example DEFAULT_ROTATION_DELAY_SEC // 600 */
export const DEFAULT_ROTATION_DELAY_SEC = 600;

/** Longest a signing-key provider may cache the key document, so it sees a new or cancelled key in time. @example SIGNER_MAX_TTL_MS // 60000 */
export const SIGNER_MAX_TTL_MS = 60_000;

/** The manifest's cap on an outbound token's lifetime, from the protocol. @example MAX_TOKEN_LIFETIME_SEC // 300 */
export { MAX_TOKEN_LIFETIME_SEC };

/**
 * How long a replaced key stays published before `retire` may remove it: a signer with a stale cache may still
 * sign with it for up to its TTL, and the token it signed lives up to the lifetime cap; one more minute covers skew.
 * @example
 * const retirableAtMs = successorActivatesAtMs + MIN_RETIRE_AFTER_SEC * 1000;
 */
export const MIN_RETIRE_AFTER_SEC = SIGNER_MAX_TTL_MS / 1000 + MAX_TOKEN_LIFETIME_SEC + 60;

/**
 * A pending key can be cancelled (retired before it signs) only this long before it activates, so every signer has
 * re-read the document, and forgotten the key, before its activation time.
 * @example
 * if (activatesAtMs - nowMs < MIN_CANCEL_BEFORE_ACTIVATION_SEC * 1000) refuse();
 */
export const MIN_CANCEL_BEFORE_ACTIVATION_SEC = SIGNER_MAX_TTL_MS / 1000 + 60;
