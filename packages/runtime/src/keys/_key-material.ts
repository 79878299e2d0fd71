/** Key pairs: generation with node:crypto, `kid` as the RFC 7638 thumbprint, and import with a consistency check. */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { KeysError } from '@tessera/protocol/errors';
import type { PublicKeyJwk, SigningAlg, StoredKey } from './_document.js';

/** Only the public members, copied by name: whatever else a JWK carries (`d`) cannot slip through. */
export function publicMembers(jwk: PublicKeyJwk): PublicKeyJwk {
  return jwk.kty === 'EC' ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y as string } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
}

/** A fresh key pair for `alg`, ready to store; its `kid` is the RFC 7638 thumbprint of the public key. */
export async function generateStoredKey(alg: SigningAlg, createdAtMs: number, activatesAtMs: number): Promise<StoredKey> {
  const { privateKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  const privateJwk = privateKey.export({ format: 'jwk' }) as unknown as StoredKey['privateJwk'];
  const publicJwk = publicMembers(privateJwk);
  return {
    kid: await calculateJwkThumbprint(publicJwk),
    alg,
    publicJwk,
    privateJwk: { ...publicJwk, d: privateJwk.d },
    createdAt: new Date(createdAtMs).toISOString(),
    activatesAt: new Date(activatesAtMs).toISOString(),
  };
}

const PROBE = Buffer.from('tessera key-pair probe');

/**
 * Node takes an EC JWK's x and y as given and never re-derives them from d, so comparing public members cannot catch
 * a foreign d: a signature made with the private key must verify under the stated public key.
 */
function signsFor(privateKey: KeyObject, publicJwk: PublicKeyJwk, alg: SigningAlg): boolean {
  try {
    const publicKey = createPublicKey({ key: { ...publicJwk }, format: 'jwk' });
    const digest = alg === 'ES256' ? 'sha256' : null;
    return verify(digest, PROBE, publicKey, sign(digest, PROBE, privateKey));
  } catch {
    return false;
  }
}

/**
 * The key's private KeyObject, after checking that it signs for the stated public key and that `kid` is that key's
 * thumbprint: a hand-edited or mixed-up document fails here, not at a verifier.
 */
export async function importStoredKey(key: StoredKey, where: string): Promise<KeyObject> {
  const invalid = (rule: string) => new KeysError('ERR_KEYS_INVALID', { message: `signing key document ${where}: ${rule}` });
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: { ...key.privateJwk }, format: 'jwk' });
  } catch {
    throw invalid('privateJwk is not a valid private key');
  }
  const stated = publicMembers(key.publicJwk);
  const samePublic = stated.x === key.privateJwk.x && stated.y === key.privateJwk.y;
  if (!samePublic || !signsFor(privateKey, stated, key.alg)) throw invalid('privateJwk does not match publicJwk');
  if ((await calculateJwkThumbprint(stated)) !== key.kid) throw invalid('kid is not the RFC 7638 thumbprint of publicJwk');
  return privateKey;
}
