/** Composes one Lambda handler: identify the installation, read its iparams, build its customer client, run. */
import type { AxiosInstance } from 'axios';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { InboundError, TesseraError } from '@tessera/protocol/errors';
import { createIparamsReader, SsmIparamStore, type IparamsReader, type IparamStore } from './iparams/index.js';
import { createJsonLogger, type Logger } from '@tessera/protocol/log';
import type { CustomerClient } from './outbound/index.js';
import { assertKnownOptions, CSRF_ROUTE_NAME, OFFLINE_CORS_HEADERS_MARKER, OFFLINE_STATUS_MARKER, wsTicketProtocols } from '@tessera/protocol';
import {
  checkActualRequest,
  compileCorsPolicy,
  createCsrfGuard,
  createSessionVerifier,
  csrfResponse,
  handlePreflight,
  isPreflightRequest,
  type CorsHeaders,
  type CsrfGuard,
  type Session,
  type SessionVerifier,
} from './inbound/index.js';
import type { InboundCredential, IparamValues, Manifest, ManifestFunction } from '@tessera/schema';
import type { SigningKeyProvider } from './keys/index.js';
import { createCustomerClients } from './_customer-clients.js';
import { resolveAppConfig } from './config.js';
import { APP_INTERNALS, type AppInternals } from './_internals.js';
import {
  authenticateCaller,
  createInstallationBasicGuard,
  csrfBindingOf,
  type CallerCredential,
  type CallerGuards,
  type IdentifyInstallation,
} from './_caller.js';

export type { CallerCredential, IdentifyInstallation } from './_caller.js';

/** What the function's code gets for one invocation. */
export interface FunctionContext<I extends object> {
  request: {
    method: string;
    path: string;
    query: Readonly<Record<string, string>>;
    /** Lower-case header names. */
    headers: Readonly<Record<string, string>>;
    /** Decoded body text, empty when none. */
    body: string;
    /** The body parsed as JSON; a malformed body is a 400 ERR_BAD_REQUEST. */
    json<T = unknown>(): T;
  };
  installationId: string;
  /** How the caller proved itself: `session`, `basic`, or `offline-header` (offline development only). */
  credential: CallerCredential;
  /** The verified session, when the caller presented one. */
  session: Session | undefined;
  /** The installation's parameters, typed; read from SSM and cached. */
  iparams: Readonly<I>;
  /** Authenticated client for the installation's customer server. */
  customer: CustomerClient;
  logger: Logger;
  event: APIGatewayProxyEventV2;
  lambdaContext: Context | undefined;
}

