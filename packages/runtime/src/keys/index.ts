/** App signing keys: the key set in SSM, rotation with overlap, the signing key now, and the published JWKS. */
export type { KeySetDocument, KeyState, PublicKeyJwk, SigningAlg, StoredKey } from './_document.js';
export {
  signingKeysParameterName,
  SsmKeyStore,
  type KeyStore,
  type KeyStorePutOptions,
  type SsmKeyStoreOptions,
  type StoredKeySet,
} from './key-store.js';
export {
  createKeyManager,
  ROTATION_DELAY_RULE,
  type GenerateKeyOptions,
  type KeyInfo,
  type KeyManager,
  type KeyManagerOptions,
  type RetireKeyOptions,
  type RotateKeyOptions,
} from './key-manager.js';
export {
  createSigningKeyProvider,
  type SigningKey,
  type SigningKeyProvider,
  type SigningKeyProviderOptions,
} from './signing-key-provider.js';
export { buildJwks, createJwksHandler, type Jwks, type JwksEvent, type JwksHandlerOptions, type JwksResult, type PublishedJwk } from './jwks.js';
export {
  DEFAULT_ROTATION_DELAY_SEC,
  JWKS_FUNCTION_MAX_TTL_MS,
  JWKS_MAX_CACHE_CONTROL_SEC,
  MAX_TOKEN_LIFETIME_SEC,
  MIN_CANCEL_BEFORE_ACTIVATION_SEC,
  MIN_RETIRE_AFTER_SEC,
  MIN_ROTATION_DELAY_SEC,
  SIGNER_MAX_TTL_MS,
  VERIFIER_JWKS_MAX_AGE_SEC,
} from './rotation-policy.js';
