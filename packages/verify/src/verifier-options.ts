/** The verifier's options: shared-secret, HS256 or public-key JWT mode, each field with its unit, default and bounds. */
import type { Logger } from '@tessera/protocol/log';
import type { ReplayStore } from './replay-store.js';

/** How the app's requests prove themselves: one secret header, or a short-lived signed JWT. */
export type VerifierMode = 'shared-secret' | 'jwt';

/** Algorithms signed with the app's private key and checked with its public key (from `keys` or `jwksUrl`). */
export type AsymmetricAlgorithm = 'ES256' | 'EdDSA';

/**
 * Algorithms a JWT verifier can be pinned to: HS256 (the shared secret) or the asymmetric ones. One verifier never
 * mixes the two kinds: an HMAC keyed with a public key is the classic algorithm-confusion attack.
 */
export type VerifierAlgorithm = 'HS256' | AsymmetricAlgorithm;

/**
 * A shared secret, optionally with the end of its window: during a rotation the previous secret is listed with a
 * `notAfter`, and stops matching by itself once that instant has passed (the verifier logs `verify.secret_expired`).
 * @example
 * secrets: [process.env.TESSERA_SECRET!, { secret: process.env.TESSERA_PREVIOUS_SECRET!, notAfter: '2026-12-01T00:00:00Z' }]
 */
export type VerifierSecret =
  | string
  | {
      /** The secret, at least 32 bytes (UTF-8). */
      secret: string;
      /** Last instant the secret matches: a `Date`, or an ISO 8601 date-time with a time zone (`Z` or `±hh:mm`). */
      notAfter: Date | string;
    };

/**
 * One public key as a JWK: P-256 (`kty: 'EC'`, `crv: 'P-256'`, `x`, `y`) for ES256, Ed25519 (`kty: 'OKP'`,
 * `crv: 'Ed25519'`, `x`) for EdDSA. `kid` is required; `use`, if present, must be `sig`; private members are refused.
 */
export interface PublicJwk {
  kty: string;
  kid: string;
  crv?: string;
  x?: string;
  y?: string;
  alg?: string;
  use?: string;
  key_ops?: readonly string[];
  readonly [member: string]: unknown;
}

/**
 * The opt-out of installation pinning: any installation the app signs for is accepted. `*` is never an installation
 * id, so it cannot be confused with one. With app keys (ES256/EdDSA) every customer verifies the same public key, so
 * a token the app signed for another installation passes signature, issuer and audience: use this only when one
 * server really serves every installation of the app, or when the handler itself checks `installationId`.
 * @example
 * createVerifier({ ...options, installationId: ANY_INSTALLATION });
 */
export const ANY_INSTALLATION = '*';

/**
 * The installation(s) a verifier serves: one id, a list of ids, or a predicate that answers `true` for the ids it
 * serves (anything else refuses). The token's `sub` must be one of them, or the request is refused with 401
 * `ERR_VERIFY_INSTALLATION` before its `jti` is recorded.
 * @example
 * installationId: 'acme'
 * installationId: ['acme-eu', 'acme-us']
 * installationId: (id) => tenants.has(id)
 */
export type InstallationSelector = string | readonly string[] | ((installationId: string) => boolean);

interface CommonVerifierOptions {
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
  /**
   * The installation's shared secret(s): the current one first, then the previous one during a rotation.
   * One or two entries, each at least 32 bytes (UTF-8); an entry with a `notAfter` stops matching after it.
   */
  secrets: readonly VerifierSecret[];
  /** Header carrying the secret (case-insensitive). Default `X-Tessera-Secret`. */
  header?: string;
  issuer?: never;
  algorithms?: never;
  maxTokenAgeSec?: never;
  clockToleranceSec?: never;
  replayStore?: never;
  jwksUrl?: never;
  keys?: never;
  allowLoopbackHttp?: never;
  /** The shared secret is the installation's own; there is no claim to pin. */
  installationId?: never;
}

