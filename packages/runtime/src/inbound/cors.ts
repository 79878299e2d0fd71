/** CORS for functions the product frontend invokes: one policy compiled from the manifest, preflights, actual requests. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { InboundError } from '@tessera/protocol/errors';
import type { ManifestCors } from '@tessera/schema';
import { matchesPattern, parseOrigin, parseOriginPattern, type OriginPattern } from '@tessera/protocol';
import { readHeader } from './_request-parts.js';

/** The manifest's `cors` section, as `compileCorsPolicy` takes it. Without one, no cross-origin request is allowed at all. */
export type CorsConfig = ManifestCors;

/** The functions CORS answers for, by name, with the methods each declares (the manifest's `functions`). */
export type CorsFunctions = Readonly<Record<string, { readonly methods: readonly string[] }>>;

/** A compiled, frozen CORS policy; obtain one from {@link compileCorsPolicy}, which is the only way to make one. */
export interface CorsPolicy {
  /** False when the manifest has no `cors` section: every request carrying an Origin is refused. */
  readonly enabled: boolean;
  readonly allowedOrigins: readonly string[];
  readonly allowCredentials: boolean;
  /** Lower case. */
  readonly allowedHeaders: readonly string[];
  /** Lower case. */
  readonly exposedHeaders: readonly string[];
  readonly maxAgeSec: number;
  readonly allowNoOrigin: boolean;
  /** The methods each function declares, as preflights are answered with them. */
  readonly functions: Readonly<Record<string, readonly string[]>>;
}

/** Headers to merge into a response; names are lower case. */
export type CorsHeaders = Readonly<Record<string, string>>;

/** A Lambda proxy (payload v2) response. */
export interface CorsResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const DEFAULTS = {
  allowCredentials: false,
  allowedHeaders: ['authorization', 'content-type', 'x-csrf-token'],
  exposedHeaders: [],
  maxAgeSec: 600,
  allowNoOrigin: true,
} as const satisfies Required<Omit<CorsConfig, 'allowedOrigins'>>;

const CONFIG_KEYS = new Set(['allowedOrigins', 'allowCredentials', 'allowedHeaders', 'exposedHeaders', 'maxAgeSec', 'allowNoOrigin']);
const MAX_AGE_SEC_LIMIT = 86_400;
// RFC 9110 §5.6.2 token: header names and method names.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const METHOD = /^[A-Z]+$/;
// A browser asks for a handful of headers; a list longer than this is not a browser's.
const MAX_REQUEST_HEADERS_CHARS = 4096;
const MAX_REQUEST_HEADERS = 64;
const VARY_ORIGIN = 'Origin';
// A preflight answer depends on all three request headers (RFC 9110 §12.5.5), so caches must key on them.
const VARY_PREFLIGHT = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';

interface Compiled {
  patterns: readonly OriginPattern[];
  allowedHeaders: ReadonlySet<string>;
  methods: ReadonlyMap<string, ReadonlySet<string>>;
  /** Actual-request answers by Origin value, bounded: frozen headers, or the refusal's reason. */
  answers: Map<string, CorsHeaders | string>;
}

// Keyed by the frozen policy object so a hand-built look-alike cannot pass as a compiled policy.
const compiled = new WeakMap<CorsPolicy, Compiled>();

/** An origin refusal whose response still carries `Vary: Origin`, whoever turns it into a response. */
class OriginRefusal extends InboundError {
  override toResponse(headers: Record<string, string> = {}): CorsResponse {
    return super.toResponse({ vary: VARY_ORIGIN, ...headers });
  }
}

function fail(rule: string): never {
  throw new TypeError(`cors: ${rule}`);
}

function readBoolean(config: Record<string, unknown>, key: 'allowCredentials' | 'allowNoOrigin'): boolean {
  const v = config[key];
  if (v === undefined) return DEFAULTS[key];
  if (typeof v !== 'boolean') fail(`${key} must be true or false`);
  return v;
}

function readHeaderNames(config: Record<string, unknown>, key: 'allowedHeaders' | 'exposedHeaders'): string[] {
  const v = config[key];
  if (v === undefined) return [...DEFAULTS[key]];
  if (!Array.isArray(v)) fail(`${key} must be an array of header names`);
  const names = v.map((h: unknown, i) => {
    if (typeof h !== 'string' || !TOKEN.test(h) || h === '*') fail(`${key}[${i}] must be a header name (no "*")`);
    return h.toLowerCase();
  });
  if (new Set(names).size !== names.length) fail(`${key} must not list a header twice`);
  return names;
}

function readMaxAgeSec(config: Record<string, unknown>): number {
  const v = config.maxAgeSec;
  if (v === undefined) return DEFAULTS.maxAgeSec;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_AGE_SEC_LIMIT) {
    fail(`maxAgeSec must be an integer from 0 to ${MAX_AGE_SEC_LIMIT}`);
  }
  return v;
}

