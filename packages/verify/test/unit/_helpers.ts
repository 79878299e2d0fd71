/** Test helpers for the verifier: a frozen clock, captured logs, jose-minted and hand-forged request tokens. */
import { createHmac, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { VerifyError, type TesseraErrorCode } from '../../../protocol/src/errors.js';
import { bodyHash, normalizeHtu } from '../../../protocol/src/index.js';

export const APP_ID = 'order-lookup';
export const INSTALLATION_ID = 'acme-1';
export const ORIGIN = 'https://orders.acme.test';
export const CURRENT_SECRET = 'cUrReNt-SeCrEt-0123456789abcdefghijklmnopqrstu';
export const PREVIOUS_SECRET = 'pReViOuS-SeCrEt-0123456789abcdefghijklmnopqrst';
export const STRANGER_SECRET = 'sTrAnGeR-SeCrEt-0123456789abcdefghijklmnopqrst';
export const ALL_SECRETS = [CURRENT_SECRET, PREVIOUS_SECRET, STRANGER_SECRET];
/** 2026-11-22T12:00:00Z, the frozen "now" of every verifier test. */
export const NOW_MS = Date.UTC(2026, 10, 22, 12, 0, 0);
export const NOW_SEC = NOW_MS / 1000;

export const REQUEST = { method: 'POST', url: '/orders/42?full=1', body: Buffer.from('{"note":"call back"}') };

/** A clock tests move by hand instead of sleeping. */
export function frozenClock(ms = NOW_MS): { now: () => number; set: (value: number) => void } {
  let current = ms;
  return { now: () => current, set: (value) => (current = value) };
}

import { captureLogger as capturedLogger } from '../../../../test/helpers/logs.js';
export { capturedLogger };

/** Claims a correct signer would put on {@link REQUEST}. */
export function goodClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: APP_ID,
    sub: INSTALLATION_ID,
    aud: ORIGIN,
    iat: NOW_SEC,
    nbf: NOW_SEC,
    exp: NOW_SEC + 30,
    jti: randomBytes(16).toString('base64url'),
    htm: REQUEST.method,
    htu: normalizeHtu(ORIGIN + REQUEST.url),
    bh: bodyHash(REQUEST.body),
    ...overrides,
  };
}

/** A token signed by jose's SignJWT, following the outbound contract unless told otherwise. */
export async function mintToken(
  options: { claims?: Record<string, unknown>; omit?: string[]; header?: Record<string, unknown>; secret?: string; alg?: string } = {},
): Promise<string> {
  const claims = goodClaims(options.claims);
  for (const name of options.omit ?? []) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'tessera+jwt', ...options.header })
    .sign(new TextEncoder().encode(options.secret ?? CURRENT_SECRET));
}

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A token built by hand, for shapes jose refuses to sign (crit, non-object payloads, odd signatures). */
export function forgeToken(header: unknown, payload: unknown, secret: string | null = CURRENT_SECRET): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return secret === null ? `${input}.` : `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Headers carrying a bearer token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/**
 * Awaits a refusal and asserts its code, status, one `verify.refused` log line, and that no secret or token
 * appears in the message, the serialised error or the log.
 */
export async function expectRefusal(
  act: Promise<unknown>,
  expected: { code: TesseraErrorCode; status: number; lines: string[]; token?: string },
): Promise<VerifyError> {
  const err = await act.then(
    () => {
      throw new Error(`expected a refusal with ${expected.code}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VerifyError);
  const refusal = err as VerifyError;
  expect(refusal.code).toBe(expected.code);
  expect(refusal.status).toBe(expected.status);
  const refusedLines = expected.lines.filter((line) => JSON.parse(line).event === 'verify.refused');
  expect(refusedLines).toHaveLength(1);
  expect(JSON.parse(refusedLines[0] as string)).toMatchObject({ level: 'warn', code: expected.code });
  const visible = [refusal.message, refusal.reason, JSON.stringify(refusal), ...expected.lines].join('\n');
  for (const secret of ALL_SECRETS) expect(visible).not.toContain(secret);
  if (expected.token !== undefined && expected.token.length > 0) {
    expect(visible).not.toContain(expected.token);
    // Not even the signed payload segment, which carries the claims.
    const payloadSegment = expected.token.split('.')[1];
    if (payloadSegment) expect(visible).not.toContain(payloadSegment);
  }
  return refusal;
}
