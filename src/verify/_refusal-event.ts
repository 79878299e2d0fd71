/** The audit fields of a refusal: when, and who the refused token claims to be (never its value). */
import { headerValue } from './_headers.js';
import type { VerifyInput } from './create-verifier.js';

const BEARER = /^bearer +([A-Za-z0-9_-]{1,4096})\.([A-Za-z0-9_-]{1,8192})\.[A-Za-z0-9_-]*$/i;
const INSTALLATION_ID = /^[a-z0-9_.-]{1,64}$/;
const KID = /^[A-Za-z0-9_.:-]{1,128}$/;

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
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
  const match = typeof authorization === 'string' ? BEARER.exec(authorization.trim()) : null;
  if (!match) return fields;
  const kid = decodePart(match[1] as string)?.kid;
  const sub = decodePart(match[2] as string)?.sub;
  if (typeof sub === 'string' && INSTALLATION_ID.test(sub)) fields.claimedInstallation = sub;
  if (typeof kid === 'string' && KID.test(kid)) fields.kid = kid;
  return fields;
}
