/** Strict HS256 compact-JWS verification over node:crypto, for the one token profile Tessera signs. */
import { timingSafeEqual } from 'node:crypto';
import { VerifyError, type TesseraErrorCode } from '../errors.js';
import { MAX_TOKEN_BYTES, TOKEN_TYPE } from '../protocol/index.js';
import { createHmacSha256, type HmacSha256 } from './_hmac-sha256.js';
import type { VerifierAlgorithm } from './verifier-options.js';

/** A token whose signature verified: its protected header and its claims, both still untyped. */
export interface VerifiedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/** Verifies the signature of a compact JWS and returns its decoded parts. */
export type SignatureVerifier = (token: string) => VerifiedToken;

/** base64url without padding (RFC 7515 §2). */
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const HS256_SIGNATURE_CHARS = 43;
/** A signer sends one header (alg, typ, kid) over and over: a few validated encodings are worth keeping. */
const MAX_CACHED_HEADERS = 16;

function refuse(code: TesseraErrorCode, reason: string): never {
  throw new VerifyError(code, reason);
}

/** A token's largest segment, decoded: base64url carries 3 bytes in 4 characters. */
const SEGMENT_SCRATCH = Buffer.alloc(Math.ceil((MAX_TOKEN_BYTES * 3) / 4));

/** base64url to text through one reused buffer (callers are synchronous): no Buffer allocated per token. */
function decodeSegment(segment: string): string {
  if (segment.length > MAX_TOKEN_BYTES) return Buffer.from(segment, 'base64url').toString('utf8');
  return SEGMENT_SCRATCH.toString('utf8', 0, SEGMENT_SCRATCH.write(segment, 0, 'base64url'));
}

function decodeObject(segment: string, part: string): Record<string, unknown> {
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

/** RFC 7515 §4.1.9 and jose's reading of it: `typ` compares case-insensitively, `application/` optional. */
function isTesseraTyp(typ: unknown): boolean {
  return typeof typ === 'string' && typ.toLowerCase().replace(/^application\//, '') === TOKEN_TYPE;
}

/**
 * An HS256 verifier over the given secrets, current first. Each secret's HMAC pads are prepared once, here.
 * Not jose: jose 6 is Web Crypto only; its async HMAC job plus generic JWS handling cost ~140 µs CPU per token
 * here, which alone held a verifying server to about half a no-auth server's throughput.
 * The header is checked before any MAC is computed: `alg` against the pinned list (so `none` and every other
 * algorithm are refused without trusting the token), `crit` refused (Tessera defines no extension, RFC 7515
 * §4.1.11), `typ` pinned; `jku`, `x5u`, `jwk`, `x5c` and `kid` are never used to pick a key.
 */
export function createHs256Verifier(
  secrets: readonly string[],
  algorithms: readonly VerifierAlgorithm[],
): SignatureVerifier {
  const macs: readonly HmacSha256[] = secrets.map((secret) => createHmacSha256(Buffer.from(secret, 'utf8')));
  const pinned: ReadonlySet<string> = new Set(algorithms);
  // Only segments that already passed every header check, on a token whose signature verified, are cached.
  const knownHeaders = new Map<string, Record<string, unknown>>();
  // Reused per token (verification is synchronous): the comparison allocates nothing.
  const computed = Buffer.alloc(HS256_SIGNATURE_CHARS);
  const presented = Buffer.alloc(HS256_SIGNATURE_CHARS);
  return (token) => {
    const firstDot = token.indexOf('.');
    const secondDot = token.indexOf('.', firstDot + 1);
    if (firstDot < 1 || secondDot < 0 || token.indexOf('.', secondDot + 1) !== -1) {
      refuse('ERR_VERIFY_MALFORMED', 'not a compact JWS');
    }
    const headerPart = token.slice(0, firstDot);
    const payloadPart = token.slice(firstDot + 1, secondDot);
    const signaturePart = token.slice(secondDot + 1);
    if (!SEGMENT.test(headerPart) || !SEGMENT.test(payloadPart)) refuse('ERR_VERIFY_MALFORMED', 'not a compact JWS');

    const cachedHeader = knownHeaders.get(headerPart);
    const header = cachedHeader ?? decodeObject(headerPart, 'header');
    if (cachedHeader === undefined) {
      if (typeof header.alg !== 'string' || !pinned.has(header.alg)) {
        refuse('ERR_VERIFY_ALGORITHM', 'alg is not one of the pinned algorithms');
      }
      if (header.crit !== undefined) refuse('ERR_VERIFY_MALFORMED', 'crit names an extension this verifier does not know');
      if (header.b64 !== undefined) refuse('ERR_VERIFY_MALFORMED', 'b64 header is not allowed in a JWT');
    }

    // 43 base64url characters, the length of a 32-byte MAC: rejects padded and truncated signature strings.
    if (signaturePart.length !== HS256_SIGNATURE_CHARS || !SEGMENT.test(signaturePart)) {
      refuse('ERR_VERIFY_SIGNATURE', 'signature is not an HS256 MAC');
    }
    // The MAC's canonical encoding against the presented string, in constant time: equal only when the bytes match
    // and the encoding is canonical, so a non-canonical last character is refused with no decode.
    presented.write(signaturePart, 'latin1');
    const signingInput = token.slice(0, secondDot);
    let matched = false;
    for (const mac of macs) {
      computed.write(mac(signingInput), 'latin1');
      if (timingSafeEqual(computed, presented)) {
        matched = true;
        break;
      }
    }
    if (!matched) refuse('ERR_VERIFY_SIGNATURE', 'signature matches neither the current nor the previous secret');

    if (cachedHeader === undefined) {
      if (!isTesseraTyp(header.typ)) refuse('ERR_VERIFY_MALFORMED', `typ is not ${TOKEN_TYPE}`);
      if (knownHeaders.size < MAX_CACHED_HEADERS) knownHeaders.set(headerPart, Object.freeze(header));
    }
    return { header, payload: decodeObject(payloadPart, 'payload') };
  };
}
