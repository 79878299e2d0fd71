/** Validates verifier options once, at construction, and resolves them with their defaults. */
import { createJsonLogger, type Logger } from '@tessera/protocol/log';
import { checkJwksUrl, DEFAULT_SECRET_HEADER, ID_RULE, isId, withDefaults } from '@tessera/protocol';
import { importPublicJwk, type ImportedKey } from './_jwk.js';
import type { WindowedSecret } from './_secret-window.js';
import { MemoryReplayStore, type ReplayStore } from './replay-store.js';
import { ANY_INSTALLATION, type AsymmetricAlgorithm, type VerifierAlgorithm, type VerifierMode, type VerifierOptions } from './verifier-options.js';

/** Where the keys of a JWT verifier come from: the shared secrets (HS256), static public keys, or a JWKS URL. */
export type KeyConfig = { kind: 'secrets' } | { kind: 'static'; keys: readonly ImportedKey[] } | { kind: 'jwks'; url: URL };

/** Options after validation and defaults. */
export interface ResolvedOptions {
  mode: VerifierMode;
  /** Empty for a public-key verifier. */
  secrets: readonly WindowedSecret[];
  header: string;
  publicOrigin: string;
  issuer: readonly string[];
  algorithms: readonly VerifierAlgorithm[];
  keyConfig: KeyConfig;
  /** Whether a verified `sub` is an installation this server serves; undefined: not pinned (HS256 without the option, or the opt-out). */
  servesInstallation: ((installationId: string) => boolean) | undefined;
  maxTokenAgeSec: number;
  clockToleranceSec: number;
  replayStore: ReplayStore;
  logger: Logger;
  now: () => number;
}

const DEFAULTS = {
  header: DEFAULT_SECRET_HEADER,
  algorithms: ['HS256'],
  maxTokenAgeSec: 60,
  clockToleranceSec: 5,
  logger: undefined,
  now: Date.now,
  replayStore: undefined,
  allowLoopbackHttp: false,
} as const;

const COMMON_KEYS = new Set(['mode', 'secrets', 'publicOrigin', 'logger', 'now']);
const MODE_KEYS: Record<VerifierMode, ReadonlySet<string>> = {
  'shared-secret': new Set(['header']),
  jwt: new Set([
    'issuer',
    'algorithms',
    'maxTokenAgeSec',
    'clockToleranceSec',
    'replayStore',
    'jwksUrl',
    'keys',
    'allowLoopbackHttp',
    'installationId',
  ]),
};
const ASYMMETRIC: ReadonlySet<string> = new Set<AsymmetricAlgorithm>(['ES256', 'EdDSA']);
const SUPPORTED_ALGORITHMS: ReadonlySet<string> = new Set<VerifierAlgorithm>(['HS256', ...(ASYMMETRIC as Set<AsymmetricAlgorithm>)]);
const MIX_REFUSED =
  'HS256 (shared secrets) and ES256/EdDSA (public keys) cannot be mixed in one verifier: an HMAC keyed with a public ' +
  'key is the classic algorithm-confusion attack; build one verifier per kind';
