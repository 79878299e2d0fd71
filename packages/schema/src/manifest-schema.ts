/** The JSON Schema of `manifest.json`: structure only; cross-checks live in validate-manifest.ts. */
import { CSRF_ROUTE_NAME, DEFAULT_TOKEN_LIFETIME_SEC, ID_PATTERN, MAX_TOKEN_LIFETIME_SEC, PARAMETER_NAME_SOURCE } from '@tessera/protocol';
import type { AuthMode, OutboundAlg } from './types.js';

/**
 * HTTP methods a manifest function may accept.
 * @example
 * HTTP_METHODS.includes('GET') // true
 */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * Fixed outbound authentication modes (a manifest may also defer the choice to an iparam).
 * @example
 * AUTH_MODES.includes('jwt') // true
 */
export const AUTH_MODES = ['shared-secret', 'jwt'] as const satisfies readonly AuthMode[];

/** The built-in CSRF token route, from the protocol (a route name is part of the wire contract). */
export { CSRF_ROUTE_NAME };

/**
 * What a caller may present to a function.
 * @example
 * INBOUND_CREDENTIALS.includes('basic') // true
 */
export const INBOUND_CREDENTIALS = ['session', 'basic'] as const;

/**
 * Outbound JWT algorithms.
 * @example
 * OUTBOUND_ALGS.includes('EdDSA') // true
 */
export const OUTBOUND_ALGS = ['HS256', 'ES256', 'EdDSA'] as const satisfies readonly OutboundAlg[];

/**
 * An app id: also an SSM path segment, so never only dots (DESIGN.md, "SSM layout").
 * @example
 * APP_ID_PATTERN.test('order-lookup') // true
 */
export const APP_ID_PATTERN: RegExp = ID_PATTERN;

const TEMPLATE = `\\{\\{iparams\\.${PARAMETER_NAME_SOURCE}\\}\\}`;
const PATH = '(?:/[^\\s?#]*)?';
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const URL_HOST = '(?:[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?';
const PORT = '(?::[1-9][0-9]{0,4})?';

const stringList = { type: 'array', uniqueItems: true, items: { type: 'string', minLength: 1 } } as const;

const headerName = { type: 'string', pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" } as const;

/** `cors`: who may call the functions from a browser. Matching rules live in src/inbound (compileCorsPolicy). */
const corsSchema = {
  type: 'object',
  description: 'Cross-origin policy. Without it, no browser origin may call the functions.',
  additionalProperties: false,
  required: ['allowedOrigins'],
  properties: {
    allowedOrigins: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      description: 'Exact origins (scheme://host[:port]) or one-label wildcards (https://*.example.com).',
      items: { type: 'string', pattern: '^(\\*|https?://(\\*\\.)?[a-z0-9.-]+(:[0-9]{1,5})?|https?://\\[[0-9a-f:.]+\\](:[0-9]{1,5})?)$' },
    },
    allowCredentials: { type: 'boolean' },
    allowedHeaders: { type: 'array', uniqueItems: true, items: headerName },
    exposedHeaders: { type: 'array', uniqueItems: true, items: headerName },
    maxAgeSec: { type: 'integer', minimum: 0, maximum: 86400 },
    allowNoOrigin: { type: 'boolean' },
  },
} as const;

/** `session`: the product platform's session tokens (src/inbound, createSessionVerifier; the audience is the app id). */
const sessionSchema = {
  type: 'object',
  description: "The product platform's session token: where its keys are and who issues it.",
  additionalProperties: false,
  required: ['jwksUrl', 'issuer'],
  properties: {
    jwksUrl: { type: 'string', pattern: '^https?://' },
    issuer: { type: 'string', minLength: 1 },
    algorithms: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['RS256', 'ES256'] } },
    maxTokenAgeSec: { type: 'integer', minimum: 1, maximum: 3600 },
    clockToleranceSec: { type: 'integer', minimum: 0, maximum: 60 },
    installationClaim: { type: 'string', minLength: 1 },
    typ: { type: 'string', minLength: 1 },
  },
} as const;

const functionSchema = {
  type: 'object',
  description: 'A function the frontend may invoke.',
  required: ['methods'],
  additionalProperties: false,
  properties: {
    methods: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...HTTP_METHODS] } },
    scopes: { ...stringList, description: 'Scopes the session must carry.' },
    csrf: { type: 'boolean', description: 'Require a CSRF token (cookie or Basic credentials).' },
    credentials: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { enum: [...INBOUND_CREDENTIALS] },
      description: 'What a caller may present: the session token (default), HTTP Basic, or both.',
    },
  },
} as const;

