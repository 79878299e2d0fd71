/** The `htu` binding check: the signed URL against the public origin plus the received request target. */
import { normalizeHtu } from '@tessera/protocol';

/**
 * Targets that {@link normalizeHtu} returns unchanged after a normalised origin: pchars and `/` only (no `%`, `\`,
 * `#`, quote, space or other character WHATWG would encode), no `.` or `..` segment, and a non-empty query if any.
 * Anything else takes the full normalisation, so the fast path never accepts what the full one would refuse.
 */
const VERBATIM_TARGET = /^(?!.*\/\.\.?(?:[/?]|$))\/[\w\-.~!$&()*+,;=:@/]*(?:\?[\w\-.~!$&()*+,;=:@/?]+)?$/;

/** Tells whether a token's `htu` is the request target as received, taken under this server's public origin. */
export type HtuMatcher = (htu: string, target: string) => boolean;

/**
 * A matcher for one public origin. When `htu` is literally the origin plus the target and that string is already
 * in normal form, no URL is parsed (the usual case: signers send the URL they normalised); otherwise the target is
 * normalised in full and compared. Both paths give the same answer for every input.
 * @example
 * const matches = createHtuMatcher('https://orders.acme.com');
 * matches('https://orders.acme.com/orders/~1', '/orders/%7e1'); // true
 */
export function createHtuMatcher(publicOrigin: string): HtuMatcher {
  // An origin WHATWG would still rewrite (e.g. an IDN host) never takes the fast path.
  const verbatimOrigin = normalizeHtu(`${publicOrigin}/`) === `${publicOrigin}/`;
  return (htu, target) => {
    // Only origin-form targets: `@evil.example/` or `.evil.example/` appended to the origin would change its host.
    if (target.charCodeAt(0) !== 0x2f) return false;
    if (
      verbatimOrigin &&
      htu.length === publicOrigin.length + target.length &&
      htu.startsWith(publicOrigin) &&
      htu.endsWith(target) &&
      VERBATIM_TARGET.test(target)
    ) {
      return true;
    }
    let expected: string;
    try {
      expected = normalizeHtu(publicOrigin + target);
    } catch {
      return false;
    }
    return htu === expected;
  };
}
