/** The app's key-set document as stored in SSM: its shape, its strict parser, and each key's state at a time. */
import { type TesseraError, KeysError } from '@tessera/protocol/errors';

/** Algorithms an app key can have (DESIGN.md, "Outbound request"). */
export type SigningAlg = 'ES256' | 'EdDSA';
export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'EdDSA'];

/**
 * A key's state is derived from the clock, never stored: `current` signs now, `next` is published and signs from
 * `activatesAt`, `previous` is published until retired. So the switch needs no second write and no redeploy.
 */
export type KeyState = 'next' | 'current' | 'previous';

/** The public members of a key as RFC 7517/7518/8037 name them; `y` only for EC. */
export interface PublicKeyJwk {
  kty: 'EC' | 'OKP';
  crv: 'P-256' | 'Ed25519';
  x: string;
  y?: string;
}

/** One key of the document. `privateJwk` is the whole private JWK; it never leaves the process that reads it. */
export interface StoredKey {
  /** RFC 7638 thumbprint of `publicJwk`. */
  kid: string;
  alg: SigningAlg;
  publicJwk: PublicKeyJwk;
  privateJwk: PublicKeyJwk & { d: string };
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601: from this time on, this key signs (until a later key activates). */
  activatesAt: string;
}

/** The one SecureString document per app, so a reader never sees half a rotation. */
export interface KeySetDocument {
  format: 1;
  keys: StoredKey[];
  /** ISO 8601. */
  updatedAt: string;
}

/** What SSM's Standard tier holds; a document over it means too many keys are kept. */
export const DOCUMENT_MAX_BYTES = 4096;

const CURVE: Record<SigningAlg, { kty: PublicKeyJwk['kty']; crv: PublicKeyJwk['crv'] }> = {
  ES256: { kty: 'EC', crv: 'P-256' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
};
const B64URL = /^[A-Za-z0-9_-]{1,128}$/;

function invalid(where: string, rule: string): TesseraError {
  return new KeysError('ERR_KEYS_INVALID', { message: `signing key document ${where}: ${rule}` });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkDate(value: unknown, where: string): string {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw invalid(where, 'must be an ISO 8601 date');
  return value;
}

function checkJwk(value: unknown, alg: SigningAlg, where: string, withD: boolean): void {
  const { kty, crv } = CURVE[alg];
  if (!isRecord(value) || value.kty !== kty || value.crv !== crv) throw invalid(where, `must be a ${kty} ${crv} JWK`);
  const members = kty === 'EC' ? ['x', 'y'] : ['x'];
  if (withD) members.push('d');
  for (const m of members) {
    if (typeof value[m] !== 'string' || !B64URL.test(value[m] as string)) throw invalid(`${where}.${m}`, 'must be base64url');
  }
}

/**
 * Parses and shape-checks the stored text; names the parameter and the broken rule, never a key's value.
 * Whether each private key matches its public half and `kid` is checked when the keys are imported.
 */
export function parseKeySetDocument(text: string, parameter: string): KeySetDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid(parameter, 'is not JSON');
  }
  if (!isRecord(doc) || doc.format !== 1) throw invalid(parameter, 'must be an object with "format": 1');
  if (!Array.isArray(doc.keys) || doc.keys.length === 0) throw invalid(`${parameter} keys`, 'must be a non-empty array');
  checkDate(doc.updatedAt, `${parameter} updatedAt`);
  const kids = new Set<string>();
  doc.keys.forEach((key: unknown, i: number) => {
    const where = `${parameter} keys[${i}]`;
    if (!isRecord(key)) throw invalid(where, 'must be an object');
    if (typeof key.kid !== 'string' || !B64URL.test(key.kid)) throw invalid(`${where}.kid`, 'must be base64url');
    if (kids.has(key.kid)) throw invalid(`${where}.kid`, 'must be unique');
    kids.add(key.kid);
    if (!SIGNING_ALGS.includes(key.alg as SigningAlg)) throw invalid(`${where}.alg`, `must be one of ${SIGNING_ALGS.join(', ')}`);
    checkJwk(key.publicJwk, key.alg as SigningAlg, `${where}.publicJwk`, false);
    checkJwk(key.privateJwk, key.alg as SigningAlg, `${where}.privateJwk`, true);
    checkDate(key.createdAt, `${where}.createdAt`);
    checkDate(key.activatesAt, `${where}.activatesAt`);
  });
  return doc as unknown as KeySetDocument;
}

/** The key that signs at `nowMs`: the latest activation not in the future (ties: the newer key). */
export function activeKey(keys: readonly StoredKey[], nowMs: number): StoredKey | undefined {
  let best: StoredKey | undefined;
  for (const key of keys) {
    const at = Date.parse(key.activatesAt);
    if (at > nowMs) continue;
    if (!best || at > Date.parse(best.activatesAt) || (at === Date.parse(best.activatesAt) && key.createdAt > best.createdAt)) best = key;
  }
  return best;
}

/** Each key's state at `nowMs`. */
export function stateOf(key: StoredKey, keys: readonly StoredKey[], nowMs: number): KeyState {
  if (Date.parse(key.activatesAt) > nowMs) return 'next';
  return activeKey(keys, nowMs) === key ? 'current' : 'previous';
}

/** When a previous key stopped signing: the first activation after its own that has passed. */
export function replacedAtMs(key: StoredKey, keys: readonly StoredKey[], nowMs: number): number | undefined {
  const own = Date.parse(key.activatesAt);
  let first: number | undefined;
  for (const other of keys) {
    const at = Date.parse(other.activatesAt);
    if (other === key || at > nowMs || at < own) continue;
    if (at === own && other.createdAt <= key.createdAt) continue;
    if (first === undefined || at < first) first = at;
  }
  return first;
}
