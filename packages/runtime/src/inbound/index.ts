/** Inbound: what guards a function invoked from the product frontend: CORS and the session token. */
export {
  checkActualRequest,
  compileCorsPolicy,
  handlePreflight,
  isPreflightRequest,
  type CorsConfig,
  type CorsFunctions,
  type CorsHeaders,
  type CorsPolicy,
  type CorsResponse,
} from './cors.js';
export {
  createSessionVerifier,
  type JwksFetcher,
  type Session,
  type SessionAlgorithm,
  type SessionVerifier,
  type SessionVerifierOptions,
} from './session.js';
export {
  createCsrfGuard,
  csrfResponse,
  type CsrfGuard,
  type CsrfGuardOptions,
  type CsrfIssueResult,
} from './csrf.js';
export { readHeader } from './_request-parts.js';
export { createBasicGuard, type BasicGuard, type BasicGuardOptions, type BasicResult, type BasicUsers } from './basic.js';
