/** The customer client: every call authenticated, bound to its request, confined to the allowed hosts, and retried
 *  once with fresh credentials when the customer's verifier refuses the secret. */
import type { KeyObject } from 'node:crypto';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { OutboundError, type OutboundErrorCode } from '@tessera/protocol/errors';
import { createJsonLogger, type Logger } from '@tessera/protocol/log';
import {
  assertKnownOptions,
  bodyHash,
  DEFAULT_SECRET_HEADER,
  DEFAULT_TOKEN_LIFETIME_SEC,
  normalizeHtu,
  WS_DEFAULT_PROTOCOL,
  WS_TICKET_DEFAULT_LIFETIME_SEC,
  WS_TICKET_MAX_LIFETIME_SEC,
  WS_TICKET_TYPE,
  wsTicketProtocols,
  type RequestClaims,
  type WsTicketClaims,
} from '@tessera/protocol';
import { compileHostPatterns } from './host-pattern.js';
import { createEdDsaSigner, createEs256Signer, createHs256Signer, newJti, type TokenSigner } from './_sign.js';

/**
 * How calls prove themselves: the secret in a header, a short-lived JWT signed with it (HS256), or one signed with the
 * app's private key (ES256/EdDSA, `kid` naming its public key in the app's JWKS).
 */
export type CustomerAuthConfig =
  | { mode: 'shared-secret'; secret: string; header?: string }
  | { mode: 'jwt'; alg: 'HS256'; secret: string; kid?: string; tokenLifetimeSec?: number }
  | { mode: 'jwt'; alg: 'ES256' | 'EdDSA'; privateKey: KeyObject; kid: string; tokenLifetimeSec?: number; secret?: never };

/** The verifier's codes for "this credential is not one I hold": the only refusals fresh credentials can cure. */
export type CredentialRejectionCode = 'ERR_VERIFY_SECRET' | 'ERR_VERIFY_SIGNATURE';

/** What the customer's server said when it refused a call's credential. Its body is never passed on. */
export interface AuthRejection {
  code: CredentialRejectionCode;
}

/**
 * Asked once per call when the customer's server refuses its credential; returns the credentials to retry with, or
 * undefined when there is nothing newer to try (the call then fails with the 401).
 */
export type OnAuthRejected = (rejection: AuthRejection) => Promise<CustomerAuthConfig | undefined>;

export interface CustomerClientOptions {
  /** Base URL relative paths are resolved against, e.g. `https://acme.orders.example.com/api`. */
  baseUrl: string;
  /** Host patterns from the manifest (`customer.allowedHosts`). */
  allowedHosts: readonly string[];
  auth: CustomerAuthConfig;
  /** `iss` of the tokens: the app id. */
  appId: string;
  /** `sub` of the tokens: the installation id. */
  installationId: string;
  /**
   * Deadline of a whole call, from sending to the last byte of the answer (a retry after a refused credential
   * included), in ms. Default 5,000 (manifest `customer.timeoutMs`, 1 to 60,000).
   */
  timeoutMs?: number;
  /**
   * Largest response body accepted, in bytes after decompression; the call is aborted as soon as it is crossed.
   * Default 1 MiB (manifest `customer.maxResponseBytes`, at most 10 MiB).
   */
  maxResponseBytes?: number;
  /** Allow plain HTTP to loopback hosts (offline development). Default false; `createApp` passes its `offline`. */
  offline?: boolean;
  /** An axios instance to send with (proxies, agents). Tessera overrides redirects, timeouts and size caps. */
  http?: AxiosInstance;
  logger?: Logger;
  /** Clock in ms since the epoch, for tests. */
  now?: () => number;
  /**
   * Called when the customer's server answers 401 with the verifier's `ERR_VERIFY_SECRET` or `ERR_VERIFY_SIGNATURE`;
   * credentials it returns are used for one retry of that call, freshly signed (new `jti`), same body bytes. Never
   * more than one retry per call; the credentials are not kept for later calls. Default: no retry.
   */
  onAuthRejected?: OnAuthRejected;
}

export interface CustomerRequest {
  method?: string;
  /** Path relative to the base URL, or an absolute URL on an allowed host. */
  url: string;
  /** A Buffer/string is sent as is; anything else as JSON. */
  data?: unknown;
  headers?: Record<string, string>;
}

export interface CustomerResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON when the server said JSON, else text. */
  data: T;
}

/** Options of {@link CustomerClient.wsTicket}. */
export interface WsTicketOptions {
  /** The application subprotocol the socket will speak, offered first. Default `tessera.v1`. */
  protocol?: string;
  /** Ticket lifetime in seconds, 1 to 60. Default 30. */
  lifetimeSec?: number;
  /** The platform user the ticket is for (the session's subject), carried as `usr`. */
  user?: string;
}

