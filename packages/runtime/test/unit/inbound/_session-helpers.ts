/** Test helpers for the session guard: platform keys, a loopback JWKS server, minted tokens, refusal assertions. */
import { KeyObject, sign } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { InboundError, type TesseraErrorCode } from '../../../../protocol/src/errors.js';
import { createSessionVerifier, type SessionVerifierOptions } from '../../../src/inbound/session.js';
import { startRecorder, type Recorder } from '../../../../../test/helpers/http-recorder.js';

export const APP_ID = 'order-lookup';
export const ISSUER = 'https://platform.test';
export const INSTALLATION_ID = 'acme-1';
export const SESSION_TYP = 'tessera-session+jwt';
/** 2026-11-22T12:00:00Z, the frozen "now" of every session test. */
export const NOW_MS = Date.UTC(2026, 10, 22, 12, 0, 0);
export const NOW_SEC = NOW_MS / 1000;

export interface PlatformKey {
  alg: 'RS256' | 'ES256';
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

/** A signing key pair as the platform holds it, its public half ready for a JWKS. */
export async function platformKey(alg: 'RS256' | 'ES256', kid: string): Promise<PlatformKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, publicKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A loopback JWKS endpoint serving `keys`; its recorder counts requests and connections. */
export async function startJwks(keys: PlatformKey[]): Promise<Recorder & { serve(next: PlatformKey[]): void }> {
  const recorder = await startRecorder();
  const serve = (next: PlatformKey[]): void =>
    recorder.respond((_req, res) => {
      res.setHeader('content-type', 'application/jwk-set+json');
      res.end(JSON.stringify({ keys: next.map((k) => k.publicJwk) }));
    });
  serve(keys);
  return Object.assign(recorder, { serve });
}

/** A clock tests move by hand instead of sleeping. */
export function frozenClock(ms = NOW_MS): { now: () => number; advanceSec: (sec: number) => void } {
  let current = ms;
  return { now: () => current, advanceSec: (sec) => (current += sec * 1000) };
}

import { captureLogger as capturedLogger } from '../../../../../test/helpers/logs.js';
export { capturedLogger };

/** A verifier against `jwksOrigin` with a frozen clock and captured logs. */
export function sessionVerifier(jwksOrigin: string, overrides: Partial<SessionVerifierOptions> = {}) {
  const clock = frozenClock();
  const log = capturedLogger();
  const verifier = createSessionVerifier({
    jwksUrl: `${jwksOrigin}/.well-known/jwks.json`,
    issuer: ISSUER,
    audience: APP_ID,
    offline: true,
    now: clock.now,
    logger: log.logger,
    ...overrides,
  });
  return { verifier, clock, lines: log.lines };
}

/** Claims the platform would issue for a user of installation acme-1. */
export function sessionClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: APP_ID,
    sub: 'user-42',
    installation_id: INSTALLATION_ID,
    scope: 'orders:read orders:write',
    iat: NOW_SEC,
    nbf: NOW_SEC,
    exp: NOW_SEC + 120,
    ...overrides,
  };
}

/** A session token signed by jose with `key`, following the profile unless told otherwise. */
export async function mintSession(
  key: PlatformKey,
  options: { claims?: Record<string, unknown>; omit?: string[]; header?: Record<string, unknown> } = {},
): Promise<string> {
  const claims = sessionClaims(options.claims);
  for (const name of options.omit ?? []) delete claims[name];
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, typ: SESSION_TYP, kid: key.kid, ...options.header }).sign(key.privateKey);
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned token built by hand, for shapes jose refuses to sign. */
export function forgeUnsigned(header: unknown, payload: unknown): string {
  return `${b64(header)}.${b64(payload)}.`;
}

/** A token signed by hand with an RS256 key, for headers jose refuses to sign (unknown `crit`). */
export function signRaw(key: PlatformKey, header: Record<string, unknown>, payload: unknown): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), KeyObject.from(key.privateKey)).toString('base64url')}`;
}

/**
 * Awaits a refusal and asserts its code, status, one `session.refused` log line, and that neither the token nor
 * its payload segment appears in the error or the logs.
 */
export async function expectRefusal(
  act: Promise<unknown>,
  expected: { code: TesseraErrorCode; status: number; lines: string[]; token?: string },
): Promise<InboundError> {
  const err = await act.then(
    () => {
      throw new Error(`expected a refusal with ${expected.code}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InboundError);
  const refusal = err as InboundError;
  expect(refusal.code).toBe(expected.code);
  expect(refusal.status).toBe(expected.status);
  expect(JSON.parse(refusal.toResponse().body)).toEqual({ error: { code: expected.code, message: expect.any(String) } });
  const refused = expected.lines.filter((line) => JSON.parse(line).event === 'session.refused');
  expect(refused).toHaveLength(1);
  expect(JSON.parse(refused[0] as string)).toMatchObject({ level: 'warn', code: expected.code });
  if (expected.token !== undefined && expected.token.length > 0) {
    const visible = [refusal.message, String(refusal.cause), JSON.stringify(refusal), refusal.toResponse().body, ...expected.lines].join('\n');
    expect(visible).not.toContain(expected.token);
    for (const segment of expected.token.split('.')) if (segment.length > 8) expect(visible).not.toContain(segment);
  }
  return refusal;
}
