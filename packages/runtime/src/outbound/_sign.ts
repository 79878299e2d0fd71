/** Signs request tokens. Hand-written over node:crypto because signing our own claims parses nothing untrusted
 *  and jose's generic SignJWT path costs several times the HMAC itself; jose stays the verifier. */
import { createHmac, createSecretKey, randomFillSync, sign as signBytes, type KeyObject } from 'node:crypto';
import { TOKEN_TYPE, type RequestClaims } from '@tessera/protocol';

/** Turns claims into a compact JWS: a request token's by default, or another profile's (a WebSocket ticket's). */
export type TokenSigner<C extends object = RequestClaims> = (claims: C) => string;

/**
 * An HS256 signer whose key and encoded header are prepared once.
 * @example
 * const sign = createHs256Signer(secret);
 * const jwt = sign(claims);
 */
export function createHs256Signer<C extends object = RequestClaims>(secret: string, kid?: string, typ: string = TOKEN_TYPE): TokenSigner<C> {
  const key: KeyObject = createSecretKey(Buffer.from(secret, 'utf8'));
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ, ...(kid ? { kid } : {}) })).toString('base64url');
  return (claims) => {
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
  };
}

/** The header of an asymmetric token, encoded once per key. */
function encodedHeader(alg: 'ES256' | 'EdDSA', kid: string, typ: string): string {
  return Buffer.from(JSON.stringify({ alg, typ, kid })).toString('base64url');
}

function assertPrivateKey(name: string, key: KeyObject, type: string, curve?: string): void {
  const ok = key?.type === 'private' && key.asymmetricKeyType === type && (curve === undefined || key.asymmetricKeyDetails?.namedCurve === curve);
  if (!ok) throw new TypeError(`${name}: privateKey must be a private ${curve ?? type} KeyObject`);
}

function assertKid(name: string, kid: string): void {
  if (typeof kid !== 'string' || kid.length === 0) throw new TypeError(`${name}: kid must be a non-empty string`);
}

/**
 * An ES256 signer (the app's P-256 key); the verifier finds the public half in the app's JWKS by `kid`.
 * The signature is JOSE's raw r||s (RFC 7518 §3.4), not DER: hence `dsaEncoding: 'ieee-p1363'`.
 * @example
 * const sign = createEs256Signer(privateKey, kid);
 * const jwt = sign(claims);
 */
export function createEs256Signer<C extends object = RequestClaims>(privateKey: KeyObject, kid: string, typ: string = TOKEN_TYPE): TokenSigner<C> {
  assertPrivateKey('createEs256Signer', privateKey, 'ec', 'prime256v1');
  assertKid('createEs256Signer', kid);
  const header = encodedHeader('ES256', kid, typ);
  const key = { key: privateKey, dsaEncoding: 'ieee-p1363' as const };
  return (claims) => {
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${input}.${signBytes('sha256', Buffer.from(input), key).toString('base64url')}`;
  };
}

/**
 * An EdDSA (Ed25519, RFC 8037) signer; Ed25519 hashes internally, so no digest is named.
 * @example
 * const sign = createEdDsaSigner(privateKey, kid);
 * const jwt = sign(claims);
 */
export function createEdDsaSigner<C extends object = RequestClaims>(privateKey: KeyObject, kid: string, typ: string = TOKEN_TYPE): TokenSigner<C> {
  assertPrivateKey('createEdDsaSigner', privateKey, 'ed25519');
  assertKid('createEdDsaSigner', kid);
  const header = encodedHeader('EdDSA', kid, typ);
  return (claims) => {
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return `${input}.${signBytes(null, Buffer.from(input), privateKey).toString('base64url')}`;
  };
}

const POOL_BYTES = 4096;
const JTI_BYTES = 16;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/** 128 random bits, base64url. Drawn from a pooled CSPRNG buffer: one syscall per 256 ids instead of one each. */
export function newJti(): string {
  if (offset + JTI_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + JTI_BYTES);
  offset += JTI_BYTES;
  return id;
}
