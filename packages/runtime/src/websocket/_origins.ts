/**
 * The Origin check of a `$connect`, on the parser and patterns of the functions' CORS policy (`@tessera/protocol`):
 * a WebSocket is not subject to CORS, so without this check any page could open one with the user's session.
 */
import { matchesPattern, parseOrigin, parseOriginPattern, type OriginPattern } from '@tessera/protocol';
import { REPEATED } from './_handshake.js';

/** Answers why an Origin header value is refused, or undefined when it is allowed. */
export type OriginGuard = (value: string | typeof REPEATED | undefined) => string | undefined;

/**
 * Compiles the allowlist once; an entry that is not an exact origin or a one-label wildcard is a `TypeError`. `*` and
 * `null` are refused here although CORS takes `*` without credentials: on a socket that carries a session, any page
 * would do (cross-site WebSocket hijacking).
 */
export function compileOriginGuard(who: string, source: string, entries: readonly unknown[], allowNoOrigin: boolean): OriginGuard {
  if (!Array.isArray(entries)) throw new TypeError(`${who}: ${source} must be a list of origins`);
  const patterns = entries.map((entry, i): OriginPattern => {
    if (typeof entry !== 'string') throw new TypeError(`${who}: ${source}[${i}] must be a string`);
    if (entry === '*' || entry === 'null') {
      throw new TypeError(`${who}: ${source}[${i}] must name origins: "*" and "null" would let any page open a socket`);
    }
    const pattern = parseOriginPattern(entry);
    if ('rule' in pattern) throw new TypeError(`${who}: ${source}[${i}] ${pattern.rule}`);
    return pattern;
  });
  // The reasons name the rule only: the Origin value is request input and stays out of logs.
  return (value) => {
    if (value === REPEATED) return 'Origin repeated';
    if (value === undefined) return allowNoOrigin ? undefined : 'no Origin and allowNoOrigin is false';
    const parsed = parseOrigin(value);
    if (parsed === undefined) return 'Origin is not a canonical origin';
    return patterns.some((p) => matchesPattern(p, parsed)) ? undefined : 'origin not allowed';
  };
}