function readOrigins(config: Record<string, unknown>, allowCredentials: boolean): { raw: string[]; patterns: OriginPattern[] } {
  const v = config.allowedOrigins;
  if (!Array.isArray(v)) fail('allowedOrigins must be an array of origins');
  const raw = v.map((o: unknown, i) => (typeof o === 'string' ? o : fail(`allowedOrigins[${i}] must be a string`)));
  if (new Set(raw).size !== raw.length) fail('allowedOrigins must not list an origin twice');
  const patterns = raw.map((o, i): OriginPattern => {
    // Sandboxed iframes, file: pages and redirects all send `null`, so allowing it would allow them all.
    if (o === 'null') fail(`allowedOrigins[${i}] must not be "null"`);
    if (o === '*') {
      if (allowCredentials) fail('allowedOrigins "*" cannot be combined with allowCredentials');
      if (raw.length > 1) fail('allowedOrigins "*" must be the only entry');
      return { kind: 'any' };
    }
    const p = parseOriginPattern(o);
    return 'rule' in p ? fail(`allowedOrigins[${i}] ${p.rule}`) : p;
  });
  return { raw, patterns };
}

function readFunctions(functions: CorsFunctions): Map<string, ReadonlySet<string>> {
  if (typeof functions !== 'object' || functions === null) fail('functions must be the manifest functions object');
  const out = new Map<string, ReadonlySet<string>>();
  for (const [name, fn] of Object.entries(functions)) {
    const methods: unknown = fn?.methods;
    if (!Array.isArray(methods) || methods.length === 0) fail(`function "${name}" must declare methods`);
    for (const m of methods) {
      if (typeof m !== 'string' || !METHOD.test(m) || m === 'OPTIONS') fail(`function "${name}" has an invalid method`);
    }
    out.set(name, new Set(methods as string[]));
  }
  return out;
}

/**
 * Validates the manifest's `cors` section once and compiles it; a bad entry is a `TypeError` naming the rule.
 * Pass `undefined` when the manifest has no `cors` section: the policy then refuses every cross-origin request.
 * @example
 * const policy = compileCorsPolicy({ allowedOrigins: ['https://*.product.example'] }, manifest.functions);
 */
export function compileCorsPolicy(config: CorsConfig | undefined, functions: CorsFunctions): CorsPolicy {
  const methods = readFunctions(functions);
  const raw = (config ?? { allowedOrigins: [] }) as unknown as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('config must be an object');
  for (const key of Object.keys(raw)) if (!CONFIG_KEYS.has(key)) fail(`unknown option "${key}"`);
  const allowCredentials = readBoolean(raw, 'allowCredentials');
  const origins = readOrigins(raw, allowCredentials);
  const allowedHeaders = readHeaderNames(raw, 'allowedHeaders');
  const policy: CorsPolicy = Object.freeze({
    enabled: config !== undefined,
    allowedOrigins: Object.freeze(origins.raw),
    allowCredentials,
    allowedHeaders: Object.freeze(allowedHeaders),
    exposedHeaders: Object.freeze(readHeaderNames(raw, 'exposedHeaders')),
    maxAgeSec: readMaxAgeSec(raw),
    allowNoOrigin: readBoolean(raw, 'allowNoOrigin'),
    functions: Object.freeze(Object.fromEntries([...methods].map(([n, m]) => [n, Object.freeze([...m])]))),
  });
  compiled.set(policy, { patterns: origins.patterns, allowedHeaders: new Set(allowedHeaders), methods, answers: new Map() });
  return policy;
}

/** Origins whose answers are kept; past it the oldest is dropped (an attacker's stream of origins costs only parses). */
const MAX_CACHED_ORIGINS = 256;

function internals(policy: CorsPolicy): Compiled {
  const c = compiled.get(policy);
  if (!c) throw new TypeError('cors: policy must come from compileCorsPolicy');
  return c;
}

/** The value for `Access-Control-Allow-Origin` if `origin` is allowed, else undefined. */
function allowOrigin(policy: CorsPolicy, c: Compiled, origin: string): string | undefined {
  if (!policy.enabled) return undefined;
  const parsed = parseOrigin(origin);
  if (!parsed) return undefined;
  const hit = c.patterns.find((p) => matchesPattern(p, parsed));
  if (!hit) return undefined;
  // `*` is only ever compiled without credentials, so a literal `*` is never sent beside them.
  return hit.kind === 'any' ? '*' : origin;
}

/** The requested header names, lower case, or undefined if the list is malformed or oversized. */
function parseRequestHeaders(value: string | undefined): string[] | undefined {
  if (value === undefined) return [];
  if (value.length > MAX_REQUEST_HEADERS_CHARS) return undefined;
  const names = value
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  if (names.length > MAX_REQUEST_HEADERS || names.some((h) => !TOKEN.test(h))) return undefined;
  return [...new Set(names)];
}

