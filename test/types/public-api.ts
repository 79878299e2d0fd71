/** Type tests of the public API: compiled by `tsc --noEmit` (npm test), never run. Each @ts-expect-error must fail. */
import { createApp, CustomerHttpError, type FunctionContext } from '@tessera/runtime';
import {
  ANY_INSTALLATION,
  createUpgradeVerifier,
  createVerifier,
  RedisReplayStore,
  type UpgradeVerifierOptions,
  type VerifierOptions,
} from '@tessera/verify';
import type { WebSocketRoutesOptions } from '@tessera/runtime/websocket';
import { createJwksHandler, createKeyManager, SsmKeyStore } from '@tessera/runtime/keys';
import {
  type CliError,
  InboundError,
  type IparamValidationError,
  type KeysError,
  type OutboundError,
  type StoreError,
  TesseraError,
  VerifyError,
  type AnyTesseraError,
  type TesseraErrorCode,
} from '@tessera/protocol/errors';
import { createCustomerClient } from '@tessera/runtime/outbound';
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
  // @ts-expect-error: RS256 is not an outbound algorithm (HS256 with the secret, ES256/EdDSA with the app key)
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

/** `switch (err.code)` narrows the class: each family's members are reachable only under its own codes. */
export function narrows(err: AnyTesseraError): string {
  switch (err.code) {
    case 'ERR_IPARAM_INVALID': {
      const issues: readonly { field: string; rule: string }[] = err.issues;
      const only: IparamValidationError = err;
      return `${issues.length}${only.name}`;
    }
    case 'ERR_CONFIG_INVALID': {
      const files: string[] = err.issues.map((i) => i.file);
      return files.join();
    }
    case 'ERR_VERIFY_REPLAYED': {
      const reason: string = err.reason;
      const only: VerifyError = err;
      return reason + only.name;
    }
    case 'ERR_KEYS_CONFLICT': {
      const only: KeysError = err;
      // @ts-expect-error: a keys error has no reason; only a verifier's refusal does
      return only.reason;
    }
    case 'ERR_OUTBOUND_TIMEOUT': {
      const only: OutboundError = err;
      return only.code;
    }
    case 'ERR_STORE_UNAVAILABLE': {
      const only: StoreError = err;
      return only.code;
    }
    case 'ERR_SESSION_EXPIRED': {
      const only: InboundError = err;
      return only.code;
    }
    case 'ERR_CLI_USAGE': {
      const only: CliError = err;
      return only.code;
    }
    case 'ERR_BODY_TOO_LARGE': {
      // Shared by two families: narrowed to both, never to one.
      const both: InboundError | VerifyError = err;
      // @ts-expect-error: it may be an InboundError, which has no reason
      const reason: string = err.reason;
      return both.code + reason;
    }
    default:
      return err.code;
  }
}

// @ts-expect-error: a family takes only its own codes
export const wrongFamily = new InboundError('ERR_VERIFY_REPLAYED');
// @ts-expect-error: a verifier refusal is not an outbound code
export const wrongVerify = new VerifyError('ERR_OUTBOUND_TIMEOUT', 'reason');

// @ts-expect-error: codes are a closed union
export const bad: TesseraErrorCode = 'ERR_NOT_A_CODE';
export { mixed, noIssuer, confused, wrongAlg, unpinned, anyInstallation, several, pinnedSecret };

// Issue 3 and 4 surfaces: credentials, app keys, verifier modes, replay stores.
export const csrf = app.defineCsrfFunction();
app.defineFunction('addNote', (ctx) => {
  const how: 'session' | 'basic' | 'offline-header' = ctx.credential;
  // @ts-expect-error: the credential is one of three, not any string
  const other: 'cookie' = ctx.credential;
  return { body: { how, other } };
});

