/** The customer-server verifier: checks one request's shared secret or request token, and logs each refusal. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { VerifyError } from '../errors.js';
import type { RequestClaims } from '../protocol/index.js';
import { headerValue } from './_headers.js';
import { attachLogger } from './_internals.js';
import { createRequestTokenCheck } from './_jwt.js';
import { createHs256Verifier } from './_hs256.js';
import { resolveOptions, type ResolvedOptions } from './_resolve-options.js';
import type { VerifierMode, VerifierOptions } from './verifier-options.js';

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

/**
 * Compares digests rather than the strings so neither the comparison time nor a length check reveals how much
 * of the secret matched or how long it is; every configured secret is compared, with no early exit.
 */
function createSecretChecker(options: ResolvedOptions): (input: VerifyInput) => VerifiedRequest {
  const digests = options.secrets.map(sha256);
  return (input) => {
    const presented = headerValue(input.headers, options.header);
    if (presented === undefined || presented === '') {
      throw new VerifyError('ERR_VERIFY_MISSING', 'no shared-secret header');
    }
    if (typeof presented !== 'string') throw new VerifyError('ERR_VERIFY_MALFORMED', 'shared-secret header repeated');
    const digest = sha256(presented);
    let matched = false;
    for (const expected of digests) matched = timingSafeEqual(digest, expected) || matched;
    if (!matched) throw new VerifyError('ERR_VERIFY_SECRET', 'shared secret matches neither the current nor the previous');
    return { mode: 'shared-secret' };
  };
}

/**
 * Builds a verifier; all options are checked here (TypeError on misuse), never per request.
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
    check = createSecretChecker(resolved);
  } else {
    // ES256/EdDSA will plug a public-key SignatureVerifier in here, built from a `keys` option.
    check = createRequestTokenCheck(createHs256Verifier(resolved.secrets, resolved.algorithms), resolved);
  }

  /** The refusal to reject with, logged once. */
  const refusalOf = (err: unknown): VerifyError => {
    const refusal =
      err instanceof VerifyError ? err : new VerifyError('ERR_VERIFY_MALFORMED', 'unexpected verification failure');
    // The reason is ours and names rules, never values: no token, secret, header or claim value reaches the log.
    logger.log('warn', 'verify.refused', { mode, code: refusal.code, reason: refusal.reason });
    return refusal;
  };
  const verifier: Verifier = {
    mode,
    // Not `async`: a check that answers synchronously settles in one promise, with no extra microtask hops.
    verify(input) {
      let outcome: VerifiedRequest | Promise<VerifiedRequest>;
      try {
        outcome = check(input);
      } catch (err) {
        return Promise.reject(refusalOf(err));
      }
      if (!(outcome instanceof Promise)) return Promise.resolve(outcome);
      return outcome.catch((err: unknown) => {
        throw refusalOf(err);
      });
    },
  };
  attachLogger(verifier, logger);
  return Object.freeze(verifier);
}
