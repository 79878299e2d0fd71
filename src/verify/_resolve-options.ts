/** Validates verifier options once, at construction, and resolves them with their defaults. */
import { createJsonLogger, type Logger } from '../log.js';
import { DEFAULT_SECRET_HEADER } from '../protocol/index.js';
import { MemoryReplayStore, type ReplayStore } from './replay-store.js';
import type { VerifierAlgorithm, VerifierMode, VerifierOptions } from './verifier-options.js';

/** Options after validation and defaults. */
export interface ResolvedOptions {
  mode: VerifierMode;
  secrets: readonly string[];
  header: string;
  publicOrigin: string;
  issuer: readonly string[];
  algorithms: readonly VerifierAlgorithm[];
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
} as const;

const COMMON_KEYS = new Set(['mode', 'secrets', 'publicOrigin', 'logger', 'now']);
const MODE_KEYS: Record<VerifierMode, ReadonlySet<string>> = {
  'shared-secret': new Set(['header']),
  jwt: new Set(['issuer', 'algorithms', 'maxTokenAgeSec', 'clockToleranceSec', 'replayStore']),
};
const SUPPORTED_ALGORITHMS: ReadonlySet<string> = new Set<VerifierAlgorithm>(['HS256']);
const MIN_SECRET_BYTES = 32;
const MAX_TOKEN_AGE_SEC = 3600;
const MAX_CLOCK_TOLERANCE_SEC = 60;
/** RFC 9110 §5.1 field-name: a token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

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

function checkSecrets(secrets: unknown): readonly string[] {
  if (!Array.isArray(secrets) || secrets.length < 1 || secrets.length > 2) {
    fail('option "secrets" must hold the current secret and at most one previous secret');
  }
  for (const [i, secret] of secrets.entries()) {
    // The rule only, never the value or its length: a secret's length is a hint to its owner's attacker.
    if (typeof secret !== 'string' || Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
      fail(`option "secrets[${i}]" must be a string of at least ${MIN_SECRET_BYTES} bytes`);
    }
  }
  return Object.freeze([...(secrets as string[])]);
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

function checkAlgorithms(value: unknown): readonly VerifierAlgorithm[] {
  if (!Array.isArray(value) || value.length === 0) fail('option "algorithms" must be a non-empty list');
  for (const alg of value) {
    if (!SUPPORTED_ALGORITHMS.has(alg as string)) {
      fail(`algorithm "${String(alg)}" is not supported; supported: ${[...SUPPORTED_ALGORITHMS].join(', ')}`);
    }
  }
  return Object.freeze([...(value as VerifierAlgorithm[])]);
}

/** Validates `options` (TypeError on misuse) and applies the defaults. */
export function resolveOptions(options: VerifierOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const mode = (options as { mode?: unknown }).mode;
  if (mode !== 'shared-secret' && mode !== 'jwt') fail('option "mode" must be "shared-secret" or "jwt"');
  checkKeys(options, mode);
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const merged = { ...DEFAULTS, ...given } as Omit<Partial<ResolvedOptions>, 'issuer'> & { issuer?: unknown };

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
  return {
    mode,
    secrets: checkSecrets(merged.secrets),
    header: header.toLowerCase(),
    publicOrigin: checkOrigin(merged.publicOrigin),
    issuer: mode === 'jwt' ? checkIssuer(merged.issuer) : [],
    algorithms: checkAlgorithms(merged.algorithms),
    maxTokenAgeSec: checkSeconds('maxTokenAgeSec', merged.maxTokenAgeSec, 1, MAX_TOKEN_AGE_SEC),
    clockToleranceSec: checkSeconds('clockToleranceSec', merged.clockToleranceSec, 0, MAX_CLOCK_TOLERANCE_SEC),
    replayStore: merged.replayStore ?? new MemoryReplayStore({ now }),
    logger: merged.logger ?? createJsonLogger({ base: { component: 'verifier' } }),
    now,
  };
}
