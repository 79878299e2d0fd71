/** Compact-JWS pieces every signature check shares: segment decoding, the header rules, the verified result. */
import { VerifyError, type VerifyErrorCode } from '@tessera/protocol/errors';
import { MAX_TOKEN_BYTES, TOKEN_TYPE } from '@tessera/protocol';

/** A token whose signature verified: its protected header and its claims, both still untyped. */
export interface VerifiedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/**
 * Verifies the signature of a compact JWS and returns its decoded parts. Answers synchronously when it holds the key
 * (secrets, static keys, a cached JWKS); only a JWKS load makes it asynchronous.
 */
export type SignatureVerifier = (token: string) => VerifiedToken | Promise<VerifiedToken>;

/** base64url without padding (RFC 7515 §2). */
export const SEGMENT = /^[A-Za-z0-9_-]+$/;
/** A signer sends one header (alg, typ, kid) over and over: a few validated encodings are worth keeping. */
export const MAX_CACHED_HEADERS = 16;

/** Throws the refusal; `reason` names the rule broken, never a value. @example refuse('ERR_VERIFY_MALFORMED', 'kid missing') */
export function refuse(code: VerifyErrorCode, reason: string): never {
  throw new VerifyError(code, reason);
}

/** A token's largest segment, decoded: base64url carries 3 bytes in 4 characters. */
const SEGMENT_SCRATCH = Buffer.alloc(Math.ceil((MAX_TOKEN_BYTES * 3) / 4));

/** base64url to text through one reused buffer (callers are synchronous): no Buffer allocated per token. */
function decodeSegment(segment: string): string {
  if (segment.length > MAX_TOKEN_BYTES) return Buffer.from(segment, 'base64url').toString('utf8');
  return SEGMENT_SCRATCH.toString('utf8', 0, SEGMENT_SCRATCH.write(segment, 0, 'base64url'));
}

/** Decodes a header or payload segment that must be a JSON object. @example decodeObject(headerPart, 'header') */
export function decodeObject(segment: string, part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decodeSegment(segment));
  } catch {
    refuse('ERR_VERIFY_MALFORMED', `${part} is not base64url JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    refuse('ERR_VERIFY_MALFORMED', `${part} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * RFC 7515 §4.1.9 and jose's reading of it: `typ` compares case-insensitively, `application/` optional. `expected`
 * is the profile's own type: a request token's by default, a WebSocket ticket's for the upgrade check.
 * @example isTesseraTyp('application/TESSERA+JWT') // true
 */
export function isTesseraTyp(typ: unknown, expected: string = TOKEN_TYPE): boolean {
  return typeof typ === 'string' && typ.toLowerCase().replace(/^application\//, '') === expected;
}

/** The three segments of a compact JWS, or a refusal; `signingInput` is what the signature covers. */
export interface CompactParts {
  headerPart: string;
  payloadPart: string;
  signaturePart: string;
  signingInput: string;
}

/** Splits a compact JWS into exactly three segments, header and payload in base64url. @example const { signingInput } = splitCompact(token) */
export function splitCompact(token: string): CompactParts {
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  if (firstDot < 1 || secondDot < 0 || token.indexOf('.', secondDot + 1) !== -1) {
    refuse('ERR_VERIFY_MALFORMED', 'not a compact JWS');
  }
  const headerPart = token.slice(0, firstDot);
  const payloadPart = token.slice(firstDot + 1, secondDot);
  if (!SEGMENT.test(headerPart) || !SEGMENT.test(payloadPart)) refuse('ERR_VERIFY_MALFORMED', 'not a compact JWS');
  return { headerPart, payloadPart, signaturePart: token.slice(secondDot + 1), signingInput: token.slice(0, secondDot) };
}

/**
 * The header rules every mode applies before any key is touched: `alg` against the pinned list (so `none` and every
 * other algorithm are refused without trusting the token), `crit` refused (Tessera defines no extension, RFC 7515
 * §4.1.11), `b64` refused (RFC 7797 is not for JWTs).
 * @example
 * checkPinnedHeader(header, new Set(['ES256']));
 */
export function checkPinnedHeader(header: Record<string, unknown>, pinned: ReadonlySet<string>): void {
  if (typeof header.alg !== 'string' || !pinned.has(header.alg)) {
    refuse('ERR_VERIFY_ALGORITHM', 'alg is not one of the pinned algorithms');
  }
  if (header.crit !== undefined) refuse('ERR_VERIFY_MALFORMED', 'crit names an extension this verifier does not know');
  if (header.b64 !== undefined) refuse('ERR_VERIFY_MALFORMED', 'b64 header is not allowed in a JWT');
}
