/**
 * The app's own WebSocket routes on API Gateway: a `$connect` guarded like an HTTP function (Origin, then the
 * platform session from `Sec-WebSocket-Protocol`), and `$disconnect` and `$default` handlers that hand the app its
 * connection ids.
 */
import type { APIGatewayProxyStructuredResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import { assertKnownOptions, readEnvironment } from '@tessera/protocol';
import { InboundError, TesseraError } from '@tessera/protocol/errors';
import { createJsonLogger, type Logger } from '@tessera/protocol/log';
import type { Manifest } from '@tessera/schema';
import { createSessionVerifier, type Session, type SessionVerifier } from '../inbound/index.js';
import { createConnectionClient, connectionEndpoint, type ConnectionClient, type ConnectionPostResult } from './connection-client.js';
import { readHandshakeHeader, type WebSocketConnectEvent } from './_handshake.js';
import { compileOriginGuard } from './_origins.js';
import { readSessionProtocols, SUBPROTOCOL, WS_SESSION_PROTOCOL_PREFIX } from './session-protocols.js';

export type { WebSocketConnectEvent } from './_handshake.js';

/**
 * What `onConnect` gets once the Origin and the session passed: record the connection here (say, connection id to
 * installation in a table), since later events carry the connection id only.
 * @example
 * const onConnect = ({ connectionId, installationId }: WebSocketConnectContext) => table.put(connectionId, installationId);
 */
export interface WebSocketConnectContext {
  connectionId: string;
  /** From the verified session's installation claim, never from the request. */
  installationId: string;
  session: Session;
  /** The application protocol the answer names. */
  protocol: string;
  logger: Logger;
  event: WebSocketConnectEvent;
  lambdaContext: Context | undefined;
}

/**
 * What `onMessage` gets for each message of a connection `$connect` accepted.
 * @example
 * const onMessage = async ({ body, send }: WebSocketMessageContext) => void (await send(body));
 */
export interface WebSocketMessageContext {
  connectionId: string;
  /** The message as text (a binary frame decoded from base64 as UTF-8). */
  body: string;
  /** Posts to this connection through the management API (see {@link ConnectionClient.post}). */
  send(data: string | Uint8Array): Promise<ConnectionPostResult>;
  logger: Logger;
  event: APIGatewayProxyWebsocketEventV2;
  lambdaContext: Context | undefined;
}

/**
 * What `onDisconnect` gets: the connection to forget.
 * @example
 * const onDisconnect = ({ connectionId }: WebSocketDisconnectContext) => table.delete(connectionId);
 */
export interface WebSocketDisconnectContext {
  connectionId: string;
  logger: Logger;
  event: APIGatewayProxyWebsocketEventV2;
  lambdaContext: Context | undefined;
}

/** The scopes `$connect` requires: listed here, or those of a manifest function (never both). */
type ScopesChoice =
  | {
      /** Scopes the session must carry to connect. Default none. */
      scopes?: readonly string[];
      manifestFunction?: never;
    }
  | {
      scopes?: never;
      /** A manifest function standing for the socket: its `scopes` apply. Its methods must include GET, the upgrade's. */
      manifestFunction: string;
    };

/**
 * Options of {@link createWebSocketRoutes}.
 * @example
 * const options: WebSocketRoutesOptions = { manifest, protocols: ['tessera.v1'], scopes: ['orders:read'] };
 */
export type WebSocketRoutesOptions = ScopesChoice & {
  /** The parsed `manifest.json`: the app id (the session's audience), `session` and `cors.allowedOrigins`. */
  manifest: unknown;
  /**
   * The application subprotocols this app speaks, e.g. `['tessera.v1']`. The client's first entry must be one of
   * them, and the answer names it; serverless-offline always answers with the first entry, so both agree.
   */
  protocols: readonly string[];
  /** Verifies the session. Default: built from the manifest's `session` (environment overrides, as in `createApp`). */
  session?: SessionVerifier;
  /** Origins allowed to open a socket. Default the manifest's `cors.allowedOrigins`; no `cors` section allows none. */
  allowedOrigins?: readonly string[];
  /** Whether a handshake without `Origin` (not a browser) may connect. Default false. */
  allowNoOrigin?: boolean;
  /** Runs once the Origin and the session passed; a `TesseraError` thrown here refuses the connection with its code. */
  onConnect?: (ctx: WebSocketConnectContext) => void | Promise<void>;
  /** Runs for each message (`$default`). */
  onMessage?: (ctx: WebSocketMessageContext) => void | Promise<void>;
  /** Runs when the connection closed (`$disconnect`); API Gateway delivers it on a best-effort basis. */
  onDisconnect?: (ctx: WebSocketDisconnectContext) => void | Promise<void>;
  /**
   * The management API `send` posts to. Default `https://{domainName}/{stage}` of each event; required offline
   * (serverless offline's `http://127.0.0.1:<wsPort>`) and behind a custom domain name.
   */
  endpoint?: string;
  /** Local development: an `http://` JWKS and endpoint on loopback. Default `TESSERA_OFFLINE`, then false. */
  offline?: boolean;
  /** Wall clock in epoch milliseconds, for the session checks (tests). Default `Date.now`. */
  clock?: () => number;
  /** The environment read once for the `TESSERA_*` settings. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
};

/**
 * A WebSocket route's Lambda handler.
 * @example
 * export const handler: WebSocketHandler = routes.connect;
 */
export type WebSocketHandler<E = APIGatewayProxyWebsocketEventV2> = (event: E, context?: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The three handlers, one per route, and what they were built with.
 * @example
 * export const handler = routes.connect; // functions/ws-connect.ts
 */
export interface WebSocketRoutes {
  readonly connect: WebSocketHandler<WebSocketConnectEvent>;
  readonly disconnect: WebSocketHandler;
  readonly default: WebSocketHandler;
  readonly protocols: readonly string[];
  readonly scopes: readonly string[];
}

const OPTION_KEYS = new Set([
  'manifest',
  'protocols',
  'session',
  'scopes',
  'manifestFunction',
  'allowedOrigins',
  'allowNoOrigin',
  'onConnect',
  'onMessage',
  'onDisconnect',
  'endpoint',
  'offline',
  'clock',
  'env',
  'logger',
]);
/** Secure by default: a handshake without Origin is refused, and a session needs no scope unless one is named. */
const DEFAULTS: { readonly allowNoOrigin: boolean; readonly scopes: readonly string[] } = Object.freeze({ allowNoOrigin: false, scopes: [] });
const OK: APIGatewayProxyStructuredResultV2 = Object.freeze({ statusCode: 200 });
/** Connection clients by endpoint: one per stage in practice; bounded all the same. */
const MAX_CLIENTS = 8;

function fail(rule: string): never {
  throw new TypeError(`createWebSocketRoutes: ${rule}`);
}

function checkManifest(raw: unknown): Manifest {
  const m = raw as Manifest;
  if (typeof m?.app?.id !== 'string' || typeof m.functions !== 'object' || m.functions === null) {
    fail('option "manifest" must have app.id and functions (run `tessera validate`)');
  }
  return m;
}

function checkProtocols(value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.length === 0) fail('option "protocols" must be a non-empty list, e.g. ["tessera.v1"]');
  for (const p of value) {
    if (typeof p !== 'string' || !SUBPROTOCOL.test(p) || p.startsWith(WS_SESSION_PROTOCOL_PREFIX)) {
      fail(`option "protocols" must list subprotocol tokens, none starting with "${WS_SESSION_PROTOCOL_PREFIX}"`);
    }
  }
  return Object.freeze([...new Set(value as string[])]);
}

function checkScopes(name: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string' || s === '' || /\s/.test(s))) {
    fail(`${name} must be a list of scope names`);
  }
  return Object.freeze([...value]);
}

function scopesOf(options: WebSocketRoutesOptions, manifest: Manifest): readonly string[] {
  if (options.manifestFunction === undefined) return checkScopes('option "scopes"', options.scopes ?? DEFAULTS.scopes);
  if (options.scopes !== undefined) fail('options "scopes" and "manifestFunction" exclude each other');
  const name = options.manifestFunction;
  const declared = typeof name === 'string' && Object.hasOwn(manifest.functions, name) ? manifest.functions[name] : undefined;
  if (declared === undefined) fail(`option "manifestFunction": "${String(name)}" is not declared in manifest.json functions`);
  if (!declared.methods?.some((m) => m.toUpperCase() === 'GET')) fail(`manifest function "${name}" must declare GET, the upgrade's method`);
  // A socket proves itself with the session only: no cookie, so no CSRF token, and no Basic header from a browser.
  if (declared.csrf === true) fail(`manifest function "${name}" is csrf: true, which a WebSocket cannot present`);
  if (declared.credentials?.some((c) => c !== 'session')) fail(`manifest function "${name}" accepts credentials other than the session`);
  return checkScopes(`manifest function "${name}" scopes`, declared.scopes ?? []);
}

function checkCallback(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') fail(`option "${name}" must be a function`);
}

function resolve(options: WebSocketRoutesOptions) {
  assertKnownOptions('createWebSocketRoutes', options, OPTION_KEYS);
  const manifest = checkManifest(options.manifest);
  const env = readEnvironment(options.env);
  const offline = options.offline ?? env.offline ?? false;
  if (typeof offline !== 'boolean') fail('option "offline" must be true or false');
  if (offline && env.onAwsLambda) fail('offline mode cannot run on AWS Lambda (AWS_EXECUTION_ENV is set); unset TESSERA_OFFLINE');
  if (options.clock !== undefined && typeof options.clock !== 'function') fail('option "clock" must be a function returning epoch milliseconds');
  if (options.logger !== undefined && typeof options.logger?.log !== 'function') fail('option "logger" must be a Logger');
  for (const name of ['onConnect', 'onMessage', 'onDisconnect'] as const) checkCallback(name, options[name]);
  const allowNoOrigin = options.allowNoOrigin ?? DEFAULTS.allowNoOrigin;
  if (typeof allowNoOrigin !== 'boolean') fail('option "allowNoOrigin" must be true or false');
  const origins =
    options.allowedOrigins !== undefined
      ? compileOriginGuard('createWebSocketRoutes', 'option "allowedOrigins"', options.allowedOrigins, allowNoOrigin)
      : compileOriginGuard('createWebSocketRoutes', 'manifest cors.allowedOrigins', manifest.cors?.allowedOrigins ?? [], allowNoOrigin);
  if (options.endpoint === undefined && offline && options.onMessage !== undefined) {
    fail('offline, option "endpoint" is required: serverless offline serves the management API at http://127.0.0.1:<wsPort>');
  }
  const now = options.clock ?? Date.now;
  const logger = options.logger ?? createJsonLogger({ base: { component: 'websocket', appId: manifest.app.id }, level: env.logLevel ?? 'info' });
  return {
    manifest,
    offline,
    protocols: checkProtocols(options.protocols),
    scopes: scopesOf(options, manifest),
    origins,
    session: options.session ?? defaultSession(manifest, env, offline, now, logger),
    endpoint: options.endpoint,
    logger,
  };
}

/** The session guard `createApp` would build: the manifest's `session`, its JWKS URL and issuer overridable by stage. */
function defaultSession(
  manifest: Manifest,
  env: ReturnType<typeof readEnvironment>,
  offline: boolean,
  now: () => number,
  logger: Logger,
): SessionVerifier {
  const declared = manifest.session;
  if (declared === undefined) fail('the manifest has no "session" section: pass option "session", or a $connect could not verify anyone');
  return createSessionVerifier({
    ...declared,
    jwksUrl: env.sessionJwksUrl ?? declared.jwksUrl,
    issuer: env.sessionIssuer ?? declared.issuer,
    audience: manifest.app.id,
    offline,
    now,
    logger,
  });
}

/** The body of a message event as text. */
function messageBody(event: APIGatewayProxyWebsocketEventV2): string {
  const raw = typeof event.body === 'string' ? event.body : '';
  return event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
}

function connectionIdOf(event: { requestContext?: { connectionId?: unknown } }): string {
  const id = event?.requestContext?.connectionId;
  if (typeof id !== 'string' || id === '') throw new InboundError('ERR_BAD_REQUEST', { cause: 'no requestContext.connectionId' });
  return id;
}

/**
 * Creates the three route handlers; options are validated here, once (TypeError on misuse). `$connect` refuses a
 * foreign, malformed or missing Origin (403 `ERR_ORIGIN_NOT_ALLOWED`) before it reads anything else, then the session
 * offered as `Sec-WebSocket-Protocol: <protocol>, tessera.session.<jwt>` exactly as an HTTP function checks it
 * (401 `ERR_SESSION_MISSING`/`_INVALID`/`_EXPIRED`, 403 `ERR_SCOPE_MISSING`), and answers 200 with
 * `Sec-WebSocket-Protocol: <protocol>`, never the token.
 * @example
 * export const routes = createWebSocketRoutes({ manifest, protocols: ['tessera.v1'], scopes: ['orders:read'],
 *   onConnect: ({ connectionId, installationId }) => table.put(connectionId, installationId) });
 */
export function createWebSocketRoutes(options: WebSocketRoutesOptions): WebSocketRoutes {
  const o = resolve(options);
  const { logger } = o;
  const onConnect = options.onConnect;
  const onMessage = options.onMessage;
  const onDisconnect = options.onDisconnect;
  const clients = new Map<string, ConnectionClient>();

  function connectionsFor(event: APIGatewayProxyWebsocketEventV2): ConnectionClient {
    const endpoint = o.endpoint ?? connectionEndpoint(event);
    let client = clients.get(endpoint);
    if (client === undefined) {
      client = createConnectionClient({ endpoint, offline: o.offline, logger });
      if (clients.size >= MAX_CLIENTS) clients.delete(clients.keys().next().value as string);
      clients.set(endpoint, client);
    }
    return client;
  }
  // Checked now, at cold start: a fixed endpoint that cannot be posted to must not wait for the first message.
  if (o.endpoint !== undefined) clients.set(o.endpoint, createConnectionClient({ endpoint: o.endpoint, offline: o.offline, logger }));

  function failure(route: string, err: unknown): APIGatewayProxyStructuredResultV2 {
    if (err instanceof TesseraError) {
      logger.log(err.status >= 500 ? 'error' : 'warn', 'websocket.refused', { route, code: err.code, cause: err.cause });
      return err.toResponse();
    }
    // Name and frames only: a message thrown by app code may carry anything, including a value.
    const e = err as { name?: string; stack?: string };
    const at = String(e?.stack ?? '')
      .split('\n')
      .slice(1, 4)
      .map((l) => l.trim());
    logger.log('error', 'websocket.failed', { route, errorName: e?.name ?? typeof err, at });
    return new InboundError('ERR_INTERNAL').toResponse();
  }

  async function guard(event: WebSocketConnectEvent): Promise<{ session: Session; protocol: string }> {
    const originRefused = o.origins(readHandshakeHeader(event, 'origin'));
    if (originRefused !== undefined) throw new InboundError('ERR_ORIGIN_NOT_ALLOWED', { cause: originRefused });
    const offered = readSessionProtocols(readHandshakeHeader(event, 'sec-websocket-protocol'));
    if ('kind' in offered)
      throw new InboundError(offered.kind === 'missing' ? 'ERR_SESSION_MISSING' : 'ERR_SESSION_INVALID', { cause: offered.reason });
    const protocol = offered.protocols[0] as string;
    if (!o.protocols.includes(protocol)) {
      throw new InboundError('ERR_BAD_REQUEST', {
        message: 'No supported WebSocket subprotocol',
        cause: 'first subprotocol not among the protocols',
      });
    }
    // The same check as an HTTP function's Authorization header: typ, audience, issuer, lifetime, scopes.
    const session = await o.session.verify(`Bearer ${offered.token}`, o.scopes);
    return { session, protocol };
  }

  return Object.freeze({
    protocols: o.protocols,
    scopes: o.scopes,

    async connect(event: WebSocketConnectEvent, lambdaContext?: Context) {
      try {
        const connectionId = connectionIdOf(event);
        const { session, protocol } = await guard(event);
        const ctx = { connectionId, installationId: session.installationId, session, protocol, logger, event, lambdaContext };
        await onConnect?.(ctx);
        // API Gateway fails the handshake unless $connect names one of the offered subprotocols (RFC 6455 §4.2.2).
        return { statusCode: 200, headers: { 'Sec-WebSocket-Protocol': protocol } };
      } catch (err) {
        return failure('$connect', err);
      }
    },

    async disconnect(event: APIGatewayProxyWebsocketEventV2, lambdaContext?: Context) {
      try {
        await onDisconnect?.({ connectionId: connectionIdOf(event), logger, event, lambdaContext });
        return OK;
      } catch (err) {
        return failure('$disconnect', err);
      }
    },

    async default(event: APIGatewayProxyWebsocketEventV2, lambdaContext?: Context) {
      try {
        const connectionId = connectionIdOf(event);
        const send = (data: string | Uint8Array) => connectionsFor(event).post(connectionId, data);
        await onMessage?.({ connectionId, body: messageBody(event), send, logger, event, lambdaContext });
        return OK;
      } catch (err) {
        return failure('$default', err);
      }
    },
  });
}
