/** The offline stand-in for the product platform: issues session JWTs, publishes their JWKS, serves the product page. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { TesseraError, type TesseraErrorCode } from '@tessera/protocol/errors';
import { createJsonLogger, type Logger } from '@tessera/protocol/log';
import { ID_RULE, isId, isLoopbackHost, isScopeToken, LOOPBACK_RULE, mergeOptions } from '@tessera/protocol';
import { createDevSigningKey, type DevSigningKey } from './_dev-platform-keys.js';
import { installPage } from './_dev-platform-install.js';
import { readPage } from './_dev-platform-page.js';
import { readBody } from './_read-body.js';

/**
 * Options of {@link startDevPlatform}.
 * @example
 * const options: DevPlatformOptions = { appId: 'order-lookup', installationId: 'demo', functionsUrl: 'http://127.0.0.1:4000' };
 */
export interface DevPlatformOptions {
  /** The app id: every session's `aud`. Required. */
  appId: string;
  /** The installation every session names (`installation_id`). Required. */
  installationId: string;
  /** Where the functions listen; its origin is the only foreign `connect-src` of the page. Required. */
  functionsUrl: string;
  /** WebSocket origins the page may open sockets to (`ws://…`, `wss://…`), added to its `connect-src`. Default none. */
  socketOrigins?: readonly string[];
  /** Port on loopback; 0 picks a free one. Default 4200. */
  port?: number;
  /** Loopback address; anything else is refused, since this server hands a session to whoever asks. Default `127.0.0.1`. */
  host?: string;
  /** Scopes each session carries. Default `['orders:read', 'orders:write']`. */
  scopes?: readonly string[];
  /**
   * Scopes of the sessions handed to the app's install page (framed at `GET /install`, asking `POST /session` with
   * `{"purpose":"install"}`). Default `['admin']`, the install function's default.
   */
  installScopes?: readonly string[];
  /** The dev user (`sub`). Default `dev-user`. */
  subject?: string;
  /** Session lifetime in seconds, 1 to 300 (the session verifier's cap). Default 300. */
  tokenLifetimeSec?: number;
  /** Folder of the product page (index.html and its scripts). Default `demo/product` under the working directory. */
  pageDir?: string;
  /** Clock in epoch milliseconds, for tests. Default `Date.now`. */
  now?: () => number;
  /** Where events go (`dev-platform.session.issued`, `dev-platform.refused`). Default: JSON lines on standard error. */
  logger?: Logger;
}

/**
 * A running dev platform.
 * @example
 * const platform = await startDevPlatform({ appId: 'order-lookup', installationId: 'demo', functionsUrl: 'http://127.0.0.1:4000' });
 * console.log(`open ${platform.url}`);
 * await platform.close();
 */
export interface DevPlatform {
  /** Its origin, e.g. `http://127.0.0.1:4200`: the sessions' `iss` and the manifest's `session.issuer`. */
  readonly url: string;
  /** `{url}/.well-known/jwks.json`: the manifest's `session.jwksUrl`. */
  readonly jwksUrl: string;
  /** Stops listening and drops open connections. Safe to call twice. */
  close(): Promise<void>;
}

const DEFAULTS = {
  port: 4200,
  host: '127.0.0.1',
  scopes: ['orders:read', 'orders:write'],
  installScopes: ['admin'],
  subject: 'dev-user',
  tokenLifetimeSec: 300,
  pageDir: undefined,
  socketOrigins: [],
  now: Date.now,
  logger: undefined,
} as const;

const REQUIRED = ['appId', 'installationId', 'functionsUrl'] as const;
const KNOWN_KEYS: ReadonlySet<string> = new Set([...REQUIRED, ...Object.keys(DEFAULTS)]);
const MAX_SESSION_BODY_BYTES = 4096;
const JWKS_PATH = '/.well-known/jwks.json';

function fail(rule: string): never {
  throw new TypeError(`startDevPlatform: ${rule}`);
}

function checkId(name: string, value: unknown): string {
  if (!isId(value)) fail(`option "${name}" ${ID_RULE}`);
  return value;
}

