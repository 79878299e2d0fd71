/**
 * The WebSocket upgrade check: before any socket is accepted and before any application code runs, the `Origin`
 * against an allowlist (the CORS rules and parser), then the ticket from `Sec-WebSocket-Protocol` through the request
 * verifier's own signature, claim and replay checks. A refusal is an HTTP answer on the upgrade, and the socket is
 * destroyed.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { isTesseraError, TesseraError, VerifyError } from '@tessera/protocol/errors';
import {
  compileOriginAllowlist,
  readTicketProtocols,
  WS_DEFAULT_PROTOCOL,
  WS_TICKET_MAX_LIFETIME_SEC,
  WS_TICKET_PROTOCOL_PREFIX,
  WS_TICKET_TYPE,
  type WsTicketClaims,
} from '@tessera/protocol';
import type { Logger } from '@tessera/protocol/log';
import { createSignatureVerifier } from './create-verifier.js';
import { headerValue } from './_headers.js';
import { createHtuMatcher } from './_htu.js';
import { refusalAuditFields } from './_refusal-event.js';
import { resolveOptions, type ResolvedOptions } from './_resolve-options.js';
import { createTicketCheck, type TicketCheck } from './_ticket.js';
import type { VerifierOptions } from './verifier-options.js';

/** The key options of a JWT verifier (secrets, or algorithms with `jwksUrl` or `keys`) and who it serves. */
// Distributive, so each key variant keeps its own rules (app keys require `installationId`, as for request tokens).
type TicketKeyOptions =
  Extract<VerifierOptions, { mode: 'jwt' }> extends infer V
    ? V extends unknown
      ? Omit<V, 'mode' | 'publicOrigin' | 'maxTokenAgeSec'>
      : never
    : never;

/**
 * Options of {@link createUpgradeVerifier}: the request verifier's JWT options (the same secrets or app keys, the
 * same installation pin), this server's WebSocket origin, and the browser origins allowed to open a socket.
 * @example
 * const upgrades = createUpgradeVerifier({
 *   secrets: [process.env.TESSERA_SECRET!], issuer: 'order-lookup', installationId: 'acme',
 *   publicOrigin: 'wss://orders.acme.com', allowedOrigins: ['https://*.helpdesk.example.com'],
 * });
 */
export type UpgradeVerifierOptions = TicketKeyOptions & {
  /** This server as the browser reaches it, `wss://host[:port]` (`ws://` behind a TLS-terminating proxy): the tickets' `aud`. */
  publicOrigin: string;
  /** Browser origins allowed to open a socket: exact origins or one-label wildcards, as in the manifest's `cors`; no `*`. */
  allowedOrigins: readonly string[];
  /** Accept an upgrade without `Origin` (a non-browser client). Default false: a browser always sends one. */
  allowMissingOrigin?: boolean;
  /** Application subprotocols this server speaks, in its order of preference. Default `['tessera.v1']`. */
  protocols?: readonly string[];
  /** Longest ticket lifetime accepted (`exp - iat`, and the oldest `iat`), in seconds. Default 60, at most 60. */
  maxTicketAgeSec?: number;
};

/** What an accepted upgrade proved. */
export interface VerifiedUpgrade {
  installationId: string;
  /** The application protocol to echo: never the ticket. */
  protocol: string;
  /** The platform user the ticket was minted for, when a session minted it. */
  user: string | undefined;
  claims: WsTicketClaims;
}