/** What a function returns: the body is sent as JSON. */
export interface FunctionResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type FunctionHandler<I extends object> = (ctx: FunctionContext<I>) => Promise<FunctionResult> | FunctionResult;
export type LambdaHandler = (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface AppOptions {
  /** The parsed `manifest.json` (validated by `tessera validate` at build time). */
  manifest: unknown;
  /**
   * Offline development: plain HTTP to loopback hosts, the `X-Tessera-Installation` header as identification, the
   * offline proxy's markers. Default `TESSERA_OFFLINE`, then false. Refused on AWS Lambda itself.
   */
  offline?: boolean;
  /** Wall clock in epoch milliseconds, for every cache, token and rate limit of the app (tests). Default `Date.now`. */
  clock?: () => number;
  /** The environment read once for the `TESSERA_*` settings. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Where iparams are read. Default an SsmIparamStore with a default SSMClient. */
  store?: IparamStore;
  /** Iparams cache lifetime. Default `TESSERA_IPARAMS_TTL_MS`, then 60,000 ms. */
  iparamsTtlMs?: number;
  /**
   * Each SSM attempt of the default store gives up after this many ms (3 attempts per read). Default
   * `TESSERA_SSM_REQUEST_TIMEOUT_MS`, then 1,000 ms; from 50 to 60,000. Refused beside `store`, which has its own.
   */
  ssmRequestTimeoutMs?: number;
  /**
   * Installations one iparams read fetches together (GetParameters, one request against SSM's throughput): a read
   * also refreshes up to this many − 1 other cached installations in the last quarter of their TTL. Default
   * `TESSERA_IPARAMS_BATCH_SIZE`, then 1 (no batching); from 1 to 10. See docs/performance.md (SSM at scale).
   */
  iparamsBatchSize?: number;
  /**
   * Verifies the product's session token and names the installation. Default: built from the manifest's `session`
   * section (JWKS URL, issuer; the audience is the app id). Without either, `identify` decides.
   */
  session?: SessionVerifier;
  /**
   * Which installation an invocation is for when there is no session guard. Default: offline,
   * {@link offlineHeaderIdentify}; elsewhere every such call is refused. `offlineHeaderIdentify` is refused outside
   * offline mode.
   */
  identify?: IdentifyInstallation;
  /**
   * The key CSRF tokens are signed with, at least 32 bytes; needed when a function is `csrf: true`. Default
   * `TESSERA_CSRF_SECRET`. Every instance of the app must share it: a token fetched from one is checked by another.
   */
  csrfSecret?: string;
  /**
   * The app's signing keys, when `customer.auth.alg` is ES256 or EdDSA. Default: read from SSM
   * (`/tessera/{appId}/keys/signing`, see `tessera keys`), cached.
   */
  signingKeys?: SigningKeyProvider;
  /** The axios instance outbound calls go through (agents, proxies, a transport for benchmarks). */
  http?: AxiosInstance;
  logger?: Logger;
}

/** An app: defines its Lambda handlers from one manifest, sharing one iparams cache. */
export interface App<I extends object> {
  readonly manifest: Manifest;
  readonly reader: IparamsReader;
  defineFunction(name: string, handler: FunctionHandler<I>): LambdaHandler;
  /**
   * The handler of the built-in `GET /csrf` route: authenticates the caller as the app's `csrf: true` functions do
   * and answers `{"token"}` with the signed `__Host-` cookie. Needed when any function is `csrf: true`.
   */
  defineCsrfFunction(): LambdaHandler;
  /**
   * A function that mints a WebSocket ticket for the customer's server: declared in `manifest.json` like any
   * function, so guarded like one (CORS, session and scopes, CSRF where declared). It answers the URL and the
   * subprotocol list for `new WebSocket(url, protocols)`, with `Cache-Control: no-store`.
   */
  defineWsTicketFunction(name: string, options: WsTicketFunctionOptions<I>): LambdaHandler;
  /** For parts built on the app in their own subpath (`@tessera/runtime/install`); not an API. */
  readonly [APP_INTERNALS]: AppInternals;
}

/** Options of {@link App.defineWsTicketFunction}. */
export interface WsTicketFunctionOptions<I extends object = IparamValues> {
  /** The socket's path on the customer's server (or an absolute `wss://` URL on an allowed host), or a function of the request. */
  path: string | ((ctx: Pick<FunctionContext<I>, 'request' | 'iparams' | 'installationId'>) => string);
  /** The application subprotocol. Default `tessera.v1`. */
  protocol?: string;
  /** Ticket lifetime in seconds, 1 to 60. Default 30. */
  lifetimeSec?: number;
}

const MAX_BODY_BYTES = 1024 * 1024;
const OPTION_KEYS = new Set([
  'manifest',
  'offline',
  'clock',
  'env',
  'store',
  'iparamsTtlMs',
  'ssmRequestTimeoutMs',
  'iparamsBatchSize',
  'session',
  'identify',
  'csrfSecret',
  'signingKeys',
  'http',
  'logger',
]);
const DEFAULT_CREDENTIALS: readonly InboundCredential[] = ['session'];
/** On every answer, refusals included: the response depends on the Origin (DESIGN.md, CORS policy). */
const VARY_ORIGIN = { vary: 'Origin' } as const;
/** Development-only header naming the installation; honoured only in offline mode. */
export const OFFLINE_INSTALLATION_HEADER = 'x-tessera-installation';

/**
 * The offline identify step: the `X-Tessera-Installation` header names the installation, a local convenience.
 * `createApp` uses it only in offline mode and refuses it as an option elsewhere.
 */
export const offlineHeaderIdentify: IdentifyInstallation = (event) => {
  const id = event.headers?.[OFFLINE_INSTALLATION_HEADER];
  if (!id) throw new InboundError('ERR_SESSION_MISSING');
  return id;
};

/** The identify step outside offline mode: without a session guard, nobody is identified. */
const refuseIdentify: IdentifyInstallation = () => {
  throw new InboundError('ERR_SESSION_MISSING');
};

function checkManifest(raw: unknown): Manifest {
  const m = raw as Manifest;
  if (typeof m?.app?.id !== 'string' || typeof m.functions !== 'object' || typeof m.customer?.baseUrl !== 'string') {
    throw new TypeError('createApp: manifest must have app.id, functions and customer (run `tessera validate`)');
  }
  return m;
}

/** Offline only: tells the offline proxy which CORS headers and status are the function's own. */
function markForOfflineProxy<R extends { statusCode?: number; headers?: Record<string, string | number | boolean> }>(res: R): R {
  const headers = { ...res.headers };
  headers[OFFLINE_CORS_HEADERS_MARKER] = Object.keys(headers)
    .filter((h) => h.startsWith('access-control-'))
    .join(',');
  headers[OFFLINE_STATUS_MARKER] = String(res.statusCode ?? 200);
  return { ...res, headers };
}

function decodeBody(event: APIGatewayProxyEventV2, maxBytes = MAX_BODY_BYTES): string {
  const raw = event.body ?? '';
  if (raw.length === 0) return raw;
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(body, 'utf8') > maxBytes) throw new InboundError('ERR_BODY_TOO_LARGE');
  return body;
}

