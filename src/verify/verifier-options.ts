/** The verifier's options: shared-secret or JWT mode, each field with its unit, default and bounds. */
import type { Logger } from '../log.js';
import type { ReplayStore } from './replay-store.js';

/** How the app's requests prove themselves: one secret header, or a short-lived signed JWT. */
export type VerifierMode = 'shared-secret' | 'jwt';

/**
 * Algorithms a JWT verifier can be pinned to. ES256 and EdDSA arrive with a `keys` option (public keys or a JWKS
 * URL); until then only the shared-secret HS256 exists.
 */
export type VerifierAlgorithm = 'HS256';

interface CommonVerifierOptions {
  /**
   * The installation's shared secret(s): the current one first, then the previous one during a rotation.
   * One or two entries, each at least 32 bytes (UTF-8).
   */
  secrets: readonly string[];
  /**
   * This server's public origin, `scheme://host[:port]`, e.g. `https://orders.acme.com`. The token's `aud` must
   * equal it and `htu` is rebuilt from it plus the request path: never from `Host` or `X-Forwarded-*`.
   */
  publicOrigin: string;
  /** Where refusals are logged (event `verify.refused`). Default: JSON lines on standard error. */
  logger?: Logger;
  /** Clock in epoch milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
}

/** Options of a verifier in shared-secret mode. */
export interface SharedSecretVerifierOptions extends CommonVerifierOptions {
  mode: 'shared-secret';
  /** Header carrying the secret (case-insensitive). Default `X-Tessera-Secret`. */
  header?: string;
  issuer?: never;
  algorithms?: never;
  maxTokenAgeSec?: never;
  clockToleranceSec?: never;
  replayStore?: never;
}

/** Options of a verifier in JWT mode. */
export interface JwtVerifierOptions extends CommonVerifierOptions {
  mode: 'jwt';
  /** App id(s) accepted as `iss`. */
  issuer: string | readonly string[];
  /** Accepted algorithms, pinned: the token's `alg` is checked against them, never trusted. Default `['HS256']`. */
  algorithms?: readonly VerifierAlgorithm[];
  /** Largest token lifetime (`exp - iat`) and oldest `iat` accepted, in seconds. Default 60, at most 3600. */
  maxTokenAgeSec?: number;
  /** Allowed clock skew between the app's clock and this server's, in seconds. Default 5, at most 60. */
  clockToleranceSec?: number;
  /** Where seen `iss:jti` pairs are kept. Default a {@link MemoryReplayStore} of 1,000,000 entries. */
  replayStore?: ReplayStore;
  header?: never;
}

/** Options of {@link createVerifier}: shared-secret or JWT mode. */
export type VerifierOptions = SharedSecretVerifierOptions | JwtVerifierOptions;