/**
 * What the browser needs to open the socket: `new WebSocket(url, protocols)`. The ticket rides in `protocols`, second,
 * after the application protocol; never in the URL, where proxies, logs and history would keep it.
 */
export interface WsTicket {
  /** The exact `wss://` URL the ticket is bound to (`ws://` only to loopback in offline mode). */
  url: string;
  protocols: [string, string];
  /** When the ticket expires, ISO 8601: open the socket before. */
  expiresAt: string;
}

/** Calls the customer's server; non-2xx answers throw an OutboundError carrying `upstreamStatus`. */
export interface CustomerClient {
  request<T = unknown>(req: CustomerRequest): Promise<CustomerResponse<T>>;
  get<T = unknown>(url: string, headers?: Record<string, string>): Promise<CustomerResponse<T>>;
  post<T = unknown>(url: string, data?: unknown, headers?: Record<string, string>): Promise<CustomerResponse<T>>;
  put<T = unknown>(url: string, data?: unknown, headers?: Record<string, string>): Promise<CustomerResponse<T>>;
  patch<T = unknown>(url: string, data?: unknown, headers?: Record<string, string>): Promise<CustomerResponse<T>>;
  delete<T = unknown>(url: string, headers?: Record<string, string>): Promise<CustomerResponse<T>>;
  /**
   * Mints a single-use ticket for the customer's WebSocket server at `path` (or an absolute `wss://` URL on an
   * allowed host), signed like this client's calls: HS256 with the installation's secret, or the app's key.
   */
  wsTicket(path: string, options?: WsTicketOptions): Promise<WsTicket>;
}

/** A refusal by the customer's server; the function may catch it and map e.g. 404 to its own answer. */
export class CustomerHttpError extends OutboundError {
  /** The status the customer's server answered. Its body is never kept. */
  readonly upstreamStatus: number;
  constructor(upstreamStatus: number) {
    super('ERR_OUTBOUND_REFUSED', { message: `Customer server answered ${upstreamStatus}` });
    this.upstreamStatus = upstreamStatus;
  }
}

const DEFAULTS = { timeoutMs: 5_000, maxResponseBytes: 1024 * 1024 } as const;
const OPTION_KEYS = new Set([
  'baseUrl',
  'allowedHosts',
  'auth',
  'appId',
  'installationId',
  'timeoutMs',
  'maxResponseBytes',
  'offline',
  'http',
  'logger',
  'now',
  'onAuthRejected',
]);
const MAX_LIFETIME_SEC = 300;
const MIN_HS256_SECRET_BYTES = 32;
const CREDENTIAL_REJECTIONS: ReadonlySet<string> = new Set<CredentialRejectionCode>(['ERR_VERIFY_SECRET', 'ERR_VERIFY_SIGNATURE']);
/** The verifier's refusal is under 100 bytes; anything much larger is not one, and is not parsed. */
const MAX_REJECTION_BYTES = 1024;

function failure(code: OutboundErrorCode, cause: Record<string, unknown>): OutboundError {
  return new OutboundError(code, { cause });
}

/** The whole-call deadline fired. */
const deadlinePassed = (): OutboundError => failure('ERR_OUTBOUND_TIMEOUT', { code: 'DEADLINE' });

/** `work`, unless the deadline fires first: then the call's timeout, whatever `work` does later. */
function beforeDeadline<T>(work: Promise<T>, deadline: AbortSignal): Promise<T> {
  if (deadline.aborted) return Promise.reject(deadlinePassed());
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(deadlinePassed());
    deadline.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => deadline.removeEventListener('abort', onAbort);
    work.then(
      (value) => {
        settle();
        resolve(value);
      },
      (err: unknown) => {
        settle();
        reject(err);
      },
    );
  });
}

/** Maps an axios failure to a code, keeping only its code as cause: an AxiosError holds our auth headers. */
function fromAxiosError(err: unknown): OutboundError {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? 'UNKNOWN';
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT') return failure('ERR_OUTBOUND_TIMEOUT', { code });
  if (code === 'ERR_FR_MAX_CONTENT_LENGTH_EXCEEDED' || /maxContentLength/.test(e?.message ?? '')) {
    return failure('ERR_OUTBOUND_RESPONSE_TOO_LARGE', { code });
  }
  return failure('ERR_OUTBOUND_UNREACHABLE', { code });
}

