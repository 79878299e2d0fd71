/** Public JWKs the verifier accepts: checked against the pinned algorithm, then imported as node:crypto keys. */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { AsymmetricAlgorithm } from './verifier-options.js';

/** A usable verification key: which algorithm it serves and under which `kid`. */
export interface ImportedKey {
  kid: string;
  alg: AsymmetricAlgorithm;
  key: KeyObject;
}

/** The key type and curve each algorithm needs (RFC 7518 §3.4, RFC 8037 §3.1); nothing else is imported. */
const SHAPES: Record<AsymmetricAlgorithm, { kty: string; crv: string; members: readonly string[]; algs: readonly string[] }> = {
  ES256: { kty: 'EC', crv: 'P-256', members: ['x', 'y'], algs: ['ES256'] },
  // RFC 9864 names Ed25519 as a fully specified alternative to EdDSA.
  EdDSA: { kty: 'OKP', crv: 'Ed25519', members: ['x'], algs: ['EdDSA', 'Ed25519'] },
};
/** RFC 7518 §6.2.2, §6.3.2, §6.4 and RFC 8037 §2: members only a private (or secret) key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
/** A P-256 coordinate or an Ed25519 public key: 32 bytes, 43 base64url characters. */
const COORDINATE = /^[A-Za-z0-9_-]{43}$/;
const MAX_KID_CHARS = 256;

/**
 * Checks one JWK and imports its public part, or returns the rule it breaks (for a TypeError or a log line; the rule
 * never quotes a member's value). Only `kty`, `crv` and the coordinates reach `createPublicKey`.
 * @example
 * const imported = importPublicJwk(jwk, new Set(['ES256']));
 * if ('rule' in imported) throw new TypeError(`keys[0] ${imported.rule}`);
 */
export function importPublicJwk(jwk: unknown, pinned: ReadonlySet<AsymmetricAlgorithm>): ImportedKey | { rule: string } {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return { rule: 'is not a JWK object' };
  const k = jwk as Record<string, unknown>;
  // A JWKS is public: a key with private members is a publishing mistake, and must not be used as if it were fine.
  if (PRIVATE_MEMBERS.some((member) => k[member] !== undefined)) return { rule: 'holds private key members' };
  if (typeof k.kid !== 'string' || k.kid === '' || k.kid.length > MAX_KID_CHARS) {
    return { rule: `has no kid (a non-empty string of at most ${MAX_KID_CHARS} characters)` };
  }
  if (k.use !== undefined && k.use !== 'sig') return { rule: 'has "use" other than "sig"' };
  if (k.key_ops !== undefined && !(Array.isArray(k.key_ops) && k.key_ops.includes('verify'))) {
    return { rule: 'has "key_ops" without "verify"' };
  }
  const alg = (Object.keys(SHAPES) as AsymmetricAlgorithm[]).find((a) => SHAPES[a].kty === k.kty && SHAPES[a].crv === k.crv);
  if (alg === undefined || !pinned.has(alg)) return { rule: 'has a kty/crv that fits no pinned algorithm' };
  const shape = SHAPES[alg];
  if (k.alg !== undefined && !shape.algs.includes(k.alg as string)) return { rule: `has "alg" other than ${alg}` };
  if (!shape.members.every((member) => typeof k[member] === 'string' && COORDINATE.test(k[member] as string))) {
    return { rule: `has malformed ${shape.members.join('/')} coordinates` };
  }
  const publicPart: Record<string, unknown> = { kty: shape.kty, crv: shape.crv };
  for (const member of shape.members) publicPart[member] = k[member];
  let key: KeyObject;
  try {
    // OpenSSL checks that an EC point lies on the curve, so an invalid-curve key is refused here.
    key = createPublicKey({ key: publicPart as JsonWebKey, format: 'jwk' });
  } catch {
    return { rule: 'is not a valid public key' };
  }
  return { kid: k.kid, alg, key };
}