/** The upgrade request as the check reads it: the path and query as received, and the headers. */
export interface UpgradeInput {
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

/** A configured upgrade check. */
export interface UpgradeVerifier {
  /** Resolves what the upgrade proved, or rejects with a {@link VerifyError} carrying a stable code. */
  verify(request: UpgradeInput): Promise<VerifiedUpgrade>;
  /** The options it was built with, resolved, for the `ws` integration and the proxy. */
  readonly logger: Logger;
  readonly protocols: readonly string[];
}

const UPGRADE_KEYS: ReadonlySet<string> = new Set(['allowedOrigins', 'allowMissingOrigin', 'protocols', 'maxTicketAgeSec']);
const SUBPROTOCOL = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function fail(rule: string): never {
  throw new TypeError(`createUpgradeVerifier: ${rule}`);
}

/** `wss://` and `ws://` origins checked as their `https://` and `http://` twins by the request verifier's rules. */
function asHttpOrigin(value: unknown): string {
  if (typeof value !== 'string' || !/^wss?:\/\//.test(value)) fail('option "publicOrigin" must be wss://host[:port] (or ws:// behind a TLS proxy)');
  return value.replace(/^ws/, 'http');
}

function checkProtocols(value: unknown): readonly string[] {
  if (value === undefined) return [WS_DEFAULT_PROTOCOL];
  if (!Array.isArray(value) || value.length === 0) fail('option "protocols" must be a non-empty list of subprotocol names');
  for (const p of value) {
    if (typeof p !== 'string' || !SUBPROTOCOL.test(p) || p.startsWith(WS_TICKET_PROTOCOL_PREFIX)) {
      fail(`option "protocols" entry must be a token and not start with ${WS_TICKET_PROTOCOL_PREFIX}`);
    }
  }
  return Object.freeze([...(value as string[])]);
}

interface Resolved {
  verifier: ResolvedOptions;
  originAllowed: (origin: string) => boolean;
  allowMissingOrigin: boolean;
  protocols: readonly string[];
}

function resolve(options: UpgradeVerifierOptions): Resolved {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  const { allowedOrigins, allowMissingOrigin = false, protocols, maxTicketAgeSec = WS_TICKET_MAX_LIFETIME_SEC, publicOrigin, ...rest } = options;
  const originAllowed = compileOriginAllowlist(allowedOrigins as readonly unknown[]);
  if (typeof originAllowed === 'string') fail(`option "allowedOrigins" ${originAllowed}`);
  if (typeof allowMissingOrigin !== 'boolean') fail('option "allowMissingOrigin" must be a boolean');
  if (typeof maxTicketAgeSec !== 'number' || !(maxTicketAgeSec >= 1 && maxTicketAgeSec <= WS_TICKET_MAX_LIFETIME_SEC)) {
    fail(`option "maxTicketAgeSec" must be a number of seconds from 1 to ${WS_TICKET_MAX_LIFETIME_SEC}`);
  }
  for (const key of Object.keys(rest)) if (UPGRADE_KEYS.has(key)) fail(`option "${key}" is invalid`);
  // The request verifier's own resolution: the same key, issuer and installation rules, refused the same way.
  let verifier: ResolvedOptions;
  try {
    verifier = resolveOptions({ ...rest, mode: 'jwt', publicOrigin: asHttpOrigin(publicOrigin), maxTokenAgeSec: maxTicketAgeSec } as VerifierOptions);
  } catch (err) {
    throw new TypeError((err as Error).message.replace(/^createVerifier:/, 'createUpgradeVerifier:'));
  }
  verifier = { ...verifier, publicOrigin: verifier.publicOrigin.replace(/^http/, 'ws') };
  return { verifier, originAllowed, allowMissingOrigin, protocols: checkProtocols(protocols) };
}

/** The application protocol: this server's most preferred among those the client offered besides the ticket. */
function chooseProtocol(offered: readonly string[], accepted: readonly string[]): string {
  const chosen = accepted.find((p) => offered.includes(p));
  if (chosen === undefined) throw new VerifyError('ERR_VERIFY_PROTOCOL', 'no accepted application subprotocol offered');
  return chosen;
}

/**
 * Builds the upgrade check; every option is checked here (TypeError on misuse), never per upgrade.
 * @example
 * server.on('upgrade', (req, socket, head) => {
 *   upgrades.verify(req).then((v) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req, v)),
 *     (err) => refuseUpgrade(socket, err));
 * });
 */
export function createUpgradeVerifier(options: UpgradeVerifierOptions): UpgradeVerifier {
  const { verifier: resolved, originAllowed, allowMissingOrigin, protocols } = resolve(options);
  const check: TicketCheck = createTicketCheck(createSignatureVerifier(resolved, WS_TICKET_TYPE), resolved, createHtuMatcher(resolved.publicOrigin));
  const { logger } = resolved;

  function checkUpgrade(input: UpgradeInput): VerifiedUpgrade | Promise<VerifiedUpgrade> {
    const origin = headerValue(input.headers, 'origin');
    if (origin === undefined) {
      if (!allowMissingOrigin) throw new VerifyError('ERR_VERIFY_ORIGIN', 'no Origin header');
    } else if (typeof origin !== 'string' || !originAllowed(origin)) {
      throw new VerifyError('ERR_VERIFY_ORIGIN', 'Origin is not an allowed origin');
    }
    const offered = readTicketProtocols(headerValue(input.headers, 'sec-websocket-protocol'));
    if ('kind' in offered) throw new VerifyError(offered.kind === 'missing' ? 'ERR_VERIFY_MISSING' : 'ERR_VERIFY_MALFORMED', offered.reason);
    const protocol = chooseProtocol(offered.protocols, protocols);
    const target = input.url ?? '/';
    const claims = check(offered.ticket, target);
    const done = (c: WsTicketClaims): VerifiedUpgrade => ({ installationId: c.sub, protocol, user: c.usr, claims: c });
    return claims instanceof Promise ? claims.then(done) : done(claims);
  }

  const refusalOf = (err: unknown): VerifyError => {
    const refusal = err instanceof VerifyError ? err : new VerifyError('ERR_VERIFY_MALFORMED', 'unexpected verification failure');
    // Like the request verifier: the reason names a rule, never the ticket, the Origin or a claim value.
    logger.log('warn', 'verify.upgrade_refused', { code: refusal.code, reason: refusal.reason, ...refusalAuditFields(undefined, resolved.now()) });
    return refusal;
  };

  return Object.freeze({
    logger,
    protocols,
    verify(input: UpgradeInput) {
      try {
        const outcome = checkUpgrade(input);
        return outcome instanceof Promise ? outcome.catch((err: unknown) => Promise.reject(refusalOf(err))) : Promise.resolve(outcome);
      } catch (err) {
        return Promise.reject(refusalOf(err));
      }
    },
  });
}

/**
 * Answers a refused upgrade on its socket, before any WebSocket exists: the error's status, its headers and
 * `{"error":{"code","message"}}`, then the socket is destroyed. Anything that is not a Tessera error answers a bare 500.
 * @example
 * upgrades.verify(req).catch((err) => refuseUpgrade(socket, err));
 */
export function refuseUpgrade(socket: Duplex, err: unknown): void {
  const error: TesseraError = isTesseraError(err) ? err : new TesseraError('ERR_INTERNAL');
  const { status } = error;
  const body = JSON.stringify(error.toJSON());
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    ...Object.entries(error.headers).map(([name, value]) => `${name}: ${value}`),
  ];
  if (!socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
