/** The app's published JWKS: the document builder and the Lambda handler behind `GET /.well-known/jwks.json`. */
import { assertKnownOptions } from '@tessera/protocol';
import { TesseraError, InboundError } from '@tessera/protocol/errors';
import { createJsonLogger, type Logger } from '@tessera/protocol/log';
import type { KeySetDocument, PublicKeyJwk, SigningAlg } from './_document.js';
import { publicMembers } from './_key-material.js';
import { createKeySetCache } from './_key-set-cache.js';
import { signingKeysParameterName, SsmKeyStore, type KeyStore } from './key-store.js';
import { JWKS_FUNCTION_MAX_TTL_MS, JWKS_MAX_CACHE_CONTROL_SEC } from './rotation-policy.js';

/** One published key: public members only, plus `kid`, `alg` and `use`. */
export type PublishedJwk = PublicKeyJwk & { kid: string; alg: SigningAlg; use: 'sig' };

/** What `/.well-known/jwks.json` answers (RFC 7517 §5). */
export interface Jwks {
  keys: PublishedJwk[];
}

/**
 * Every key of the document (next, current and previous until retired), newest activation first, built from an
 * allowlist of public members so no private part can reach the output.
 * @example
 * const jwks = buildJwks(stored.document);
 */
export function buildJwks(document: KeySetDocument): Jwks {
  const keys = [...document.keys].sort((a, b) => Date.parse(b.activatesAt) - Date.parse(a.activatesAt));
  return { keys: keys.map((k) => ({ ...publicMembers(k.publicJwk), kid: k.kid, alg: k.alg, use: 'sig' as const })) };
}

/** The part of an API Gateway (payload v2) event the handler reads. */
export interface JwksEvent {
  requestContext?: { http?: { method?: string } };
}

/** A Lambda proxy (payload v2) result. */
export interface JwksResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface JwksHandlerOptions {
  appId: string;
  /** Where the key set lives. Default `new SsmKeyStore()`. */
  store?: KeyStore;
  /** How long the function reuses the document it read, in ms. Default 30,000; at most 60,000. */
  ttlMs?: number;
  /** `Cache-Control: max-age` of the answer, in s. Default 60; at most 60 (see MIN_ROTATION_DELAY_SEC). */
  cacheMaxAgeSec?: number;
  logger?: Logger;
  /** Clock in epoch ms, for tests. Default `Date.now`. */
  now?: () => number;
}

const DEFAULTS = { ttlMs: 30_000, cacheMaxAgeSec: JWKS_MAX_CACHE_CONTROL_SEC } as const satisfies Required<
  Pick<JwksHandlerOptions, 'ttlMs' | 'cacheMaxAgeSec'>
>;
const OPTION_KEYS = new Set(['appId', 'store', 'ttlMs', 'cacheMaxAgeSec', 'logger', 'now']);

function bounded(name: string, value: number, max: number): number {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new TypeError(`createJwksHandler: ${name} must be an integer from 0 to ${max} (the rotation delay assumes it)`);
  }
  return value;
}

/**
 * The JWKS function. The rotation delay (at least MIN_ROTATION_DELAY_SEC) is longer than this function's cache
 * (`ttlMs`) plus the answer's `max-age` plus a verifier's own 300 s cache, so every verifier holds the next key
 * before anything signs with it.
 * @example
 * export const handler = createJwksHandler({ appId: 'order-lookup' });
 */
export function createJwksHandler(options: JwksHandlerOptions): (event?: JwksEvent) => Promise<JwksResult> {
  assertKnownOptions('createJwksHandler', options, OPTION_KEYS);
  const { appId } = options;
  signingKeysParameterName(appId); // a bad app id is a TypeError at construction, not per request
  const ttlMs = bounded('ttlMs', options.ttlMs ?? DEFAULTS.ttlMs, JWKS_FUNCTION_MAX_TTL_MS);
  const maxAgeSec = bounded('cacheMaxAgeSec', options.cacheMaxAgeSec ?? DEFAULTS.cacheMaxAgeSec, JWKS_MAX_CACHE_CONTROL_SEC);
  const store = options.store ?? new SsmKeyStore();
  const logger = options.logger ?? createJsonLogger({ base: { component: 'jwks' } });
  const cache = createKeySetCache(appId, store, ttlMs, options.now ?? Date.now);
  const okHeaders = { 'content-type': 'application/json', 'cache-control': `public, max-age=${maxAgeSec}` };
  // Refusals must not be cached: a verifier retrying after an outage gets the keys, not the error.
  const errorHeaders = { 'cache-control': 'no-store' };
  let rendered: { version: number; body: string } | undefined;

  return async (event) => {
    const method = event?.requestContext?.http?.method?.toUpperCase() ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      return new InboundError('ERR_METHOD_NOT_ALLOWED').toResponse({ ...errorHeaders, allow: 'GET, HEAD' });
    }
    try {
      const set = await cache.load();
      if (rendered?.version !== set.version || set.version === 0) {
        rendered = { version: set.version, body: JSON.stringify(buildJwks(set.document)) };
      }
      return { statusCode: 200, headers: okHeaders, body: method === 'HEAD' ? '' : rendered.body };
    } catch (err) {
      const known = err instanceof TesseraError ? err : new InboundError('ERR_INTERNAL', { cause: err });
      logger.log('error', 'keys.jwks_failed', { appId, code: known.code, error: err });
      return known.toResponse(errorHeaders);
    }
  };
}
