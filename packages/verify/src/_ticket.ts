/** The WebSocket ticket's claims: the request token's shared checks, with `htu` the socket's exact URL. */
import { VerifyError } from '@tessera/protocol/errors';
import type { WsTicketClaims } from '@tessera/protocol';
import type { HtuMatcher } from './_htu.js';
import type { SignatureVerifier } from './_jws.js';
import { checkTimes, identityClaims, rememberToken, requirePresent } from './_jwt.js';
import type { ResolvedOptions } from './_resolve-options.js';

const REQUIRED_CLAIMS: readonly string[] = ['exp', 'iat', 'nbf', 'jti', 'iss', 'sub', 'aud', 'htu'];
/** A platform user id as a ticket names it: printable, bounded; anything else is not carried on. */
const USER = /^[\x21-\x7e]{1,256}$/;

/** Checks one ticket against the upgrade's request target; synchronous when the replay store is. */
export type TicketCheck = (ticket: string, target: string) => WsTicketClaims | Promise<WsTicketClaims>;

/**
 * Signature (pinned algorithms, the ticket `typ`), the claims every Tessera token carries, lifetime, `htu` against the
 * configured public origin plus the request target (never `Host`), and last the replay store: only a ticket that
 * passed everything else is used up.
 */
export function createTicketCheck(verifySignature: SignatureVerifier, options: ResolvedOptions, htuMatches: HtuMatcher): TicketCheck {
  const finish = (payload: Record<string, unknown>, target: string): WsTicketClaims | Promise<WsTicketClaims> => {
    requirePresent(payload, REQUIRED_CLAIMS);
    const identity = identityClaims(payload, options);
    checkTimes(identity, options);
    const { htu, usr } = payload;
    if (typeof htu !== 'string') throw new VerifyError('ERR_VERIFY_MALFORMED', 'claim "htu" invalid');
    if (!htuMatches(htu, target)) throw new VerifyError('ERR_VERIFY_BINDING', 'htu does not match the public origin and request path');
    if (usr !== undefined && (typeof usr !== 'string' || !USER.test(usr))) throw new VerifyError('ERR_VERIFY_MALFORMED', 'claim "usr" invalid');
    const claims: WsTicketClaims = { ...identity, htu, ...(usr === undefined ? {} : { usr }) };
    const remembered = rememberToken(options.replayStore, claims, options.clockToleranceSec);
    return remembered === undefined ? claims : remembered.then(() => claims);
  };
  return (ticket, target) => {
    const signed = verifySignature(ticket);
    if (signed instanceof Promise) return signed.then(({ payload }) => finish(payload, target));
    return finish(signed.payload, target);
  };
}