/** `basic`: HTTP Basic for server-to-server callers; the user is the installation id, the password a secure iparam. */
const basicSchema = {
  type: 'object',
  description: 'HTTP Basic credentials for functions whose `credentials` list "basic".',
  additionalProperties: false,
  required: ['passwordIparam'],
  properties: {
    passwordIparam: { type: 'string', pattern: '^[A-Za-z0-9_]{1,64}$' },
    realm: { type: 'string', pattern: '^[ !#-\\[\\]-~]{1,128}$' },
  },
} as const;

const authSchema = {
  type: 'object',
  required: ['mode', 'secretIparam'],
  additionalProperties: false,
  properties: {
    mode: {
      type: 'string',
      pattern: `^(?:shared-secret|jwt|${TEMPLATE})$`,
      patternErrorMessage: 'must be shared-secret, jwt or an {{iparams.<name>}} template',
      description: '`shared-secret`, `jwt`, or `{{iparams.<name>}}` naming a dropdown/radio of those.',
    },
    secretIparam: {
      type: 'string',
      pattern: '^[A-Za-z0-9_]{1,64}$',
      patternErrorMessage: 'must be an iparam name (1 to 64 letters, digits or underscores)',
      description: 'The secure iparam holding the shared secret.',
    },
    header: {
      type: 'string',
      maxLength: 128,
      pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
      patternErrorMessage: 'must be a valid HTTP header name',
      default: 'X-Tessera-Secret',
      description: 'Header carrying the secret in shared-secret mode.',
    },
    alg: { type: 'string', enum: [...OUTBOUND_ALGS], default: 'HS256', description: 'JWT algorithm.' },
    tokenLifetimeSec: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_TOKEN_LIFETIME_SEC,
      default: DEFAULT_TOKEN_LIFETIME_SEC,
      description: 'JWT lifetime.',
    },
  },
} as const;

const customerSchema = {
  type: 'object',
  required: ['baseUrl', 'allowedHosts', 'auth'],
  additionalProperties: false,
  properties: {
    baseUrl: {
      type: 'string',
      maxLength: 2048,
      pattern: `^(?:https://${URL_HOST}${PATH}|${TEMPLATE}${PATH})$`,
      patternErrorMessage: 'must be an https:// URL or an {{iparams.<name>}} template, optionally followed by a path',
      description: 'The customer server, usually `{{iparams.<url field>}}`.',
    },
    allowedHosts: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: {
        type: 'string',
        pattern: `^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*${PORT}$`,
        patternErrorMessage: 'must be a lower-case host or *.host (one leading label), optionally with :port; no scheme, path or bare *',
      },
      description: 'Hosts outbound calls may reach: `api.example.com`, `*.example.com`, optionally `:port`.',
    },
    auth: authSchema,
    timeoutMs: { type: 'integer', minimum: 1, maximum: 60000, default: 5000, description: 'Per-call timeout.' },
    maxResponseBytes: {
      type: 'integer',
      minimum: 1,
      maximum: 10485760,
      default: 1048576,
      description: 'Largest response body accepted.',
    },
  },
} as const;

/**
 * JSON Schema (draft-07) of `manifest.json`, also written to `schema/manifest.schema.json` for editors.
 * @example
 * new Ajv().compile(MANIFEST_JSON_SCHEMA)
 */
export const MANIFEST_JSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Tessera app manifest (manifest.json)',
  type: 'object',
  required: ['app', 'functions', 'customer'],
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    app: {
      type: 'object',
      required: ['id', 'version'],
      additionalProperties: false,
      properties: {
        id: {
          type: 'string',
          pattern: APP_ID_PATTERN.source,
          patternErrorMessage: 'must be 1 to 64 of a-z, 0-9, _ . - and not only dots',
        },
        version: {
          type: 'string',
          maxLength: 64,
          pattern: '^(?:0|[1-9][0-9]*)\\.(?:0|[1-9][0-9]*)\\.(?:0|[1-9][0-9]*)(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?$',
          patternErrorMessage: 'must be a semantic version such as 1.2.3',
        },
        name: { type: 'string', minLength: 1, maxLength: 200 },
      },
    },
    functions: {
      type: 'object',
      propertyNames: {
        pattern: '^[A-Za-z][A-Za-z0-9_]{0,63}$',
        patternErrorMessage: 'is not a valid function name: a letter, then up to 63 letters, digits or underscores',
      },
      additionalProperties: functionSchema,
    },
    customer: customerSchema,
    cors: corsSchema,
    session: sessionSchema,
    basic: basicSchema,
    platform: { type: 'object', description: 'Product platform settings (validated by a later version).' },
  },
} as const;
