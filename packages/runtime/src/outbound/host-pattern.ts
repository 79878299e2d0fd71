/** The manifest's allowed-host patterns: exact hosts and one-label wildcards, optionally with a port. */
import { isLoopbackHost } from '@tessera/protocol';

export interface HostPatternOptions {
  /** Allow `http:` to loopback hosts (offline mode). Default false: HTTPS only. */
  allowLoopbackHttp?: boolean;
}

interface Pattern {
  /** Lower-case host without the wildcard label, e.g. `example.com` for `*.example.com`. */
  host: string;
  wildcard: boolean;
  /** Explicit port, or undefined for the scheme's default port only. */
  port?: string;
}

const PATTERN = /^(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:]+\])(?::(\d{1,5}))?$/;

function parsePattern(raw: string): Pattern {
  const m = PATTERN.exec(raw);
  if (!m) throw new TypeError(`allowed host pattern "${raw}" must be host, *.host or [ipv6], optionally :port, lower case`);
  return { wildcard: m[1] !== undefined, host: m[2] as string, port: m[3] };
}

/** True when `hostname` (already lower-cased by URL parsing) matches: a wildcard stands for exactly one label. */
function hostMatches(p: Pattern, hostname: string): boolean {
  if (!p.wildcard) return hostname === p.host;
  const dot = hostname.indexOf('.');
  return dot > 0 && hostname.slice(dot + 1) === p.host;
}

/**
 * Compiles patterns once into a predicate over parsed URLs. A URL with credentials, another scheme, or a
 * non-default port the pattern does not name is refused.
 * @example
 * const allowed = compileHostPatterns(['*.orders.example.com']);
 * allowed(new URL('https://acme.orders.example.com/x')) // true
 * allowed(new URL('https://a.b.orders.example.com/x'))  // false
 */
export function compileHostPatterns(patterns: readonly string[], options: HostPatternOptions = {}): (url: URL) => boolean {
  const compiled = patterns.map(parsePattern);
  const allowLoopbackHttp = options.allowLoopbackHttp === true;
  return (url) => {
    if (url.username || url.password) return false;
    const host = url.hostname;
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowLoopbackHttp && isLoopbackHost(host))) return false;
    return compiled.some((p) => hostMatches(p, host) && (p.port === undefined ? url.port === '' : url.port === p.port));
  };
}
