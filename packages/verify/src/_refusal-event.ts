/** The audit fields of a refusal: when, and who the refused token claims to be (never its value). */
import { headerValue } from './_headers.js';
import { decodeObject } from './_jws.js';
import { BEARER, isId } from '@tessera/protocol';
import type { VerifyInput } from './create-verifier.js';

const KID = /^[A-Za-z0-9_.:-]{1,128}$/;
/** Larger headers were refused unread; their claims are not worth decoding for a log line either. */
const MAX_AUTHORIZATION_CHARS = 8 * 1024 + 16;

/** The decoded segment, or undefined: a refusal's token may be anything, and reading it must never throw. */
function claimsOf(segment: string | undefined, part: string): Record<string, unknown> | undefined {
  try {
    return segment === undefined ? undefined : decodeObject(segment, part);
  } catch {
    return undefined;
  }
}

/**
 * `claimedInstallation` and `kid` as the refused token states them, unverified, and only when they have the shape of
 * an installation id or a key id: an attacker chooses them, so they are labelled as claims and never echo free text.
 */
export function refusalAuditFields(input: VerifyInput | undefined, nowMs: number): Record<string, string> {
  const fields: Record<string, string> = { result: 'refused', at: new Date(nowMs).toISOString() };
  const authorization = input ? headerValue(input.headers, 'authorization') : undefined;
  if (typeof authorization !== 'string' || authorization.length > MAX_AUTHORIZATION_CHARS) return fields;
  const token = BEARER.exec(authorization)?.[1];
  const [header, payload] = token === undefined ? [] : token.split('.');
  const kid = claimsOf(header, 'header')?.kid;
  const sub = claimsOf(payload, 'payload')?.sub;
  if (isId(sub)) fields.claimedInstallation = sub;
  if (typeof kid === 'string' && KID.test(kid)) fields.kid = kid;
  return fields;
}
