/** The dev platform's signing key: an ES256 pair made in memory at start, its public JWKS, and session minting. */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/**
 * The session profile's `typ` header (src/inbound/session.ts refuses any other).
 * @example
 * new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: SESSION_TYP });
 */
export const SESSION_TYP = 'tessera-session+jwt';
const ALG = 'ES256';

/**
 * What a minted session carries; `scope` is space-separated as RFC 8693 §4.2 has it.
 * @example
 * const input: SessionClaimsInput = { issuer, audience: 'order-lookup', subject: 'dev-user', installationId: 'demo',
 *   scopes: ['orders:read'], lifetimeSec: 300, nowMs: Date.now() };
 */
export interface SessionClaimsInput {
  issuer: string;
  audience: string;
  subject: string;
  installationId: string;
  scopes: readonly string[];
  lifetimeSec: number;
  nowMs: number;
}

/**
 * The in-memory key: the private half never leaves this object.
 * @example
 * const token = await key.sign(input);
 */
export interface DevSigningKey {
  readonly kid: string;
  /** The public JWKS document; built from an allowlist of public members, so no private part can slip in. */
  readonly jwks: { keys: JWK[] };
  sign(input: SessionClaimsInput): Promise<string>;
}

/**
 * Makes a fresh ES256 key pair; nothing is written to disk.
 * @example
 * const key = await createDevSigningKey();
 */
export async function createDevSigningKey(): Promise<DevSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(ALG);
  const exported = await exportJWK(publicKey);
  const { kty, crv, x, y } = exported;
  const kid = await calculateJwkThumbprint({ kty, crv, x, y } as JWK);
  const publicJwk: JWK = { kty, crv, x, y, kid, alg: ALG, use: 'sig' };
  return {
    kid,
    jwks: { keys: [publicJwk] },
    sign(input) {
      const iat = Math.floor(input.nowMs / 1000);
      return new SignJWT({ installation_id: input.installationId, scope: input.scopes.join(' ') })
        .setProtectedHeader({ alg: ALG, typ: SESSION_TYP, kid })
        .setIssuer(input.issuer)
        .setAudience(input.audience)
        .setSubject(input.subject)
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(iat + input.lifetimeSec)
        .sign(privateKey);
    },
  };
}