interface CommonJwtVerifierOptions extends CommonVerifierOptions {
  mode: 'jwt';
  /** App id(s) accepted as `iss`. */
  issuer: string | readonly string[];
  /** Largest token lifetime (`exp - iat`) and oldest `iat` accepted, in seconds. Default 60, at most 3600. */
  maxTokenAgeSec?: number;
  /** Allowed clock skew between the app's clock and this server's, in seconds. Default 5, at most 60. */
  clockToleranceSec?: number;
  /** Where seen `iss:jti` pairs are kept. Default a {@link MemoryReplayStore} of 1,000,000 entries. */
  replayStore?: ReplayStore;
  header?: never;
}

/** JWT mode with HS256 tokens keyed by the installation's shared secret. */
export interface Hs256VerifierOptions extends CommonJwtVerifierOptions {
  /**
   * The installation(s) this server serves (recommended). Optional here: the secret is the installation's own, so only
   * that installation's tokens verify anyway; pinning also refuses a token whose `sub` was minted for another.
   */
  installationId?: InstallationSelector | typeof ANY_INSTALLATION;
  /**
   * The installation's shared secret(s): the current one first, then the previous one during a rotation.
   * One or two entries, each at least 32 bytes (UTF-8); an entry with a `notAfter` stops matching after it.
   */
  secrets: readonly VerifierSecret[];
  /** Accepted algorithms, pinned: the token's `alg` is checked against them, never trusted. Default `['HS256']`. */
  algorithms?: readonly 'HS256'[];
  jwksUrl?: never;
  keys?: never;
  allowLoopbackHttp?: never;
}

/**
 * Required with app keys: every customer verifies the same public key, so only this option tells a token for
 * installation B from one for A. Give the id(s) or a predicate, or {@link ANY_INSTALLATION} to opt out knowingly.
 */
type AppKeyInstallation = InstallationSelector | typeof ANY_INSTALLATION;

/** JWT mode with tokens signed by the app's private key, checked against the app's published JWKS. */
export interface JwksVerifierOptions extends CommonJwtVerifierOptions {
  /** The installation(s) this server serves (required; see {@link ANY_INSTALLATION} for the opt-out and its risk). */
  installationId: AppKeyInstallation;
  /** Accepted algorithms, pinned (required): `['ES256']`, `['EdDSA']` or both. */
  algorithms: readonly AsymmetricAlgorithm[];
  /**
   * The app's JWKS, e.g. `https://app.example.com/.well-known/jwks.json`. HTTPS only; fetched without redirects,
   * cookies or credentials, 3 s timeout, 256 KiB cap; cached 5 min; an unknown `kid` refetches at most once per 30 s.
   */
  jwksUrl: string;
  /** Local development: allows an `http://` `jwksUrl` on a loopback host (localhost, 127.x, [::1]). Default false. */
  allowLoopbackHttp?: boolean;
  secrets?: never;
  keys?: never;
}

/** JWT mode with tokens signed by the app's private key, checked against public keys given here. */
export interface StaticKeysVerifierOptions extends CommonJwtVerifierOptions {
  /** The installation(s) this server serves (required; see {@link ANY_INSTALLATION} for the opt-out and its risk). */
  installationId: AppKeyInstallation;
  /** Accepted algorithms, pinned (required): `['ES256']`, `['EdDSA']` or both. */
  algorithms: readonly AsymmetricAlgorithm[];
  /** The app's public keys, each with its `kid`; every key must fit one of `algorithms`. */
  keys: readonly PublicJwk[];
  secrets?: never;
  jwksUrl?: never;
  allowLoopbackHttp?: never;
}

/** Options of a verifier in JWT mode: HS256 with secrets, or ES256/EdDSA with a JWKS URL or static keys. */
export type JwtVerifierOptions = Hs256VerifierOptions | JwksVerifierOptions | StaticKeysVerifierOptions;

/** Options of {@link createVerifier}: shared-secret or JWT mode. */
export type VerifierOptions = SharedSecretVerifierOptions | JwtVerifierOptions;