const MIN_SECRET_BYTES = 32;
const MAX_TOKEN_AGE_SEC = 3600;
const MAX_CLOCK_TOLERANCE_SEC = 60;
/** RFC 9110 §5.1 field-name: a token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 3339 §5.6 date-time: a time zone is required, so a `notAfter` never depends on the server's local zone. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;
const SECRET_ENTRY_KEYS: ReadonlySet<string> = new Set(['secret', 'notAfter']);

function fail(rule: string): never {
  throw new TypeError(`createVerifier: ${rule}`);
}

function checkKeys(options: object, mode: VerifierMode): void {
  for (const [key, value] of Object.entries(options)) {
    // An explicit `undefined` is an absent option (config objects are often spread together).
    if (value === undefined || COMMON_KEYS.has(key) || MODE_KEYS[mode].has(key)) continue;
    const otherMode = mode === 'jwt' ? 'shared-secret' : 'jwt';
    if (MODE_KEYS[otherMode].has(key)) fail(`option "${key}" applies only to mode "${otherMode}"`);
    fail(`unknown option "${key}"`);
  }
}

function checkNotAfter(name: string, value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' && ISO_DATE_TIME.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) fail(`option "${name}" must be a Date or an ISO 8601 date-time with a time zone`);
  return ms;
}

function checkSecrets(secrets: unknown, nowMs: number): readonly WindowedSecret[] {
  if (!Array.isArray(secrets) || secrets.length < 1 || secrets.length > 2) {
    fail('option "secrets" must hold the current secret and at most one previous secret');
  }
  const resolved = secrets.map((entry: unknown, i): WindowedSecret => {
    const windowed = typeof entry === 'object' && entry !== null;
    if (windowed) {
      for (const key of Object.keys(entry)) if (!SECRET_ENTRY_KEYS.has(key)) fail(`option "secrets[${i}]" has an unknown key "${key}"`);
    }
    const secret = windowed ? (entry as { secret?: unknown }).secret : entry;
    // The rule only, never the value or its length: a secret's length is a hint to its owner's attacker.
    if (typeof secret !== 'string' || Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
      fail(`option "secrets[${i}]" must be a string of at least ${MIN_SECRET_BYTES} bytes, or { secret, notAfter }`);
    }
    const notAfterMs = windowed ? checkNotAfter(`secrets[${i}].notAfter`, (entry as { notAfter?: unknown }).notAfter) : Infinity;
    return { secret, notAfterMs };
  });
  if (resolved.every((s) => s.notAfterMs < nowMs)) fail('every entry of option "secrets" is past its notAfter');
  return Object.freeze(resolved);
}

function checkOrigin(value: unknown): string {
  if (typeof value !== 'string') fail('option "publicOrigin" is required, e.g. "https://orders.acme.com"');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail('option "publicOrigin" must be an absolute URL origin, e.g. "https://orders.acme.com"');
  }
  // Checked on the text too: WHATWG parsing drops an empty `?` or `#`, which would hide a copy-paste mistake.
  const afterScheme = value.slice(value.indexOf('//') + 2).replace(/\/$/, '');
  const bare = !/[/?#]/.test(afterScheme) && url.username === '' && url.password === '';
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !bare) {
    fail('option "publicOrigin" must be scheme://host[:port] with no path, query or credentials');
  }
  return url.origin;
}

function checkSeconds(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(`option "${name}" must be a number of seconds from ${min} to ${max}`);
  }
  return value;
}

function checkIssuer(value: unknown): readonly string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((v) => typeof v !== 'string' || v === '')) {
    fail('option "issuer" is required in mode "jwt": the app id, or a list of app ids');
  }
  return Object.freeze([...(list as string[])]);
}

const INSTALLATION_REQUIRED =
  'option "installationId" is required with app keys (ES256/EdDSA): every customer verifies the same public key, so ' +
  'without it a token the app signed for another installation is accepted here. Give the id(s) this server serves, ' +
  'a predicate, or ANY_INSTALLATION ("*") to accept every installation knowingly';

/**
 * The installation pin: one id, a list, a predicate (only `true` serves), or the explicit opt-out. Required with app
 * keys, optional with HS256 (the secret already belongs to one installation).
 */
function checkInstallation(value: unknown, keyConfig: KeyConfig): ResolvedOptions['servesInstallation'] {
  if (value === undefined) {
    if (keyConfig.kind !== 'secrets') fail(INSTALLATION_REQUIRED);
    return undefined;
  }
  if (value === ANY_INSTALLATION) return undefined;
  if (typeof value === 'function') {
    const predicate = value as (installationId: string) => unknown;
    return (id) => {
      try {
        return predicate(id) === true;
      } catch {
        // A failing predicate serves no one: fail closed.
        return false;
      }
    };
  }
  if (typeof value === 'string') {
    if (!isId(value)) fail(`option "installationId" ${ID_RULE}, or be ANY_INSTALLATION ("*")`);
    return (id) => id === value;
  }
  if (!Array.isArray(value) || value.length === 0) {
    fail('option "installationId" must be an installation id, a non-empty list of ids, a predicate, or ANY_INSTALLATION ("*")');
  }
  for (const [i, id] of value.entries()) {
    if (id === ANY_INSTALLATION) fail(`option "installationId[${i}]" is "*": give ANY_INSTALLATION alone, not in a list`);
    if (!isId(id)) fail(`option "installationId[${i}]" ${ID_RULE}`);
  }
  const served: ReadonlySet<string> = new Set(value as string[]);
  return (id) => served.has(id);
}

function checkAlgorithms(value: unknown): readonly VerifierAlgorithm[] {
  if (!Array.isArray(value) || value.length === 0) fail('option "algorithms" must be a non-empty list');
  for (const alg of value) {
    if (!SUPPORTED_ALGORITHMS.has(alg as string)) {
      fail(`algorithm "${String(alg)}" is not supported; supported: ${[...SUPPORTED_ALGORITHMS].join(', ')}`);
    }
  }
  const hs = value.includes('HS256');
  if (hs && value.some((alg) => ASYMMETRIC.has(alg as string))) fail(MIX_REFUSED);
  return Object.freeze([...(value as VerifierAlgorithm[])]);
}

function checkJwksOption(value: unknown, allowLoopbackHttp: unknown): URL {
  if (typeof allowLoopbackHttp !== 'boolean') fail('option "allowLoopbackHttp" must be a boolean');
  if (typeof value !== 'string') fail('option "jwksUrl" must be a string, e.g. "https://app.example.com/.well-known/jwks.json"');
  const checked = checkJwksUrl(value, allowLoopbackHttp);
  if (typeof checked === 'string') fail(`option "jwksUrl" ${checked.replace('in local development', 'with allowLoopbackHttp: true')}`);
  return checked;
}

