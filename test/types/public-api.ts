/** Type tests of the public API: compiled by `tsc --noEmit` (npm test), never run. Each @ts-expect-error must fail. */
import { createApp, CustomerHttpError, type FunctionContext } from 'tessera/runtime';
import { createVerifier, type VerifierOptions } from 'tessera/verify';
import { TesseraError, type TesseraErrorCode, type AnyTesseraError } from 'tessera/errors';
import { createCustomerClient } from 'tessera/outbound';
import type { Iparams } from '../../functions/iparams.generated.js';

declare const manifest: unknown;
const app = createApp<Iparams>({ manifest });

export const handler = app.defineFunction('getOrder', (ctx: FunctionContext<Iparams>) => {
  const url: string = ctx.iparams.server_url;
  const mode: 'jwt' | 'shared-secret' = ctx.iparams.auth_mode;
  // @ts-expect-error: iparams are read-only
  ctx.iparams.server_url = 'x';
  // @ts-expect-error: optional fields may be undefined
  const email: string = ctx.iparams.support_email;
  // @ts-expect-error: no such iparam
  void ctx.iparams.nope;
  return { status: 200, body: { url, mode, email } };
});

// @ts-expect-error: unknown option names are compile errors too
createApp({ manifest, ttl: 5 });

const jwt: VerifierOptions = { mode: 'jwt', secrets: ['s'], publicOrigin: 'https://a.example.com', issuer: 'app' };
// @ts-expect-error: a shared-secret verifier has no issuer (options of the other mode are `never`)
const mixed: VerifierOptions = { mode: 'shared-secret', secrets: ['s'], publicOrigin: 'https://a.example.com', issuer: 'app' };
// @ts-expect-error: JWT mode needs an issuer
const noIssuer: VerifierOptions = { mode: 'jwt', secrets: ['s'], publicOrigin: 'https://a.example.com' };
createVerifier(jwt);

createCustomerClient({
  baseUrl: 'https://a.example.com',
  allowedHosts: ['a.example.com'],
  appId: 'app',
  installationId: 'i',
  // @ts-expect-error: only HS256 exists for the shared secret
  auth: { mode: 'jwt', alg: 'RS256', secret: 's' },
});

export function describe(err: unknown): string {
  if (err instanceof CustomerHttpError) return `upstream ${err.upstreamStatus}`;
  if (err instanceof TesseraError) {
    const code: TesseraErrorCode = err.code;
    return code;
  }
  return 'unknown';
}

export function exhaustive(err: AnyTesseraError): number {
  return err.status;
}

// @ts-expect-error: codes are a closed union
export const bad: TesseraErrorCode = 'ERR_NOT_A_CODE';
export { mixed, noIssuer };
