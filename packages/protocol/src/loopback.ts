/**
 * What "loopback" means in Tessera, everywhere it matters: plain HTTP to a local JWKS or customer server in offline
 * mode, and the addresses the development servers may listen on. One rule, so a host is never local to one part and
 * remote to another.
 */
import { isIPv4 } from 'node:net';

/** The rule in words, for error messages. @example `option "host" ${LOOPBACK_RULE}` */
export const LOOPBACK_RULE = 'must be a loopback host: localhost, 127.0.0.0/8 or ::1';

/**
 * True for `localhost`, an IPv4 address in 127.0.0.0/8, or `::1` (bare, as a socket reports it, or in brackets, as
 * a URL's `hostname` has it), and the IPv4-mapped `::ffff:127.x.y.z` a dual-stack socket reports. Names that merely
 * resolve to loopback (`foo.localhost`, an `/etc/hosts` entry) do not count: the rule is decided on the text, with no
 * lookup an attacker's DNS could answer.
 * @example
 * isLoopbackHost(new URL('http://127.0.0.1:4100/').hostname) // true
 * isLoopbackHost('[::1]')                                     // true
 * isLoopbackHost('127.0.0.1.nip.io')                          // false
 */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  const v4 = host.startsWith('::ffff:') ? host.slice('::ffff:'.length) : host;
  return isIPv4(v4) && v4.startsWith('127.');
}
