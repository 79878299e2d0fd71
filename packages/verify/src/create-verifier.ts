/** The customer-server verifier: checks one request's shared secret or request token, and logs each refusal. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { VerifyError } from '@tessera/protocol/errors';
import { TOKEN_TYPE, type RequestClaims } from '@tessera/protocol';
import { createAsymmetricVerifier } from './_asymmetric.js';
import { headerValue } from './_headers.js';
import { createHmacSha256 } from './_hmac-sha256.js';
import { createHs256Verifier } from './_hs256.js';
import { attachInternals, type ImmediateCheck } from './_internals.js';
import type { SignatureVerifier } from './_jws.js';
import { createRequestTokenCheck } from './_jwt.js';
import { createRemoteKeySource, createStaticKeySource } from './_key-source.js';
import { resolveOptions, type ResolvedOptions } from './_resolve-options.js';
import { createSecretWindow, type SecretWindow } from './_secret-window.js';
import type { AsymmetricAlgorithm, VerifierMode, VerifierOptions } from './verifier-options.js';
import { refusalAuditFields } from './_refusal-event.js';
import { requestRefusal, withAnswerHeaders } from './_challenge.js';

/** One received request, as the verifier needs it. */
export interface VerifyInput {
  /** HTTP method as received, e.g. `POST`. */
  method: string;
  /** Path and query as received (origin-form, starting with `/`), e.g. `/orders/42?full=1`. */
  url: string;
  /** Request headers; names are matched case-insensitively. */
  headers: Record<string, string | string[] | undefined>;
  /** The exact body bytes received (empty for none). */
  body: Uint8Array;
}

/** What a verified request proved. JWT mode adds the installation and the verified claims. */
export type VerifiedRequest =
  | { mode: 'shared-secret'; installationId?: undefined; claims?: undefined }
  | { mode: 'jwt'; installationId: string; claims: RequestClaims };

/** A configured verifier. */
export interface Verifier {
  readonly mode: VerifierMode;
  /** Resolves what the request proved, or rejects with a {@link VerifyError} carrying a stable code. */
  verify(request: VerifyInput): Promise<VerifiedRequest>;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Whether `digest` equals one of `candidates`; every candidate is compared, with no early exit. */
function matchesAny(digest: Buffer, candidates: readonly Buffer[]): boolean {
  let matched = false;
  for (const expected of candidates) matched = timingSafeEqual(digest, expected) || matched;
  return matched;
}

/**
 * Compares digests rather than the strings so neither the comparison time nor a length check reveals how much
 * of the secret matched or how long it is; every secret whose window is open is compared.
 */
function createSecretChecker(options: ResolvedOptions, digests: SecretWindow<Buffer>): (input: VerifyInput) => VerifiedRequest {
  return (input) => {
    const presented = headerValue(input.headers, options.header);
    if (presented === undefined || presented === '') throw requestRefusal('ERR_VERIFY_MISSING', 'no shared-secret header');
    if (typeof presented !== 'string') throw requestRefusal('ERR_VERIFY_MALFORMED', 'shared-secret header repeated');
    const digest = sha256(presented);
    if (!matchesAny(digest, digests.active())) {
      // Failure path only: tells the operator the app still sends a secret whose window closed.
      if (matchesAny(digest, digests.expired())) throw new VerifyError('ERR_VERIFY_SECRET', 'shared secret matches only a secret past its notAfter');
      throw new VerifyError('ERR_VERIFY_SECRET', 'shared secret matches neither the current nor the previous');
    }
    return { mode: 'shared-secret' };
  };
}

/**
 * The signature check of JWT mode: HS256 over the secrets' windows, or ES256/EdDSA over the configured public keys,
 * for tokens of one `typ` (a request token's, or a WebSocket ticket's for the upgrade check).
 */
export function createSignatureVerifier(options: ResolvedOptions, typ: string = TOKEN_TYPE): SignatureVerifier {
  const { keyConfig, now, logger, mode } = options;
  if (keyConfig.kind === 'secrets') {
    const macs = createSecretWindow(options.secrets, (secret) => createHmacSha256(Buffer.from(secret, 'utf8')), { now, logger, mode });
    return createHs256Verifier(macs, options.algorithms, typ);
  }
  const algorithms = options.algorithms as readonly AsymmetricAlgorithm[];
  const keys =
    keyConfig.kind === 'static'
      ? createStaticKeySource(keyConfig.keys)
      : createRemoteKeySource({ url: keyConfig.url, algorithms: new Set(algorithms), now, logger });
  return createAsymmetricVerifier(keys, algorithms, typ);
}

/**
 * Builds a verifier; all options are checked here (TypeError on misuse), never per request. A JWKS is fetched on
 * the first request that needs it, not here.
 * @example
 * const verifier = createVerifier({
 *   mode: 'jwt', secrets: [process.env.TESSERA_SECRET!], issuer: 'order-lookup', publicOrigin: 'https://orders.acme.com',
 * });
 * const { installationId } = await verifier.verify({ method, url, headers, body });
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const resolved = resolveOptions(options);
  const { logger, mode } = resolved;
  let check: (input: VerifyInput) => VerifiedRequest | Promise<VerifiedRequest>;
  if (mode === 'shared-secret') {
    check = createSecretChecker(resolved, createSecretWindow(resolved.secrets, sha256, { now: resolved.now, logger, mode }));
  } else {
    check = createRequestTokenCheck(createSignatureVerifier(resolved), resolved);
  }

  /** The refusal to reject with, logged once, carrying the headers its answer needs. */
  const refusalOf = (err: unknown, input: VerifyInput): VerifyError => {
    const refusal = withAnswerHeaders(
      mode,
      resolved.header,
      err instanceof VerifyError ? err : new VerifyError('ERR_VERIFY_MALFORMED', 'unexpected verification failure'),
    );
    // The reason is ours and names rules, never values: no token, secret, header or claim value reaches the log.
    logger.log('warn', 'verify.refused', { mode, code: refusal.code, reason: refusal.reason, ...refusalAuditFields(input, resolved.now()) });
    return refusal;
  };
  const checkNow: ImmediateCheck = (input) => {
    let outcome: VerifiedRequest | Promise<VerifiedRequest>;
    try {
      outcome = check(input);
    } catch (err) {
      throw refusalOf(err, input);
    }
    if (!(outcome instanceof Promise)) return outcome;
    return outcome.catch((err: unknown) => {
      throw refusalOf(err, input);
    });
  };
  const verifier: Verifier = {
    mode,
    // Not `async`: a check that answers synchronously settles in one promise, with no extra microtask hops.
    verify(input) {
      try {
        // Promise.resolve returns a promise as it is: one promise either way.
        return Promise.resolve(checkNow(input));
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
  attachInternals(verifier, { logger, check: checkNow });
  return Object.freeze(verifier);
}
