/** ES256 and EdDSA compact-JWS verification over node:crypto, the key picked by `kid` from configured keys only. */
import { verify as verifyBytes, type KeyObject } from 'node:crypto';
import { TOKEN_TYPE } from '@tessera/protocol';
import type { KeySource } from './_key-source.js';
import {
  MAX_CACHED_HEADERS,
  SEGMENT,
  checkPinnedHeader,
  decodeObject,
  isTesseraTyp,
  refuse,
  splitCompact,
  type SignatureVerifier,
  type VerifiedToken,
} from './_jws.js';
import type { AsymmetricAlgorithm } from './verifier-options.js';

/**
 * Both signatures are 64 bytes, ES256's raw r||s (RFC 7518 §3.4) and Ed25519's R||S (RFC 8032 §5.1.6): 86
 * base64url characters unpadded.
 */
const SIGNATURE_CHARS = 86;
/** base64url characters whose low 4 bits are zero (values 0, 16, 32, 48). */
const CANONICAL_LAST: ReadonlySet<number> = new Set([...'AQgw'].map((c) => c.charCodeAt(0)));
/** Headers that would let a token name or carry its own key (RFC 7515 §4.1.2–4.1.6): never honoured, so refused. */
const EMBEDDED_KEY_HEADERS = ['jku', 'jwk', 'x5u', 'x5c', 'x5t', 'x5t#S256'];
const MAX_KID_CHARS = 256;

/** RFC 7515 §4.1 header checks of the asymmetric profile, before any key is looked up. */
function checkHeader(header: Record<string, unknown>, pinned: ReadonlySet<string>, typ: string): string {
  checkPinnedHeader(header, pinned);
  for (const name of EMBEDDED_KEY_HEADERS) {
    if (header[name] !== undefined) refuse('ERR_VERIFY_MALFORMED', `header "${name}" is not allowed: keys come from configuration only`);
  }
  const kid = header.kid;
  if (typeof kid !== 'string' || kid === '' || kid.length > MAX_KID_CHARS) refuse('ERR_VERIFY_MALFORMED', 'kid missing or invalid');
  if (!isTesseraTyp(header.typ, typ)) refuse('ERR_VERIFY_MALFORMED', `typ is not ${typ}`);
  return kid;
}

/** The signature bytes, accepted only in their one canonical unpadded encoding. */
function signatureBytes(signaturePart: string): Buffer {
  if (signaturePart.length !== SIGNATURE_CHARS || !SEGMENT.test(signaturePart)) {
    refuse('ERR_VERIFY_SIGNATURE', 'signature is not 64 bytes of base64url');
  }
  // 86 characters carry 516 bits: the last 4 must be zero, or two strings would decode to one signature. Read off
  // the last character (A, Q, g or w) rather than re-encoding the bytes, which cost a string per token.
  if (!CANONICAL_LAST.has(signaturePart.charCodeAt(SIGNATURE_CHARS - 1))) refuse('ERR_VERIFY_SIGNATURE', 'signature encoding is not canonical');
  // 86 base64url characters always decode to the 64 bytes both algorithms sign with.
  return Buffer.from(signaturePart, 'base64url');
}

function signatureMatches(alg: string, key: KeyObject, signingInput: string, signature: Buffer): boolean {
  const data = Buffer.from(signingInput, 'latin1');
  try {
    return alg === 'ES256' ? verifyBytes('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature) : verifyBytes(null, data, key, signature);
  } catch {
    return false;
  }
}

/**
 * A verifier for tokens signed with the app's private key. The algorithm is pinned by configuration and must fit
 * the key found for the token's `kid` (a P-256 key for ES256, an Ed25519 key for EdDSA), so a token cannot choose
 * HS256 with the public key as its secret, nor another curve. Decoded headers are cached only once a token carrying
 * them verified, so forged headers cannot crowd out the app's own.
 * @example
 * const verifySignature = createAsymmetricVerifier(createStaticKeySource(keys), ['ES256']);
 * const { payload } = await verifySignature(token);
 */
export function createAsymmetricVerifier(keys: KeySource, algorithms: readonly AsymmetricAlgorithm[], typ: string = TOKEN_TYPE): SignatureVerifier {
  const pinned: ReadonlySet<string> = new Set(algorithms);
  const knownHeaders = new Map<string, { header: Record<string, unknown>; kid: string }>();

  function finish(
    key: KeyObject | undefined,
    alg: string,
    kid: string,
    headerPart: string,
    header: Record<string, unknown>,
    payloadPart: string,
    signingInput: string,
    signature: Buffer,
  ): VerifiedToken {
    if (key === undefined) refuse('ERR_VERIFY_SIGNATURE', 'kid names no known key for the token alg');
    if (!signatureMatches(alg, key, signingInput, signature)) refuse('ERR_VERIFY_SIGNATURE', 'signature does not verify with the key named by kid');
    if (!knownHeaders.has(headerPart) && knownHeaders.size < MAX_CACHED_HEADERS) knownHeaders.set(headerPart, { header: Object.freeze(header), kid });
    return { header, payload: decodeObject(payloadPart, 'payload') };
  }

  return (token) => {
    const { headerPart, payloadPart, signaturePart, signingInput } = splitCompact(token);
    const cached = knownHeaders.get(headerPart);
    const header = cached?.header ?? decodeObject(headerPart, 'header');
    const kid = cached?.kid ?? checkHeader(header, pinned, typ);
    const alg = header.alg as string;
    const signature = signatureBytes(signaturePart);
    const key = keys(alg, kid);
    if (key instanceof Promise) {
      return key.then((k) => finish(k, alg, kid, headerPart, header, payloadPart, signingInput, signature));
    }
    return finish(key, alg, kid, headerPart, header, payloadPart, signingInput, signature);
  };
}