// Shaped like the verifier's `publicOrigin` check, with another rule: any http(s) origin, plain HTTP allowed.
function checkFunctionsOrigin(value: unknown): string {
  if (typeof value !== 'string') fail('option "functionsUrl" is required, e.g. "http://127.0.0.1:4000"');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail('option "functionsUrl" must be an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('option "functionsUrl" must be http:// or https://');
  if (url.username !== '' || url.password !== '') fail('option "functionsUrl" must not carry credentials');
  return url.origin;
}

function resolveOptions(options: DevPlatformOptions) {
  const o = mergeOptions('startDevPlatform', options, KNOWN_KEYS, DEFAULTS) as unknown as Record<
    keyof typeof DEFAULTS | (typeof REQUIRED)[number],
    unknown
  > & {
    port: number;
    tokenLifetimeSec: number;
    logger?: { log?: unknown };
  };
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) fail('option "port" must be an integer from 0 to 65535');
  if (typeof o.host !== 'string' || !isLoopbackHost(o.host)) fail(`option "host" ${LOOPBACK_RULE}`);
  for (const name of ['scopes', 'installScopes'] as const) {
    const list = o[name] as unknown;
    if (!Array.isArray(list) || list.some((s) => !isScopeToken(s))) {
      fail(`option "${name}" must be a list of scope names without spaces`);
    }
  }
  if (typeof o.subject !== 'string' || o.subject === '') fail('option "subject" must be a non-empty string');
  const lifetime = o.tokenLifetimeSec;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > 300) fail('option "tokenLifetimeSec" must be an integer from 1 to 300');
  if (o.pageDir !== undefined && typeof o.pageDir !== 'string') fail('option "pageDir" must be a folder path');
  const socketOrigins = o.socketOrigins as unknown;
  if (!Array.isArray(socketOrigins) || socketOrigins.some((x) => typeof x !== 'string' || !/^wss?:\/\/[^/?#\s;,']+$/.test(x))) {
    fail('option "socketOrigins" must be a list of ws:// or wss:// origins');
  }
  if (typeof o.now !== 'function') fail('option "now" must be a function returning epoch milliseconds');
  if (o.logger !== undefined && typeof o.logger?.log !== 'function') fail('option "logger" must be a Logger');
  return {
    appId: checkId('appId', o.appId),
    installationId: checkId('installationId', o.installationId),
    functionsOrigin: checkFunctionsOrigin(o.functionsUrl),
    socketOrigins: [...(socketOrigins as string[])],
    port: o.port,
    scopes: [...new Set(o.scopes as string[])],
    installScopes: [...new Set(o.installScopes as string[])],
    subject: o.subject,
    host: o.host,
    tokenLifetimeSec: lifetime,
    pageDir: resolve((o.pageDir as string | undefined) ?? 'demo/product'),
    now: o.now as () => number,
    logger: (o.logger as Logger | undefined) ?? createJsonLogger({ base: { component: 'dev-platform' } }),
  };
}

type Resolved = ReturnType<typeof resolveOptions>;

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

function refuse(o: Resolved, res: ServerResponse, code: TesseraErrorCode, reason: string): void {
  o.logger.log('warn', 'dev-platform.refused', { code, reason });
  const { statusCode, headers, body } = new TesseraError(code).toResponse({ 'cache-control': 'no-store' });
  send(res, statusCode, headers, body);
}

/** Reads a small body; resolves undefined when it is larger than the cap. */
/** `{"purpose":"install"}` asks for the install page's session; anything else (or nothing) for the product page's. */
function purposeOf(body: string): 'install' | 'product' {
  try {
    return (JSON.parse(body) as { purpose?: unknown } | null)?.purpose === 'install' ? 'install' : 'product';
  } catch {
    return 'product';
  }
}

async function issueSession(o: Resolved, key: DevSigningKey, origin: string, req: IncomingMessage, res: ServerResponse) {
  // The session goes only to pages of this origin: a page elsewhere (or a form posting here) gets nothing.
  const from = req.headers.origin;
  if (from !== undefined && from !== origin) return refuse(o, res, 'ERR_ORIGIN_NOT_ALLOWED', 'session asked for by another origin');
  if (req.headers['sec-fetch-site'] !== undefined && req.headers['sec-fetch-site'] !== 'same-origin') {
    return refuse(o, res, 'ERR_ORIGIN_NOT_ALLOWED', 'session asked for by a cross-site request');
  }
  let body: string;
  try {
    body = (await readBody(req, MAX_SESSION_BODY_BYTES)).toString('utf8');
  } catch {
    // Over the cap, or the request broke off: either way no session.
    return refuse(o, res, 'ERR_BODY_TOO_LARGE', `body over ${MAX_SESSION_BODY_BYTES} bytes`);
  }
  const purpose = purposeOf(body);
  const token = await key.sign({
    issuer: origin,
    audience: o.appId,
    subject: o.subject,
    installationId: o.installationId,
    scopes: purpose === 'install' ? o.installScopes : o.scopes,
    lifetimeSec: o.tokenLifetimeSec,
    nowMs: o.now(),
  });
  o.logger.log('info', 'dev-platform.session.issued', { subject: o.subject, installationId: o.installationId, kid: key.kid, purpose });
  send(res, 200, { 'content-type': 'application/json', 'cache-control': 'no-store' }, JSON.stringify({ token, expiresInSec: o.tokenLifetimeSec }));
}

async function route(o: Resolved, key: DevSigningKey, origin: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { pathname } = new URL(req.url ?? '/', origin);
  const method = req.method ?? 'GET';
  if (pathname === '/session') {
    if (method !== 'POST') return refuse(o, res, 'ERR_METHOD_NOT_ALLOWED', `${method} /session`);
    return issueSession(o, key, origin, req, res);
  }
  if (method !== 'GET' && method !== 'HEAD') return refuse(o, res, 'ERR_METHOD_NOT_ALLOWED', `${method} ${pathname}`);
  if (pathname === JWKS_PATH) {
    // DESIGN.md "JWKS fetching": verifiers cache for at most 5 minutes, matching this max-age.
    return send(res, 200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }, JSON.stringify(key.jwks));
  }
  const page =
    installPage(pathname, o.functionsOrigin, o.installationId) ?? (await readPage(o.pageDir, pathname, o.functionsOrigin, o.socketOrigins));
  if (page === undefined) return refuse(o, res, 'ERR_NOT_FOUND', 'no such page');
  return send(res, page.status, page.headers, method === 'HEAD' ? '' : page.body);
}

