/** What a refusal's HTTP answer carries besides its body: an RFC 6750 §3 challenge on a 401, `Retry-After` on a 503. */
import { ERROR_CODES, VerifyError, type VerifyErrorCode } from '@tessera/protocol/errors';
import { bearerChallenge } from '@tessera/protocol';
import type { VerifierMode } from './verifier-options.js';

/** Refusals about the request itself (no or a malformed credential header), as opposed to the credential presented. */
const requestLevel = new WeakSet<VerifyError>();

/** How long a client should wait before retrying a replay store that failed or is full, in seconds. */
export const REPLAY_STORE_RETRY_AFTER_SEC = 5;

/**
 * A refusal whose challenge says `invalid_request`: the credential header is missing, repeated, oversized or not of
 * the expected scheme. Every other 401 says `invalid_token`.
 * @example
 * if (value === undefined) throw requestRefusal('ERR_VERIFY_MISSING', 'no Authorization header');
 */
export function requestRefusal(code: VerifyErrorCode, reason: string): VerifyError {
  const refusal = new VerifyError(code, reason);
  requestLevel.add(refusal);
  return refusal;
}

/**
 * The challenge of one verifier: `Bearer error=…, error_description=…` in JWT mode, `Tessera-Secret header=…, error=…`
 * in shared-secret mode. The description is the code's fixed public message: never a token, claim or secret.
 */
export function challengeOf(mode: VerifierMode, header: string, refusal: VerifyError): string {
  const error = requestLevel.has(refusal) ? 'invalid_request' : 'invalid_token';
  const description = ERROR_CODES[refusal.code][1];
  return mode === 'jwt'
    ? bearerChallenge(error, description)
    : `Tessera-Secret header="${header}", error="${error}", error_description="${description}"`;
}

/**
 * The refusal as answered: a 401 gains its challenge, a replay-store 503 its `Retry-After` (a keys 503 brings its own,
 * the time left in the JWKS cooldown). Anything else is returned as is.
 */
export function withAnswerHeaders(mode: VerifierMode, header: string, refusal: VerifyError): VerifyError {
  let extra: Record<string, string> | undefined;
  if (refusal.status === 401) extra = { 'www-authenticate': challengeOf(mode, header, refusal) };
  else if (refusal.status === 503 && refusal.headers['retry-after'] === undefined) {
    extra = { 'retry-after': String(REPLAY_STORE_RETRY_AFTER_SEC) };
  }
  if (extra === undefined) return refusal;
  return new VerifyError(refusal.code, refusal.reason, { cause: refusal.cause, headers: { ...refusal.headers, ...extra } });
}
