/**
 * Origins as parsed parts: the canonical form a browser sends, and the allowlist patterns it is compared with. The
 * one implementation under the functions' CORS policy and the WebSocket upgrade's Origin check.
 */

/** An Origin header value known to be canonical, split into the parts that are compared. */
export interface ParsedOrigin {
  scheme: 'http' | 'https';
  /** Lower-case DNS name, dotted IPv4, or bracketed IPv6; ASCII only (IDNs arrive as punycode). */
  host: string;
  /** Decimal port, or '' for the scheme's default port (which a canonical origin never spells out). */
  port: string;
}

/** One allowlist entry compiled: any origin, one exact origin, or one DNS label under a base host. */
export type OriginPattern =
  | { kind: 'any' }
  | { kind: 'exact'; origin: ParsedOrigin }
  | { kind: 'wildcard'; scheme: ParsedOrigin['scheme']; base: string; port: string };

// Scheme, a 253-character host and a port; anything longer is not an origin a browser can send.
const MAX_ORIGIN_CHARS = 8 + 253 + 6;
const MAX_HOST_CHARS = 253;
// Anchored at both ends; the host part is checked again below and the whole against the WHATWG serialisation.
const ORIGIN_SHAPE = /^(https?):\/\/([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::([0-9]{1,5}))?$/;
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DNS_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);
// A last label with a letter: the URL standard reads an all-numeric last label as IPv4, never as a DNS name.
const ENDS_WITH_NAME = /(?:^|\.)[a-z0-9-]*[a-z][a-z0-9-]*$/;
const WILDCARD_PREFIX = '*.';

/**
 * Parses an Origin header value, or returns undefined unless it is exactly the canonical lower-case
 * `scheme://host[:port]` a browser serialises: no path, slash, userinfo, whitespace, default port or Unicode.
 */
export function parseOrigin(raw: string): ParsedOrigin | undefined {
  if (raw.length > MAX_ORIGIN_CHARS) return undefined;
  const m = ORIGIN_SHAPE.exec(raw);
  if (!m) return undefined;
  const scheme = m[1] as ParsedOrigin['scheme'];
  const host = m[2] as string;
  const port = m[3] ?? '';
  if (host.length > MAX_HOST_CHARS) return undefined;
  const isName = DNS_NAME.test(host) && ENDS_WITH_NAME.test(host);
  if (!isName && !IPV4.test(host) && !host.startsWith('[')) return undefined;
  // The URL parser is the reference for canonical form: it drops a default port, strips leading zeros from a port
  // and compresses IPv6, so any difference from the raw text means a browser would not have sent it.
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.origin !== raw) return undefined;
  return { scheme, host, port };
}

/** True when `origin` has the given scheme and port and its host is exactly one DNS label followed by `.base`. */
function matchesWildcard(p: Extract<OriginPattern, { kind: 'wildcard' }>, origin: ParsedOrigin): boolean {
  if (origin.scheme !== p.scheme || origin.port !== p.port) return false;
  const dot = origin.host.indexOf('.');
  return dot > 0 && origin.host.slice(dot + 1) === p.base && !origin.host.startsWith('[');
}

/** True when a parsed (hence canonical) origin is allowed by one compiled pattern: parts compared, never a regex. */
export function matchesPattern(p: OriginPattern, origin: ParsedOrigin): boolean {
  switch (p.kind) {
    case 'any':
      return true;
    case 'exact':
      return p.origin.scheme === origin.scheme && p.origin.host === origin.host && p.origin.port === origin.port;
    case 'wildcard':
      return matchesWildcard(p, origin);
  }
}

/**
 * Compiles one allowlist entry, or returns a rule it breaks. `null` and `*` are handled by the caller, which knows
 * whether credentials are on.
 */
export function parseOriginPattern(raw: string): OriginPattern | { rule: string } {
  const schemeEnd = raw.indexOf('://');
  const rest = schemeEnd < 0 ? '' : raw.slice(schemeEnd + 3);
  if (!rest.startsWith(WILDCARD_PREFIX)) {
    if (raw.includes('*')) return { rule: 'a wildcard must be the whole first label, as in https://*.example.com' };
    const origin = parseOrigin(raw);
    return origin
      ? { kind: 'exact', origin }
      : { rule: 'must be a canonical lower-case scheme://host[:port] (http or https, default port omitted, no path or trailing slash)' };
  }
  // Substitute a concrete label so the rest goes through the one origin parser.
  const probe = parseOrigin(`${raw.slice(0, schemeEnd)}://x.${rest.slice(WILDCARD_PREFIX.length)}`);
  const base = probe?.host.slice(2) ?? '';
  if (!probe || rest.slice(WILDCARD_PREFIX.length).includes('*') || !DNS_NAME.test(base) || !ENDS_WITH_NAME.test(base)) {
    return { rule: 'a wildcard origin must be scheme://*.name[:port] with a DNS name after the wildcard' };
  }
  // `*.com` would admit every site under a top-level domain.
  if (!base.includes('.')) return { rule: 'a wildcard needs at least two labels after it, as in https://*.example.com' };
  return { kind: 'wildcard', scheme: probe.scheme, base, port: probe.port };
}

/**
 * An allowlist of browser origins as one predicate, for a check with no `*`: a WebSocket upgrade, where allowing every
 * origin is the cross-site hijack the check exists to stop. Each entry is an exact origin or a one-label wildcard,
 * under the same rules (and the same parser) as the functions' CORS policy. Returns the predicate, or the first
 * entry's rule broken, for the caller's option error.
 * @example
 * const allowed = compileOriginAllowlist(['https://*.helpdesk.example.com']);
 * if (typeof allowed === 'string') throw new TypeError(`option "allowedOrigins" ${allowed}`);
 * allowed('https://acme.helpdesk.example.com') // true
 */
export function compileOriginAllowlist(entries: readonly unknown[]): ((origin: string) => boolean) | string {
  if (!Array.isArray(entries) || entries.length === 0) return 'must be a non-empty list of origins';
  const patterns: OriginPattern[] = [];
  for (const [i, entry] of entries.entries()) {
    if (typeof entry !== 'string') return `[${i}] must be a string`;
    if (entry === '*' || entry === 'null') return `[${i}] must name origins: "*" and "null" would let any page in`;
    const pattern = parseOriginPattern(entry);
    if ('rule' in pattern) return `[${i}] ${pattern.rule}`;
    patterns.push(pattern);
  }
  return (origin) => {
    const parsed = parseOrigin(origin);
    return parsed !== undefined && patterns.some((p) => matchesPattern(p, parsed));
  };
}