/**
 * Starts the dev platform on loopback with a fresh in-memory ES256 key: `GET /.well-known/jwks.json`,
 * `POST /session` (→ `{ token, expiresInSec }`), the product page at `GET /` and, at `GET /install`, the app's install
 * page framed with install-scoped sessions. Options are checked here (TypeError).
 * @example
 * const platform = await startDevPlatform({ appId: 'order-lookup', installationId: 'demo',
 *   functionsUrl: 'http://127.0.0.1:4000', pageDir: 'demo/product' });
 */
export async function startDevPlatform(options: DevPlatformOptions): Promise<DevPlatform> {
  const o = resolveOptions(options);
  const key = await createDevSigningKey();
  let origin = '';
  const server: Server = createServer((req, res) => {
    route(o, key, origin, req, res).catch(() => {
      o.logger.log('error', 'dev-platform.failed', { path: req.url });
      if (!res.headersSent) send(res, 500, { 'content-type': 'application/json' }, JSON.stringify(new TesseraError('ERR_INTERNAL')));
      else res.destroy();
    });
  });
  await new Promise<void>((done, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => done());
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${o.host}:${port}`;
  let closing: Promise<void> | undefined;
  o.logger.log('info', 'dev-platform.listening', { url: origin });
  return {
    url: origin,
    jwksUrl: `${origin}${JWKS_PATH}`,
    close() {
      closing ??= new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