function checkStaticKeys(value: unknown, algorithms: readonly VerifierAlgorithm[]): readonly ImportedKey[] {
  if (!Array.isArray(value) || value.length === 0) fail('option "keys" must be a non-empty list of public JWKs');
  const pinned = new Set(algorithms as readonly AsymmetricAlgorithm[]);
  const kids = new Set<string>();
  return Object.freeze(
    value.map((jwk: unknown, i) => {
      const imported = importPublicJwk(jwk, pinned);
      if ('rule' in imported) fail(`option "keys[${i}]" ${imported.rule}`);
      if (kids.has(imported.kid)) fail(`option "keys[${i}]" repeats a kid: each key needs its own`);
      kids.add(imported.kid);
      return imported;
    }),
  );
}

/**
 * Where a JWT verifier's keys come from. Refuses at construction every mix of shared secrets and public keys, so a
 * configuration mistake can never let a token pick HS256 over a public key.
 */
function checkKeyConfig(given: Record<string, unknown>, algorithms: readonly VerifierAlgorithm[], allowLoopbackHttp: unknown): KeyConfig {
  const { jwksUrl, keys, secrets } = given;
  const publicKeys = jwksUrl !== undefined || keys !== undefined;
  if (jwksUrl !== undefined && keys !== undefined) fail('options "jwksUrl" and "keys" are exclusive: give one');
  if (publicKeys && given.algorithms === undefined) {
    fail('option "algorithms" is required with "jwksUrl" or "keys": ["ES256"], ["EdDSA"] or both');
  }
  if (given.allowLoopbackHttp !== undefined && jwksUrl === undefined) fail('option "allowLoopbackHttp" applies only with "jwksUrl"');
  if (algorithms.includes('HS256')) {
    if (publicKeys) fail(MIX_REFUSED);
    return { kind: 'secrets' };
  }
  if (secrets !== undefined) fail(MIX_REFUSED);
  if (!publicKeys) fail('algorithms ES256/EdDSA need the app\'s public keys: option "jwksUrl" or "keys"');
  if (keys !== undefined) return { kind: 'static', keys: checkStaticKeys(keys, algorithms) };
  return { kind: 'jwks', url: checkJwksOption(jwksUrl, allowLoopbackHttp) };
}

/** Validates `options` (TypeError on misuse) and applies the defaults. */
export function resolveOptions(options: VerifierOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const mode = (options as { mode?: unknown }).mode;
  if (mode !== 'shared-secret' && mode !== 'jwt') fail('option "mode" must be "shared-secret" or "jwt"');
  checkKeys(options, mode);
  // The key options are read as given: a default must not stand in for a missing key source.
  const given = withDefaults({}, options) as Record<string, unknown>;
  const merged = withDefaults(DEFAULTS, options) as unknown as Omit<Partial<ResolvedOptions>, 'issuer'> & {
    issuer?: unknown;
    secrets?: unknown;
    allowLoopbackHttp?: unknown;
  };

  const header = merged.header;
  if (typeof header !== 'string' || !HEADER_NAME.test(header)) fail('option "header" must be an HTTP header name');
  if (header.toLowerCase() === 'authorization') fail('option "header" must not be Authorization');
  if (typeof merged.now !== 'function') fail('option "now" must be a function returning epoch milliseconds');
  if (merged.logger !== undefined && typeof merged.logger?.log !== 'function') fail('option "logger" must be a Logger');
  if (merged.replayStore !== undefined && typeof merged.replayStore?.remember !== 'function') {
    fail('option "replayStore" must implement remember(key, expiresAtSec)');
  }
  const rememberSync: unknown = (merged.replayStore as { rememberSync?: unknown } | undefined)?.rememberSync;
  if (rememberSync !== undefined && typeof rememberSync !== 'function') {
    fail('option "replayStore" has a rememberSync that is not a function');
  }
  const now = merged.now;
  const algorithms = checkAlgorithms(merged.algorithms);
  const keyConfig: KeyConfig = mode === 'jwt' ? checkKeyConfig(given, algorithms, merged.allowLoopbackHttp) : { kind: 'secrets' };
  return {
    mode,
    secrets: keyConfig.kind === 'secrets' ? checkSecrets(merged.secrets, now()) : [],
    header: header.toLowerCase(),
    publicOrigin: checkOrigin(merged.publicOrigin),
    issuer: mode === 'jwt' ? checkIssuer(merged.issuer) : [],
    algorithms,
    keyConfig,
    servesInstallation: mode === 'jwt' ? checkInstallation(given.installationId, keyConfig) : undefined,
    maxTokenAgeSec: checkSeconds('maxTokenAgeSec', merged.maxTokenAgeSec, 1, MAX_TOKEN_AGE_SEC),
    clockToleranceSec: checkSeconds('clockToleranceSec', merged.clockToleranceSec, 0, MAX_CLOCK_TOLERANCE_SEC),
    replayStore: merged.replayStore ?? new MemoryReplayStore({ now }),
    logger: merged.logger ?? createJsonLogger({ base: { component: 'verifier' } }),
    now,
  };
}
