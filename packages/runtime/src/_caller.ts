/** Who is calling: the session token, HTTP Basic or (offline only) a development header, and the CSRF binding. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ERROR_CODES, InboundError, TesseraError } from '@tessera/protocol/errors';
import { isValidId, type IparamsReader } from './iparams/index.js';
import type { Logger } from '@tessera/protocol/log';
import { bearerChallenge } from '@tessera/protocol';
import { createBasicGuard, type BasicGuard, type BasicUsers, type Session, type SessionVerifier } from './inbound/index.js';
import type { InboundCredential, Manifest } from '@tessera/schema';

/** How the caller proved itself. `offline-header` exists only in offline mode (or with a custom `identify`). */
export type CallerCredential = InboundCredential | 'offline-header';

/** The authenticated caller of one invocation. */
export interface Caller {
  installationId: string;
  credential: CallerCredential;
  session: Session | undefined;
}

/** What a CSRF token is bound to: a token issued to one caller never passes for another. */
export function csrfBindingOf(caller: Caller): string {
  const { credential, installationId, session } = caller;
  return JSON.stringify(credential === 'session' ? [credential, installationId, session?.subject] : [credential, installationId]);
}

/** Decides which installation an invocation is for when no session guard is configured. */
export type IdentifyInstallation = (event: APIGatewayProxyEventV2) => string | Promise<string>;

/** Forget an unknown Basic user this long: a flood of invented installation ids costs one SSM read each per minute. */
const UNKNOWN_USER_TTL_MS = 60_000;
const MAX_UNKNOWN_USERS = 10_000;
const BASIC_SCHEME = /^\s*basic(\s|$)/i;

/**
 * The Basic guard of an app: the user is the installation id, the password that installation's secure iparam, so a
 * credential names and proves its installation at once (RFC 7617 user-ids cannot hold the colon ids never have).
 */
export function createInstallationBasicGuard(manifest: Manifest, reader: IparamsReader, logger: Logger, now: () => number): BasicGuard | undefined {
  const config = manifest.basic;
  if (!config) return undefined;
  const { passwordIparam } = config;
  const unknownUntil = new Map<string, number>();

  async function users(user: string): Promise<BasicUsers> {
    if (!isValidId(user)) return {};
    const until = unknownUntil.get(user);
    if (until !== undefined && until > now()) return {};
    let iparams: Readonly<Record<string, unknown>>;
    try {
      iparams = await reader.read(user);
    } catch (err) {
      if (!(err instanceof TesseraError) || err.code !== 'ERR_INSTALLATION_NOT_FOUND') throw err;
      unknownUntil.delete(user);
      unknownUntil.set(user, now() + UNKNOWN_USER_TTL_MS);
      if (unknownUntil.size > MAX_UNKNOWN_USERS) unknownUntil.delete(unknownUntil.keys().next().value as string);
      return {};
    }
    const password = iparams[passwordIparam];
    return typeof password === 'string' && password !== '' ? { [user]: password } : {};
  }

  return createBasicGuard({ realm: config.realm ?? manifest.app.id, users, logger, now });
}

/** What authenticates calls to one function (or to the CSRF route). */
export interface CallerGuards {
  accepts: ReadonlySet<InboundCredential>;
  session: SessionVerifier | undefined;
  basic: BasicGuard | undefined;
  identify: IdentifyInstallation;
  scopes: readonly string[];
}

const sessionCaller = (session: Session): Caller => ({ installationId: session.installationId, credential: 'session', session });
const headerCaller = (installationId: string): Caller => ({ installationId, credential: 'offline-header', session: undefined });

/**
 * A 401 names every scheme the function accepts (RFC 9110 §11.6.1), its own failing one first: a client holding a
 * Basic credential learns it may use it where a session was refused, and the reverse. A 401 with no challenge yet
 * (the identify step's) gets the Bearer one.
 */
function challengeEveryScheme(g: CallerGuards, err: unknown): never {
  // The guards' refusals are InboundErrors; a custom identify's other error passes through as it is.
  if (!(err instanceof InboundError) || err.status !== 401) throw err;
  const own = err.headers['www-authenticate'];
  const challenges = own === undefined ? [] : [own];
  if (g.accepts.has('session') && !/^bearer\b/i.test(own ?? '')) {
    const error = err.code === 'ERR_SESSION_MISSING' ? 'invalid_request' : 'invalid_token';
    challenges.push(own === undefined ? bearerChallenge(error, ERROR_CODES[err.code][1]) : 'Bearer');
  }
  if (g.basic !== undefined && g.accepts.has('basic') && !/^basic\b/i.test(own ?? '')) challenges.push(g.basic.challenge);
  if (challenges.length === (own === undefined ? 0 : 1)) throw err; // nothing to add
  const headers = { ...err.headers, 'www-authenticate': challenges.join(', ') };
  throw new InboundError(err.code, { message: err.message, cause: err.cause, headers });
}

/**
 * Authenticates one invocation. A `Basic` header goes to the Basic guard when the function accepts it; anything else
 * to the session guard; without one, `identify` decides (a development header offline, a refusal elsewhere).
 * Returns synchronously when nothing is pending (a session verified before, a header identity), so a warm
 * invocation takes no promise hop here.
 */
export function authenticateCaller(event: APIGatewayProxyEventV2, g: CallerGuards): Caller | Promise<Caller> {
  const refuse = (err: unknown) => challengeEveryScheme(g, err);
  try {
    const caller = identifyCaller(event, g);
    return caller instanceof Promise ? caller.catch(refuse) : caller;
  } catch (err) {
    return refuse(err);
  }
}

function identifyCaller(event: APIGatewayProxyEventV2, g: CallerGuards): Caller | Promise<Caller> {
  const authorization = event.headers?.authorization;
  const basicAccepted = g.basic !== undefined && g.accepts.has('basic');
  if (basicAccepted && (!g.accepts.has('session') || (authorization !== undefined && BASIC_SCHEME.test(authorization)))) {
    return (g.basic as BasicGuard)
      .verify(authorization)
      .then(({ user }) => ({ installationId: user, credential: 'basic' as const, session: undefined }));
  }
  if (!g.accepts.has('session')) throw new InboundError('ERR_SESSION_MISSING');
  if (g.session) {
    const known = g.session.peek?.(authorization, g.scopes);
    return known ? sessionCaller(known) : g.session.verify(authorization, g.scopes).then(sessionCaller);
  }
  const identified = g.identify(event);
  return typeof identified === 'string' ? headerCaller(identified) : identified.then(headerCaller);
}
