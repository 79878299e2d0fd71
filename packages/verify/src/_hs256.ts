/** Strict HS256 compact-JWS verification over node:crypto, for the one token profile Tessera signs. */
import { timingSafeEqual } from 'node:crypto';
import { TOKEN_TYPE } from '@tessera/protocol';
import { createHmacSha256, type HmacSha256 } from './_hmac-sha256.js';
import { MAX_CACHED_HEADERS, SEGMENT, checkPinnedHeader, decodeObject, isTesseraTyp, refuse, splitCompact, type VerifiedToken } from './_jws.js';
import type { SecretWindow } from './_secret-window.js';

export type { SignatureVerifier, VerifiedToken } from './_jws.js';

const HS256_SIGNATURE_CHARS = 43;

/** Plain secrets, all open-ended: the form the differential test and tools use. */
function openEnded(secrets: readonly string[]): SecretWindow<HmacSha256> {
  const macs = secrets.map((secret) => createHmacSha256(Buffer.from(secret, 'utf8')));
  return { active: () => macs, expired: () => [] };
}

/**
 * An HS256 verifier over the secrets' MACs (current first, each prepared once), honouring their windows.
 * Not jose: jose 6 is Web Crypto only; its async HMAC job plus generic JWS handling cost ~140 µs CPU per token
 * here, which alone held a verifying server to about half a no-auth server's throughput.
 * The header is checked before any MAC is computed ({@link checkPinnedHeader}), `typ` is pinned; `jku`, `x5u`,
 * `jwk`, `x5c` and `kid` are never used to pick a key.
 * @example
 * const { payload } = createHs256Verifier([secret], ['HS256'])(token);
 */
export function createHs256Verifier(
  secrets: SecretWindow<HmacSha256> | readonly string[],
  algorithms: readonly string[],
  typ: string = TOKEN_TYPE,
): (token: string) => VerifiedToken {
  const macs = Array.isArray(secrets) ? openEnded(secrets) : (secrets as SecretWindow<HmacSha256>);
  const pinned: ReadonlySet<string> = new Set(algorithms);
  // Only segments that already passed every header check, on a token whose signature verified, are cached.
  const knownHeaders = new Map<string, Record<string, unknown>>();
  // Reused per token (verification is synchronous): the comparison allocates nothing.
  const computed = Buffer.alloc(HS256_SIGNATURE_CHARS);
  const presented = Buffer.alloc(HS256_SIGNATURE_CHARS);

  /** Whether one of `candidates` made the presented MAC, in constant time per candidate. */
  function matchesOne(candidates: readonly HmacSha256[], signingInput: string): boolean {
    for (const mac of candidates) {
      computed.write(mac(signingInput), 'latin1');
      if (timingSafeEqual(computed, presented)) return true;
    }
    return false;
  }

  return (token) => {
    const { headerPart, payloadPart, signaturePart, signingInput } = splitCompact(token);

    const cachedHeader = knownHeaders.get(headerPart);
    const header = cachedHeader ?? decodeObject(headerPart, 'header');
    if (cachedHeader === undefined) checkPinnedHeader(header, pinned);

    // 43 base64url characters, the length of a 32-byte MAC: rejects padded and truncated signature strings.
    if (signaturePart.length !== HS256_SIGNATURE_CHARS || !SEGMENT.test(signaturePart)) {
      refuse('ERR_VERIFY_SIGNATURE', 'signature is not an HS256 MAC');
    }
    // The MAC's canonical encoding against the presented string, in constant time: equal only when the bytes match
    // and the encoding is canonical, so a non-canonical last character is refused with no decode.
    presented.write(signaturePart, 'latin1');
    if (!matchesOne(macs.active(), signingInput)) {
      // Failure path only: tells the operator the app still signs with a secret whose window closed.
      if (matchesOne(macs.expired(), signingInput)) refuse('ERR_VERIFY_SIGNATURE', 'signature matches only a secret past its notAfter');
      refuse('ERR_VERIFY_SIGNATURE', 'signature matches neither the current nor the previous secret');
    }

    if (cachedHeader === undefined) {
      if (!isTesseraTyp(header.typ, typ)) refuse('ERR_VERIFY_MALFORMED', `typ is not ${typ}`);
      if (knownHeaders.size < MAX_CACHED_HEADERS) knownHeaders.set(headerPart, Object.freeze(header));
    }
    return { header, payload: decodeObject(payloadPart, 'payload') };
  };
}