function refusePreflight(reason: string): CorsResponse {
  // No Access-Control-* header at all: the browser then blocks the actual request itself.
  return new InboundError('ERR_PREFLIGHT_REFUSED', { cause: reason }).toResponse({ vary: VARY_PREFLIGHT });
}

/**
 * Answers an OPTIONS preflight for one function without running it: 204 with the allow headers, or 403
 * `ERR_PREFLIGHT_REFUSED` with `Vary` and no `Access-Control-*` header when the origin, the requested method or any
 * requested header is not allowed. `functionName` must be one the policy was compiled with.
 * @example
 * if (isPreflightRequest(event)) return handlePreflight(policy, 'getOrder', event);
 */
export function handlePreflight(policy: CorsPolicy, functionName: string, event: APIGatewayProxyEventV2): CorsResponse {
  const c = internals(policy);
  const declared = c.methods.get(functionName);
  if (!declared) throw new TypeError(`cors: function "${functionName}" is not in the policy`);
  if (event.requestContext?.http?.method !== 'OPTIONS') return refusePreflight('not an OPTIONS request');
  const origin = readHeader(event, 'origin');
  if (origin === undefined) return refusePreflight('no Origin');
  const allowed = allowOrigin(policy, c, origin);
  if (allowed === undefined) return refusePreflight('origin not allowed');
  // Method names are case-sensitive (RFC 9110 §9.1); browsers upper-case only the standard ones, so `patch` stays.
  const method = readHeader(event, 'access-control-request-method');
  if (method === undefined || !declared.has(method)) return refusePreflight('method not declared');
  const requested = parseRequestHeaders(readHeader(event, 'access-control-request-headers'));
  if (requested === undefined) return refusePreflight('request headers malformed');
  if (requested.some((h) => !c.allowedHeaders.has(h))) return refusePreflight('header not allowed');

  const headers: Record<string, string> = {
    'access-control-allow-origin': allowed,
    vary: VARY_PREFLIGHT,
    'access-control-allow-methods': [...declared].join(', '),
    'access-control-max-age': String(policy.maxAgeSec),
  };
  if (requested.length > 0) headers['access-control-allow-headers'] = requested.join(', ');
  if (policy.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  return { statusCode: 204, headers, body: '' };
}

/** The answer for every request without an Origin: one frozen object, not one per request. */
const NO_ORIGIN_HEADERS: CorsHeaders = Object.freeze({ vary: VARY_ORIGIN });

/**
 * Checks the Origin of an actual (non-preflight) request before the function runs. Returns the headers to add to
 * whatever response follows, including error responses; throws `InboundError` `ERR_ORIGIN_NOT_ALLOWED` (403) for a
 * disallowed or malformed Origin, whose `toResponse()` carries `Vary: Origin`. Without an Origin header the
 * policy's `allowNoOrigin` decides.
 * @example
 * const corsHeaders = checkActualRequest(policy, event); // throws before the handler on a foreign origin
 */
export function checkActualRequest(policy: CorsPolicy, event: APIGatewayProxyEventV2): CorsHeaders {
  const c = internals(policy);
  const origin = readHeader(event, 'origin');
  if (origin === undefined) {
    if (policy.allowNoOrigin) return NO_ORIGIN_HEADERS;
    throw refusal('no Origin and allowNoOrigin is false');
  }
  // A product calls from a handful of origins: parsing each one (a WHATWG URL parse) once per instance is enough.
  let answer = c.answers.get(origin);
  if (answer === undefined) {
    answer = answerFor(policy, c, origin);
    if (c.answers.size >= MAX_CACHED_ORIGINS) c.answers.delete(c.answers.keys().next().value as string);
    c.answers.set(origin, answer);
  }
  if (typeof answer === 'string') throw refusal(answer);
  return answer;
}

/** The frozen headers for an allowed origin, or the refusal's reason. */
function answerFor(policy: CorsPolicy, c: Compiled, origin: string): CorsHeaders | string {
  const allowed = allowOrigin(policy, c, origin);
  if (allowed === undefined) return policy.enabled ? 'origin not allowed' : 'no cors section in the manifest';
  const headers: Record<string, string> = { 'access-control-allow-origin': allowed, vary: VARY_ORIGIN };
  if (policy.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  if (policy.exposedHeaders.length > 0) headers['access-control-expose-headers'] = policy.exposedHeaders.join(', ');
  return Object.freeze(headers);
}

/** The cause names the rule only: the Origin value is request input and stays out of logs. */
function refusal(reason: string): InboundError {
  return new OriginRefusal('ERR_ORIGIN_NOT_ALLOWED', { cause: reason });
}

/**
 * True for a CORS preflight: an OPTIONS request carrying `Access-Control-Request-Method`.
 * @example
 * if (isPreflightRequest(event)) return handlePreflight(policy, name, event);
 */
export function isPreflightRequest(event: APIGatewayProxyEventV2): boolean {
  return event.requestContext?.http?.method === 'OPTIONS' && readHeader(event, 'access-control-request-method') !== undefined;
}