function parseJson<T>(body: string): T {
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new InboundError('ERR_BAD_REQUEST', { message: 'Request body must be JSON' });
  }
}

function parseQuery(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw) for (const [k, v] of new URLSearchParams(raw)) out[k] = v;
  return out;
}

/** The request as a function sees it; the query is parsed only if read. */
class RequestView {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  #event: APIGatewayProxyEventV2;
  #query: Record<string, string> | undefined;

  constructor(event: APIGatewayProxyEventV2, method: string, body: string) {
    this.#event = event;
    this.method = method;
    this.path = event.rawPath;
    this.headers = (event.headers ?? {}) as Record<string, string>;
    this.body = body;
  }

  get query(): Readonly<Record<string, string>> {
    return (this.#query ??= parseQuery(this.#event.rawQueryString));
  }

  json<T = unknown>(): T {
    return parseJson<T>(this.body);
  }
}

/**
 * Creates an app from its manifest; each `defineFunction` call yields one Lambda handler.
 * @example
 * export const app = createApp<Iparams>({ manifest });
 * export const handler = app.defineFunction('getOrder', async ({ customer, request }) =>
 *   ({ body: (await customer.get(`/orders/${request.query.id}`)).data }));
 */
export function createApp<I extends object = IparamValues>(options: AppOptions): App<I> {
  assertKnownOptions('createApp', options, OPTION_KEYS);
  const manifest = checkManifest(options.manifest);
  const appId = manifest.app.id;
  const config = resolveAppConfig(options, manifest);
  const { offline, now } = config;
  const logger = options.logger ?? createJsonLogger({ base: { component: 'runtime', appId }, level: config.logLevel });
  if (options.identify === offlineHeaderIdentify && !offline) {
    throw new TypeError('createApp: option "identify" is offlineHeaderIdentify outside offline mode: a request would choose its installation');
  }
  const identify = options.identify ?? (offline ? offlineHeaderIdentify : refuseIdentify);
  const csrfFunctions = Object.values(manifest.functions).filter((f) => f.csrf === true);
  // No `cors` section compiles to a policy that refuses every cross-origin request (secure by default).
  const cors = compileCorsPolicy(
    manifest.cors,
    csrfFunctions.length > 0 ? { ...manifest.functions, [CSRF_ROUTE_NAME]: { methods: ['GET'] } } : manifest.functions,
  );
  const session =
    options.session ?? (config.session ? createSessionVerifier({ ...config.session, audience: appId, offline, now, logger }) : undefined);
  if (options.store !== undefined && options.ssmRequestTimeoutMs !== undefined) {
    throw new TypeError('createApp: option "ssmRequestTimeoutMs" applies to the default store only; set it on your store');
  }
  const store = options.store ?? new SsmIparamStore(config.ssmRequestTimeoutMs === undefined ? {} : { requestTimeoutMs: config.ssmRequestTimeoutMs });
  const reader = createIparamsReader({
    appId,
    store,
    logger,
    now,
    ...(config.iparamsTtlMs !== undefined ? { ttlMs: config.iparamsTtlMs } : {}),
    ...(config.iparamsBatchSize !== undefined ? { batchSize: config.iparamsBatchSize } : {}),
  });
  const basic = createInstallationBasicGuard(manifest, reader, logger, now);
  let csrf: CsrfGuard | undefined;
  /** Built on first use, so an app without `csrf: true` functions needs no CSRF key. */
  function csrfGuard(): CsrfGuard {
    const secret = config.csrfSecret;
    if (!secret) throw new TypeError('createApp: a csrf: true function needs option "csrfSecret" or TESSERA_CSRF_SECRET');
    return (csrf ??= createCsrfGuard({ secret, logger, now }));
  }
  const guardsFor = (accepts: readonly InboundCredential[], scopes: readonly string[]): CallerGuards => ({
    accepts: new Set(accepts),
    session,
    basic,
    identify,
    scopes,
  });

  const customerFor = createCustomerClients({
    manifest,
    reader,
    signingKeys: options.signingKeys,
    keysTtlMs: config.keysTtlMs,
    ssmClient: store instanceof SsmIparamStore ? store.client : undefined,
    http: options.http,
    logger,
    offline,
    now,
  });

  function fail(name: string, err: unknown, headers: CorsHeaders): APIGatewayProxyStructuredResultV2 {
    if (err instanceof TesseraError) {
      logger.log(err.status >= 500 ? 'error' : 'warn', 'function.refused', { function: name, code: err.code, cause: err.cause });
      return err.toResponse({ ...headers });
    }
    // Name and frames only: a message thrown by app code may carry anything, including a value.
    const e = err as { name?: string; stack?: string };
    const at = String(e?.stack ?? '')
      .split('\n')
      .slice(1, 4)
      .map((l) => l.trim());
    logger.log('error', 'function.failed', { function: name, errorName: e?.name ?? typeof err, at });
    return new InboundError('ERR_INTERNAL').toResponse({ ...headers });
  }

  /** Runs an answer and marks it for the offline proxy when offline. */
  const answerWith = (invoke: LambdaHandler): LambdaHandler =>
    offline ? (event, context) => invoke(event, context).then(markForOfflineProxy) : invoke;

  const internals: AppInternals = {
    manifest,
    store,
    logger,
    now,
    sessionAuthenticator: session
      ? (scopes) => {
          const guards = guardsFor(['session'], scopes);
          return async (event) => {
            const caller = await authenticateCaller(event, guards);
            // Only a session is accepted, so it is there; the check narrows the type.
            const subject = caller.session?.subject;
            if (subject === undefined) throw new InboundError('ERR_SESSION_MISSING');
            return { installationId: caller.installationId, subject, csrfBinding: csrfBindingOf(caller) };
          };
        }
      : undefined,
    readJsonBody: (event, maxBytes) => parseJson(decodeBody(event, maxBytes)),
    csrfGuard,
    answerWith: (invoke) => answerWith((event) => invoke(event)),
    fail,
  };

  return {
    manifest,
    reader,
    [APP_INTERNALS]: internals,
    defineFunction(name, handler) {
      const declared: ManifestFunction | undefined = manifest.functions[name];
      if (!declared) throw new TypeError(`defineFunction: "${name}" is not declared in manifest.json functions`);
      const methods = new Set(declared.methods.map((m) => m.toUpperCase()));
      const guards = guardsFor(declared.credentials ?? DEFAULT_CREDENTIALS, declared.scopes ?? []);
      // Checked now, at cold start: a function that cannot check its CSRF tokens must not start.
      const csrfCheck = declared.csrf === true ? csrfGuard() : undefined;
      return answerWith(invoke);

      async function invoke(event: APIGatewayProxyEventV2, lambdaContext?: Context): Promise<APIGatewayProxyStructuredResultV2> {
        // A preflight is answered from the policy alone: it never authenticates and never runs the function.
        if (isPreflightRequest(event)) return handlePreflight(cors, name, event);
        let corsHeaders: CorsHeaders = VARY_ORIGIN;
        try {
          corsHeaders = checkActualRequest(cors, event);
          const method = event.requestContext.http.method.toUpperCase();
          if (!methods.has(method)) throw new InboundError('ERR_METHOD_NOT_ALLOWED');
          const authenticated = authenticateCaller(event, guards);
          const caller = authenticated instanceof Promise ? await authenticated : authenticated;
          csrfCheck?.verify(event, csrfBindingOf(caller));
          const { installationId } = caller;
          const request = new RequestView(event, method, decodeBody(event));
          // Awaits only where something is pending: a warm read is synchronous.
          const iparams = reader.peek<I>(installationId) ?? (await reader.read<I>(installationId));
          const pending = handler({
            request,
            installationId,
            credential: caller.credential,
            session: caller.session,
            iparams,
            customer: customerFor(installationId, iparams as IparamValues),
            logger,
            event,
            lambdaContext,
          });
          const result = pending instanceof Promise ? await pending : pending;
          return {
            statusCode: result.status ?? 200,
            headers: { 'content-type': 'application/json', ...corsHeaders, ...result.headers },
            body: result.body === undefined ? '' : JSON.stringify(result.body),
          };
        } catch (err) {
          return fail(name, err, corsHeaders);
        }
      }
    },

    defineWsTicketFunction(name, options) {
      const { path, protocol, lifetimeSec } = options ?? ({} as WsTicketFunctionOptions<I>);
      if (typeof path !== 'string' && typeof path !== 'function')
        throw new TypeError('defineWsTicketFunction: option "path" must be a string or a function');
      if (protocol !== undefined) wsTicketProtocols(protocol, 'x'); // a bad protocol is a TypeError now, not per call
      return this.defineFunction(name, async (ctx) => {
        const target = typeof path === 'string' ? path : path(ctx);
        const ticket = await ctx.customer.wsTicket(target, {
          ...(protocol === undefined ? {} : { protocol }),
          ...(lifetimeSec === undefined ? {} : { lifetimeSec }),
          ...(ctx.session ? { user: ctx.session.subject } : {}),
        });
        // A ticket is single-use and short-lived: no cache may keep or replay it.
        return { body: ticket, headers: { 'cache-control': 'no-store' } };
      });
    },

    defineCsrfFunction() {
      if (csrfFunctions.length === 0) throw new TypeError('defineCsrfFunction: no function in manifest.json is csrf: true');
      const guard = csrfGuard();
      // A token is worth fetching with any credential some csrf: true function accepts; it grants nothing alone.
      const accepts = [...new Set(csrfFunctions.flatMap((f) => f.credentials ?? DEFAULT_CREDENTIALS))];
      const guards = guardsFor(accepts, []);
      return answerWith(async (event) => {
        if (isPreflightRequest(event)) return handlePreflight(cors, CSRF_ROUTE_NAME, event);
        let corsHeaders: CorsHeaders = VARY_ORIGIN;
        try {
          corsHeaders = checkActualRequest(cors, event);
          if (event.requestContext.http.method.toUpperCase() !== 'GET') throw new InboundError('ERR_METHOD_NOT_ALLOWED');
          const caller = await authenticateCaller(event, guards);
          return csrfResponse(guard, csrfBindingOf(caller), corsHeaders);
        } catch (err) {
          return fail(CSRF_ROUTE_NAME, err, corsHeaders);
        }
      });
    },
  };
}
