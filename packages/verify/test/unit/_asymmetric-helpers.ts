/** Test helpers for public-key verifiers: app key pairs, jose-signed ES256/EdDSA tokens, a JWKS server that counts. */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { createVerifier, type PublicJwk, type VerifierOptions } from '../../src/index.js';
import { startRecorder, type Recorder } from '../../../../test/helpers/http-recorder.js';
import { APP_ID, INSTALLATION_ID, ORIGIN, REQUEST, bearer, capturedLogger, frozenClock, goodClaims } from './_helpers.js';

export interface AppKey {
  alg: 'ES256' | 'EdDSA';
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public JWK as the app publishes it: kid, alg and use set. */
  jwk: PublicJwk;
}

/** A fresh app key pair: P-256 for ES256, Ed25519 for EdDSA. */
export function appKey(alg: 'ES256' | 'EdDSA', kid: string): AppKey {
  const { privateKey, publicKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return { alg, kid, privateKey, publicKey, jwk: { ...(publicKey.export({ format: 'jwk' }) as PublicJwk), kid, alg, use: 'sig' } };
}

/** A token signed by jose's SignJWT with the app key, following the outbound contract unless told otherwise. */
export function mintSigned(key: AppKey, options: { claims?: Record<string, unknown>; header?: Record<string, unknown> } = {}): Promise<string> {
  return new SignJWT(goodClaims(options.claims))
    .setProtectedHeader({ alg: key.alg, typ: 'tessera+jwt', kid: key.kid, ...options.header })
    .sign(key.privateKey);
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token signed by hand with node:crypto, for headers jose refuses to produce or signatures it would not make. */
export function forgeSigned(
  key: { privateKey: KeyObject; alg: 'ES256' | 'EdDSA' },
  header: Record<string, unknown>,
  payload: unknown,
  dsaEncoding: 'ieee-p1363' | 'der' = 'ieee-p1363',
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature =
    key.alg === 'ES256' ? sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding }) : sign(null, Buffer.from(input), key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** A loopback JWKS endpoint serving `keys`; its recorder counts requests and connections. */
export async function startJwks(keys: unknown[]): Promise<Recorder & { serve(keys: unknown[]): void; url: string }> {
  const recorder = await startRecorder();
  const serve = (list: unknown[]): void =>
    recorder.respond((_req, res) => {
      res.setHeader('content-type', 'application/jwk-set+json');
      res.end(JSON.stringify({ keys: list }));
    });
  serve(keys);
  return Object.assign(recorder, { serve, url: `${recorder.origin}/.well-known/jwks.json` });
}

/** A public-key verifier with a frozen clock and captured logs; `send` verifies {@link REQUEST} with a token. */
/** The base64url alphabet, in value order. */
export const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function keyVerifier(options: Partial<Record<string, unknown>>) {
  const { logger, lines } = capturedLogger();
  const clock = frozenClock();
  const verifier = createVerifier({
    mode: 'jwt',
    issuer: APP_ID,
    installationId: INSTALLATION_ID,
    publicOrigin: ORIGIN,
    logger,
    now: clock.now,
    ...options,
  } as VerifierOptions);
  const send = (token: string) => verifier.verify({ ...REQUEST, headers: bearer(token) });
  return { verifier, lines, clock, send };
}

/** Lets real I/O run until `done()` holds; used where a fake clock is installed. */
export async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setImmediate(r));
}
