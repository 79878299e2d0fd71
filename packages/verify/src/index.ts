/** tessera/verify: what a customer's server runs to trust an app's requests. No AWS SDK, no express at run time. */
export { createVerifier } from './create-verifier.js';
export type { VerifiedRequest, Verifier, VerifyInput } from './create-verifier.js';
export { ANY_INSTALLATION } from './verifier-options.js';
export type {
  AsymmetricAlgorithm,
  InstallationSelector,
  Hs256VerifierOptions,
  JwksVerifierOptions,
  JwtVerifierOptions,
  PublicJwk,
  SharedSecretVerifierOptions,
  StaticKeysVerifierOptions,
  VerifierAlgorithm,
  VerifierMode,
  VerifierOptions,
  VerifierSecret,
} from './verifier-options.js';
export { MemoryReplayStore } from './replay-store.js';
export type { MemoryReplayStoreOptions, ReplayStore } from './replay-store.js';
export { RedisReplayStore } from './redis-replay-store.js';
export type { RedisReplayStoreOptions, RedisSetClient } from './redis-replay-store.js';
export { captureRawBody, tesseraExpress } from './tessera-express.js';
export type { TesseraExpressOptions, TesseraMiddleware } from './tessera-express.js';
export { sendVerifyError, verifyNodeRequest } from './verify-node-request.js';
export type { VerifyNodeRequestOptions, VerifyNodeRequestResult } from './verify-node-request.js';
export {
  isTesseraError,
  StoreError,
  TesseraError,
  VerifyError,
  type StoreErrorCode,
  type TesseraErrorCode,
  type VerifyErrorCode,
} from '@tessera/protocol/errors';
/** The JWKS cache policy of a `jwksUrl` verifier (key rotation is timed against it). */
export { JWKS_COOLDOWN_MS, JWKS_MAX_AGE_MS, JWKS_STALE_CAP_MS } from '@tessera/protocol';
export { createUpgradeVerifier, refuseUpgrade } from './upgrade-verifier.js';
export type { UpgradeInput, UpgradeVerifier, UpgradeVerifierOptions, VerifiedUpgrade } from './upgrade-verifier.js';
