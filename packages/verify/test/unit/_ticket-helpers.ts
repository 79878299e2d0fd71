/** Test helpers for the WebSocket upgrade check: tickets minted by jose, and the upgrade requests that carry them. */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { WS_TICKET_TYPE } from '../../../protocol/src/index.js';
import { createUpgradeVerifier, type UpgradeVerifierOptions } from '../../src/index.js';
import type { AppKey } from './_asymmetric-helpers.js';
import { APP_ID, CURRENT_SECRET, INSTALLATION_ID, NOW_SEC, capturedLogger, frozenClock } from './_helpers.js';

export const WS_ORIGIN = 'wss://orders.acme.test';
export const WS_PATH = '/orders/live?order=1001';
export const FRONTEND = 'https://acme.helpdesk.example.com';

/** Claims a correct minter would put on a ticket for {@link WS_PATH}. */
export function ticketClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: APP_ID,
    sub: INSTALLATION_ID,
    aud: WS_ORIGIN,
    htu: `${WS_ORIGIN}${WS_PATH}`,
    iat: NOW_SEC,
    nbf: NOW_SEC,
    exp: NOW_SEC + 30,
    jti: randomBytes(16).toString('base64url'),
    usr: 'user-42',
    ...overrides,
  };
}

/** A ticket signed by jose: HS256 with the secret unless an app key is given. */
export function mintTicket(
  options: { claims?: Record<string, unknown>; header?: Record<string, unknown>; secret?: string; key?: AppKey } = {},
): Promise<string> {
  const jwt = new SignJWT(ticketClaims(options.claims));
  if (options.key)
    return jwt
      .setProtectedHeader({ alg: options.key.alg, typ: WS_TICKET_TYPE, kid: options.key.kid, ...options.header })
      .sign(options.key.privateKey);
  return jwt
    .setProtectedHeader({ alg: 'HS256', typ: WS_TICKET_TYPE, ...options.header })
    .sign(new TextEncoder().encode(options.secret ?? CURRENT_SECRET));
}

/** The headers of a browser's upgrade: its Origin (`null`: none) and the subprotocols, application protocol first. */
export function upgradeHeaders(protocols: string | undefined, origin: string | null = FRONTEND): Record<string, string> {
  return {
    ...(origin === null ? {} : { origin }),
    ...(protocols === undefined ? {} : { 'sec-websocket-protocol': protocols }),
  };
}

/** An upgrade check with a frozen clock and captured logs; `send` checks {@link WS_PATH} with the given headers. */
export function upgradeVerifier(options: Partial<UpgradeVerifierOptions> = {}) {
  const { logger, lines } = capturedLogger();
  const clock = frozenClock();
  const verifier = createUpgradeVerifier({
    secrets: [CURRENT_SECRET],
    issuer: APP_ID,
    installationId: INSTALLATION_ID,
    publicOrigin: WS_ORIGIN,
    allowedOrigins: ['https://*.helpdesk.example.com'],
    logger,
    now: clock.now,
    ...options,
  } as UpgradeVerifierOptions);
  const send = (headers: Record<string, string>, url: string = WS_PATH) => verifier.verify({ url, headers });
  return { verifier, lines, clock, send };
}