const keyed: VerifierOptions = {
  mode: 'jwt',
  algorithms: ['ES256'],
  jwksUrl: 'https://app.example.com/.well-known/jwks.json',
  publicOrigin: 'https://a.example.com',
  issuer: 'app',
  installationId: 'acme',
};
// @ts-expect-error: with app keys the verifier must name the installation(s) it serves
const unpinned: VerifierOptions = {
  mode: 'jwt',
  algorithms: ['ES256'],
  jwksUrl: 'https://app.example.com/.well-known/jwks.json',
  publicOrigin: 'https://a.example.com',
  issuer: 'app',
};
const anyInstallation: VerifierOptions = {
  mode: 'jwt',
  algorithms: ['EdDSA'],
  keys: [],
  publicOrigin: 'https://a.example.com',
  issuer: 'app',
  installationId: ANY_INSTALLATION,
};
const several: VerifierOptions = {
  mode: 'jwt',
  secrets: ['s'],
  publicOrigin: 'https://a.example.com',
  issuer: 'app',
  installationId: (id: string) => id.startsWith('acme-'),
};
// @ts-expect-error: the shared secret is the installation's own: there is no claim to pin
const pinnedSecret: VerifierOptions = { mode: 'shared-secret', secrets: ['s'], publicOrigin: 'https://a.example.com', installationId: 'acme' };
// @ts-expect-error: public keys and shared secrets never share a verifier
const confused: VerifierOptions = {
  mode: 'jwt',
  algorithms: ['ES256'],
  jwksUrl: 'https://app.example.com/jwks.json',
  secrets: ['s'],
  publicOrigin: 'https://a.example.com',
  issuer: 'app',
};
// @ts-expect-error: HS256 is not a public-key algorithm
const wrongAlg: VerifierOptions = {
  mode: 'jwt',
  algorithms: ['HS256'],
  jwksUrl: 'https://app.example.com/jwks.json',
  publicOrigin: 'https://a.example.com',
  issuer: 'app',
};
const windowed: VerifierOptions = {
  mode: 'shared-secret',
  secrets: ['new', { secret: 'old', notAfter: '2026-12-01T00:00:00Z' }],
  publicOrigin: 'https://a.example.com',
};
createVerifier(keyed);
createVerifier(windowed);
new RedisReplayStore({ client: { set: async () => 'OK' as const } });
// @ts-expect-error: the store needs a client with SET … EXAT … NX
new RedisReplayStore({});

const keys = createKeyManager({ appId: 'order-lookup', store: new SsmKeyStore() });
void keys.rotate({ alg: 'EdDSA', delaySec: 600 });
// @ts-expect-error: RS256 app keys do not exist
void keys.generate({ alg: 'RS256' });
export const jwks = createJwksHandler({ appId: 'order-lookup' });

// Issue 9 surfaces: tickets, the upgrade check, the app's own WebSocket routes.
export const ticketFn = app.defineWsTicketFunction('getOrder', { path: ({ request }) => `/orders/live?order=${request.query.id ?? ''}` });
// @ts-expect-error: the path is a string or a function of the request, not a number
app.defineWsTicketFunction('getOrder', { path: 42 });
const upgradeOptions: UpgradeVerifierOptions = {
  algorithms: ['ES256'],
  jwksUrl: 'https://app.example.com/.well-known/jwks.json',
  issuer: 'app',
  installationId: 'acme',
  publicOrigin: 'wss://live.acme.com',
  allowedOrigins: ['https://*.helpdesk.example.com'],
};
// @ts-expect-error: with app keys the upgrade check, like the request verifier, must name the installation(s) it serves
const unpinnedUpgrade: UpgradeVerifierOptions = {
  algorithms: ['ES256'],
  jwksUrl: 'https://app.example.com/jwks.json',
  issuer: 'app',
  publicOrigin: 'wss://live.acme.com',
  allowedOrigins: [],
};
export const upgrades = createUpgradeVerifier(upgradeOptions);
export async function whoConnected(): Promise<string> {
  const verified = await upgrades.verify({ url: '/live', headers: {} });
  const protocol: string = verified.protocol;
  return `${verified.installationId} ${protocol} ${verified.user ?? ''}`;
}
// @ts-expect-error: scopes and manifestFunction exclude each other
export const bothScopes: WebSocketRoutesOptions = { manifest: {}, protocols: ['tessera.v1'], scopes: ['a'], manifestFunction: 'getOrder' };
export { unpinnedUpgrade };
