/** HTTP Basic (RFC 7617) for server-to-server callers: constant-time checks and a per-user failure limit. */
import { mergeOptions } from '@tessera/protocol';
import { createHash, timingSafeEqual } from 'node:crypto';
import { InboundError, TesseraError } from '@tessera/protocol/errors';
import { createJsonLogger, type Logger } from '@tessera/protocol/log';
import { createFailureLimiter } from './_failure-limiter.js';

/** User name → password, e.g. parsed from a secure iparam. */
export type BasicUsers = Readonly<Record<string, string>>;

/**
 * Options of {@link createBasicGuard}.
 * @example
 * const options: BasicGuardOptions = { users: () => ({ backend: iparams.basicPassword }), realm: 'orders' };
 */
export interface BasicGuardOptions {
  /**
   * Called on every well-formed attempt with the presented user name, so a rotated iparam applies at once and a
   * source may look up just that user. A user with an empty password never matches.
   */
  users: (user: string) => Promise<BasicUsers> | BasicUsers;
  /** Sent in `WWW-Authenticate`; printable ASCII without `"` or `\`, 1 to 128 characters. */
  realm: string;
  /** Bad attempts per user within a sliding 60-second window before further attempts get 429, 1 to 1000. Default 10. */
  maxFailuresPerMinute?: number;
  /** Users whose failures are remembered; past it the least recently failing one is forgotten. Default 10,000. */
  maxTrackedUsers?: number;
  /** Clock in epoch milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
  /** Where refusals go (events `basic.refused`, `basic.rate_limited`; never a name or password). Default: standard error. */
  logger?: Logger;
}

/**
 * A caller that presented valid Basic credentials.
 * @example
 * const { user } = await basic.verify(event.headers.authorization);
 */
export interface BasicResult {
  user: string;
}

/**
 * Checks `Authorization: Basic …` headers; made by {@link createBasicGuard}.
 * @example
 * const { user } = await basic.verify(event.headers.authorization);
 */
export interface BasicGuard {
  readonly realm: string;
  /** The `WWW-Authenticate` challenge its 401s carry, e.g. `Basic realm="orders", charset="UTF-8"`. */
  readonly challenge: string;
  /**
   * Resolves with the user, or rejects with `InboundError` `ERR_BASIC_INVALID` (401, its response carries
   * `WWW-Authenticate`) or `ERR_RATE_LIMITED` (429, its response carries `Retry-After`).
   */
  verify(authorizationHeader: string | undefined): Promise<BasicResult>;
}

const DEFAULTS = {
  maxFailuresPerMinute: 10,
  maxTrackedUsers: 10_000,
  now: Date.now,
  logger: undefined,
} as const satisfies Omit<Required<BasicGuardOptions>, 'users' | 'realm' | 'logger'> & { logger: undefined };

const KNOWN_KEYS: ReadonlySet<string> = new Set(['users', 'realm', ...Object.keys(DEFAULTS)]);
const WINDOW_MS = 60_000;
/** DESIGN.md limits: a token or credential header is at most 8 KiB. */
const MAX_HEADER_CHARS = 8 * 1024;
/** RFC 7617 §2: `Basic` in any case, one space or more, then token68 (here strict base64). */
const BASIC = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const REALM = /^[\u0020-\u007e]{1,128}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(rule: string): never {
  throw new TypeError(`createBasicGuard: ${rule}`);
}

function checkInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(`option "${name}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

function resolve(options: BasicGuardOptions) {
  const o = mergeOptions('createBasicGuard', options, KNOWN_KEYS, DEFAULTS);
  if (typeof o.users !== 'function') fail('option "users" must be a function returning user → password');
  if (typeof o.realm !== 'string' || !REALM.test(o.realm) || /["\\]/.test(o.realm)) {
    fail('option "realm" must be 1 to 128 printable ASCII characters without " or \\');
  }
  if (typeof o.now !== 'function') fail('option "now" must be a function returning epoch milliseconds');
  if (o.logger !== undefined && typeof o.logger?.log !== 'function') fail('option "logger" must be a Logger');
  return {
    users: o.users,
    realm: o.realm,
    maxFailures: checkInteger(o.maxFailuresPerMinute, 'maxFailuresPerMinute', 1, 1000),
    maxTrackedUsers: checkInteger(o.maxTrackedUsers, 'maxTrackedUsers', 1, 1_000_000),
    now: o.now,
    logger: o.logger ?? createJsonLogger({ base: { component: 'basic' } }),
  };
}

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** User and password from the header, or the rule it broke. Nothing here depends on which users exist. */
function parseCredentials(header: string | undefined): { user: string; password: string } | { rule: string } {
  if (header === undefined || header.trim() === '') return { rule: 'header missing' };
  if (header.length > MAX_HEADER_CHARS) return { rule: 'header over 8 KiB' };
  const match = BASIC.exec(header);
  if (!match) return { rule: 'not the Basic scheme with one base64 credential' };
  const encoded = match[1] as string;
  const bytes = Buffer.from(encoded, 'base64');
  // Buffer.from skips bad input silently; a round trip proves the text was canonical base64.
  if (encoded.length % 4 !== 0 || bytes.toString('base64') !== encoded) return { rule: 'base64 malformed' };
  let decoded: string;
  try {
    decoded = utf8.decode(bytes);
  } catch {
    return { rule: 'not UTF-8' };
  }
  // RFC 7617 §2: the user-id cannot contain a colon, so the first one splits.
  const colon = decoded.indexOf(':');
  if (colon < 0) return { rule: 'no colon' };
  const user = decoded.slice(0, colon).normalize('NFC');
  const password = decoded.slice(colon + 1).normalize('NFC');
  if (user === '') return { rule: 'empty user' };
  if (CONTROL.test(decoded)) return { rule: 'control character' };
  return { user, password };
}

/**
 * Creates the HTTP Basic guard. Bad options throw `TypeError` here; `users` is read on each check.
 * @example
 * const basic = createBasicGuard({ users: () => JSON.parse(iparams.basicUsers), realm: 'order-lookup' });
 * const { user } = await basic.verify(event.headers.authorization);
 */
export function createBasicGuard(options: BasicGuardOptions): BasicGuard {
  const o = resolve(options);
  // RFC 7617 §2.1: announce UTF-8 so clients encode non-ASCII names and passwords the way they are compared.
  const challenge = `Basic realm="${o.realm}", charset="UTF-8"`;
  const limiter = createFailureLimiter({ maxFailures: o.maxFailures, windowMs: WINDOW_MS, maxKeys: o.maxTrackedUsers });

  function refuse(reason: string): never {
    o.logger.log('warn', 'basic.refused', { code: 'ERR_BASIC_INVALID', reason });
    // RFC 9110 §11.6.1: a 401 carries the challenge, whoever turns the error into a response.
    throw new InboundError('ERR_BASIC_INVALID', { cause: reason, headers: { 'www-authenticate': challenge } });
  }

  async function loadUsers(user: string): Promise<BasicUsers> {
    let users: unknown;
    try {
      users = await o.users(user);
    } catch (err) {
      if (err instanceof TesseraError) throw err;
      // Only the name: a foreign message may quote the very value it failed on.
      throw new InboundError('ERR_INTERNAL', { cause: `Basic users source failed (${(err as Error)?.name ?? typeof err})` });
    }
    if (typeof users !== 'object' || users === null || Object.values(users).some((p) => typeof p !== 'string')) {
      throw new InboundError('ERR_INTERNAL', { cause: 'Basic users source must give user → password strings' });
    }
    return users as BasicUsers;
  }

  return Object.freeze({
    realm: o.realm,
    challenge,

    async verify(authorizationHeader: string | undefined): Promise<BasicResult> {
      const parsed = parseCredentials(authorizationHeader);
      if ('rule' in parsed) refuse(parsed.rule);
      // Keyed by digest: a tracked entry costs 32 bytes whatever name an attacker sends, and holds no name.
      const userDigest = sha256(parsed.user);
      const limitKey = userDigest.toString('base64');
      const nowMs = o.now();
      const retryAfterMs = limiter.retryAfterMs(limitKey, nowMs);
      if (retryAfterMs > 0) {
        const retryAfterSec = Math.ceil(retryAfterMs / 1000);
        o.logger.log('warn', 'basic.rate_limited', { code: 'ERR_RATE_LIMITED', retryAfterSec });
        throw new InboundError('ERR_RATE_LIMITED', {
          cause: 'too many bad Basic attempts for this user',
          headers: { 'retry-after': String(retryAfterSec) }, // RFC 6585 §4
        });
      }
      const users = await loadUsers(parsed.user);
      const passwordDigest = sha256(parsed.password);
      // Every entry is compared, user and password alike, so the time taken says nothing about which users exist.
      let matched: string | undefined;
      for (const [user, password] of Object.entries(users)) {
        const userOk = timingSafeEqual(sha256(user.normalize('NFC')), userDigest);
        const passwordOk = timingSafeEqual(sha256(password.normalize('NFC')), passwordDigest);
        if (userOk && passwordOk && password !== '' && !user.includes(':')) matched = user;
      }
      if (matched === undefined) {
        limiter.recordFailure(limitKey, nowMs);
        refuse('user or password wrong');
      }
      limiter.clear(limitKey);
      return { user: matched };
    },
  });
}