function encodeBody(data: unknown, headers: Record<string, string>): Buffer | undefined {
  if (data === undefined) return undefined;
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data);
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  headers['content-type'] ??= 'application/json';
  return Buffer.from(JSON.stringify(data), 'utf8');
}

function decodeBody(res: AxiosResponse<Buffer>): unknown {
  const buf = Buffer.isBuffer(res.data) ? res.data : Buffer.from(res.data ?? '');
  const text = buf.toString('utf8');
  const type = String(res.headers['content-type'] ?? '');
  if (/\bjson\b/i.test(type) && text.length > 0) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** The verifier's credential-refusal code in a 401 body, if that is what it is. */
function credentialRejection(res: AxiosResponse<Buffer>): CredentialRejectionCode | undefined {
  if (res.status !== 401) return undefined;
  const buf = Buffer.isBuffer(res.data) ? res.data : Buffer.from(res.data ?? '');
  if (buf.length > MAX_REJECTION_BYTES) return undefined;
  try {
    const code: unknown = (JSON.parse(buf.toString('utf8')) as { error?: { code?: unknown } } | null)?.error?.code;
    return typeof code === 'string' && CREDENTIAL_REJECTIONS.has(code) ? (code as CredentialRejectionCode) : undefined;
  } catch {
    return undefined;
  }
}

/** Checks one auth configuration; `where` names its source in the TypeError (the option or the hook). */
function validateAuth(auth: CustomerAuthConfig | undefined, where: string): asserts auth is CustomerAuthConfig {
  const asymmetric = auth?.mode === 'jwt' && (auth.alg === 'ES256' || auth.alg === 'EdDSA');
  if (asymmetric) {
    // The signer checks the key's type and curve against the algorithm when it is built.
    if ((auth.privateKey as KeyObject | undefined)?.type !== 'private')
      throw new TypeError(`createCustomerClient: ${where}.privateKey must be a private KeyObject`);
    if (typeof auth.kid !== 'string' || auth.kid === '') throw new TypeError(`createCustomerClient: ${where}.kid is required with ${auth.alg}`);
  } else if (typeof auth?.secret !== 'string' || auth.secret.length === 0) {
    throw new TypeError(`createCustomerClient: ${where}.secret is required`);
  }
  if (auth.mode === 'jwt') {
    if (auth.alg === 'HS256') {
      if (Buffer.byteLength(auth.secret, 'utf8') < MIN_HS256_SECRET_BYTES) {
        throw new TypeError(`createCustomerClient: an HS256 secret needs at least ${MIN_HS256_SECRET_BYTES} bytes`);
      }
    } else if (!asymmetric) {
      throw new TypeError(`createCustomerClient: ${where}.alg must be HS256, ES256 or EdDSA`);
    }
    const life = auth.tokenLifetimeSec ?? DEFAULT_TOKEN_LIFETIME_SEC;
    if (!Number.isInteger(life) || life < 1 || life > MAX_LIFETIME_SEC) {
      throw new TypeError(`createCustomerClient: ${where}.tokenLifetimeSec must be an integer from 1 to ${MAX_LIFETIME_SEC}`);
    }
  } else if (auth.mode !== 'shared-secret') {
    throw new TypeError(`createCustomerClient: ${where}.mode must be "shared-secret" or "jwt"`);
  }
}

function validate(options: CustomerClientOptions): void {
  assertKnownOptions('createCustomerClient', options, OPTION_KEYS);
  validateAuth(options.auth, 'auth');
  if (options.onAuthRejected !== undefined && typeof options.onAuthRejected !== 'function') {
    throw new TypeError('createCustomerClient: onAuthRejected must be a function');
  }
}

/** Adds one auth configuration's credential to a request's headers. */
type Authenticate = (method: string, url: URL, body: Buffer | undefined, headers: Record<string, string>) => void;

/**
 * Creates the client a function uses to reach its customer's server.
 * @example
 * const customer = createCustomerClient({ baseUrl, allowedHosts, appId, installationId,
 *   auth: { mode: 'jwt', alg: 'HS256', secret } });
 * const { data } = await customer.get('/orders/42');
 */
export function createCustomerClient(options: CustomerClientOptions): CustomerClient {
  validate(options);
  const { auth, appId, installationId } = options;
  const offline = options.offline === true;
  const allowed = compileHostPatterns(options.allowedHosts, { allowLoopbackHttp: offline });
  const base = new URL(options.baseUrl);
  if (!allowed(base)) throw failure('ERR_OUTBOUND_HOST_NOT_ALLOWED', { reason: 'base URL host not allowed' });
  const basePath = base.pathname.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULTS.maxResponseBytes;
  // The http adapter explicitly: axios' fetch adapter would load undici (see src/build) and differs in limits.
  const http = options.http ?? axios.create({ adapter: 'http' });
  const logger = options.logger ?? createJsonLogger({ base: { component: 'outbound' } });
  const now = options.now ?? Date.now;
  const onAuthRejected = options.onAuthRejected;

  /** Prepares a configuration once (key import, encoded header), for every call or for one retry. */
  function prepareAuth(config: CustomerAuthConfig): Authenticate {
    if (config.mode === 'shared-secret') {
      const header = (config.header ?? DEFAULT_SECRET_HEADER).toLowerCase();
      return (_method, _url, _body, headers) => {
        headers[header] = config.secret;
      };
    }
    const sign: TokenSigner =
      config.alg === 'HS256'
        ? createHs256Signer(config.secret, config.kid)
        : config.alg === 'ES256'
          ? createEs256Signer(config.privateKey, config.kid)
          : createEdDsaSigner(config.privateKey, config.kid);
    const lifetimeSec = config.tokenLifetimeSec ?? DEFAULT_TOKEN_LIFETIME_SEC;
    return (method, url, body, headers) => {
      const iat = Math.floor(now() / 1000);
      const claims: RequestClaims = {
        iss: appId,
        sub: installationId,
        aud: url.origin,
        iat,
        nbf: iat,
        exp: iat + lifetimeSec,
        jti: newJti(),
        htm: method,
        htu: normalizeHtu(url),
        bh: bodyHash(body),
      };
      headers.authorization = `Bearer ${sign(claims)}`;
    };
  }
  const authenticate = prepareAuth(auth);
  const signTicket: TokenSigner<WsTicketClaims> =
    auth.mode === 'jwt' && auth.alg !== 'HS256'
      ? (auth.alg === 'ES256' ? createEs256Signer : createEdDsaSigner)<WsTicketClaims>(auth.privateKey, auth.kid, WS_TICKET_TYPE)
      : // The shared-secret mode has the same per-installation secret: a ticket is an HS256 token under it.
        createHs256Signer<WsTicketClaims>(auth.secret, auth.mode === 'jwt' ? auth.kid : undefined, WS_TICKET_TYPE);

  /** The socket's URL: resolved and allowed as its HTTP twin (same host patterns), then given its WebSocket scheme. */
  function resolveSocket(raw: string): URL {
    const twin = resolve(raw.replace(/^ws(s?):\/\//i, 'http$1://'));
    twin.protocol = twin.protocol === 'https:' ? 'wss:' : 'ws:';
    return twin;
  }

  function wsTicket(path: string, o: WsTicketOptions = {}): WsTicket {
    const lifetimeSec = o.lifetimeSec ?? WS_TICKET_DEFAULT_LIFETIME_SEC;
    if (!Number.isInteger(lifetimeSec) || lifetimeSec < 1 || lifetimeSec > WS_TICKET_MAX_LIFETIME_SEC) {
      throw new TypeError(`wsTicket: lifetimeSec must be an integer from 1 to ${WS_TICKET_MAX_LIFETIME_SEC}`);
    }
    if (o.user !== undefined && (typeof o.user !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(o.user))) {
      throw new TypeError('wsTicket: user must be 1 to 256 printable ASCII characters');
    }
    const url = resolveSocket(path);
    const iat = Math.floor(now() / 1000);
    const claims: WsTicketClaims = {
      iss: appId,
      sub: installationId,
      aud: url.origin,
      htu: normalizeHtu(url),
      iat,
      nbf: iat,
      exp: iat + lifetimeSec,
      jti: newJti(),
      ...(o.user === undefined ? {} : { usr: o.user }),
    };
    return {
      url: url.href,
      protocols: wsTicketProtocols(o.protocol ?? WS_DEFAULT_PROTOCOL, signTicket(claims)),
      expiresAt: new Date((iat + lifetimeSec) * 1000).toISOString(),
    };
  }

  /** Resolves a path or URL and refuses any host the manifest does not allow, before a connection is made. */
  function resolve(raw: string): URL {
    let url: URL;
    try {
      // Path-absolute and relative paths extend the base path, as axios' baseURL does; `//host` and absolute URLs stand alone.
      url = /^[a-z][a-z0-9+.-]*:|^\/\//i.test(raw) ? new URL(raw, base) : new URL(`${basePath}/${raw.replace(/^\/+/, '')}`, base);
    } catch {
      throw failure('ERR_OUTBOUND_HOST_NOT_ALLOWED', { reason: 'unparseable URL' });
    }
    if (!allowed(url)) throw failure('ERR_OUTBOUND_HOST_NOT_ALLOWED', { reason: 'host not allowed' });
    url.hash = '';
    return url;
  }

  /** Sends one attempt with its own copy of the headers, so a retry never carries the refused credential. */
  async function send(
    method: string,
    url: URL,
    base: Record<string, string>,
    body: Buffer | undefined,
    auth: Authenticate,
    deadline: AbortSignal,
  ): Promise<AxiosResponse<Buffer>> {
    const headers = { ...base };
    auth(method, url, body, headers);
    let res: AxiosResponse<Buffer>;
    const started = now();
    try {
      res = await http.request<Buffer>({
        method,
        url: url.href,
        headers,
        data: body,
        // The bytes we hashed are the bytes sent: no re-serialisation.
        transformRequest: [(d: unknown) => d],
        transformResponse: [(d: unknown) => d],
        responseType: 'arraybuffer',
        maxRedirects: 0,
        // axios' timeout covers the wait for headers and each idle gap, not a body trickled a byte at a time.
        timeout: timeoutMs,
        signal: deadline,
        maxContentLength: maxResponseBytes,
        maxBodyLength: 1024 * 1024,
        validateStatus: () => true,
        proxy: false,
      });
    } catch (err) {
      const out = deadline.aborted ? deadlinePassed() : fromAxiosError(err);
      logger.log('warn', 'outbound.failed', { installationId, method, host: url.host, code: out.code, cause: out.cause });
      throw out;
    }
    logger.log('debug', 'outbound.response', { installationId, method, host: url.host, status: res.status, ms: now() - started });
    return res;
  }

  /**
   * The one retry after a credential refusal. Safe for any method, POST included: the verifier refuses before the
   * customer's handler runs, so the first attempt did nothing, and the retry sends the same body bytes.
   */
  async function retryWithFreshAuth(
    code: CredentialRejectionCode,
    method: string,
    url: URL,
    base: Record<string, string>,
    body: Buffer | undefined,
    deadline: AbortSignal,
  ): Promise<AxiosResponse<Buffer> | undefined> {
    let fresh: CustomerAuthConfig | undefined;
    try {
      // The hook reads SSM: it runs inside the call's deadline like the requests do.
      fresh = await beforeDeadline(Promise.resolve((onAuthRejected as OnAuthRejected)({ code })), deadline);
      if (fresh !== undefined) validateAuth(fresh, 'onAuthRejected()');
    } catch (err) {
      if (deadline.aborted) {
        const out = deadlinePassed();
        logger.log('warn', 'outbound.failed', { installationId, method, host: url.host, code: out.code, cause: out.cause });
        throw out;
      }
      // Name and code only: the hook reads the parameter store, whose errors may carry anything.
      const e = err as { name?: unknown; code?: unknown };
      logger.log('warn', 'outbound.auth_refresh_failed', {
        installationId,
        method,
        host: url.host,
        errorName: String(e?.name ?? typeof err),
        ...(typeof e?.code === 'string' ? { code: e.code } : {}),
      });
      return undefined;
    }
    logger.log('warn', 'outbound.auth_rejected', { installationId, method, host: url.host, code, retried: fresh !== undefined });
    return fresh === undefined ? undefined : send(method, url, base, body, prepareAuth(fresh), deadline);
  }

  async function request<T>(req: CustomerRequest): Promise<CustomerResponse<T>> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = resolve(req.url);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = v;
    const body = encodeBody(req.data, headers);
    // One deadline for the whole call, the retry after a refused credential included.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    let res: AxiosResponse<Buffer>;
    try {
      res = await send(method, url, headers, body, authenticate, deadline.signal);
      const rejected = onAuthRejected ? credentialRejection(res) : undefined;
      if (rejected) res = (await retryWithFreshAuth(rejected, method, url, headers, body, deadline.signal)) ?? res;
    } finally {
      clearTimeout(timer);
    }
    if (res.status >= 300 && res.status < 400) throw failure('ERR_OUTBOUND_REDIRECT', { status: res.status });
    if (res.status >= 400) throw new CustomerHttpError(res.status);
    const outHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') outHeaders[k] = v;
    return { status: res.status, headers: outHeaders, data: decodeBody(res) as T };
  }

  return {
    request,
    get: (url, headers) => request({ method: 'GET', url, headers }),
    post: (url, data, headers) => request({ method: 'POST', url, data, headers }),
    put: (url, data, headers) => request({ method: 'PUT', url, data, headers }),
    patch: (url, data, headers) => request({ method: 'PATCH', url, data, headers }),
    delete: (url, headers) => request({ method: 'DELETE', url, headers }),
    wsTicket: async (path, o) => wsTicket(path, o),
  };
}
