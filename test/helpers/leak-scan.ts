/**
 * Looks for secrets in text, raw and in every encoding a careless line could give them: base64 and base64url at
 * each of the three byte alignments (so a secret inside a longer encoded blob is found too), hex in either case,
 * URL-encoding and JSON string escaping.
 */

export interface Secret {
  /** What it is, for the report (never the value). */
  name: string;
  value: string | Buffer;
}

export interface Leak {
  secret: string;
  encoding: string;
  /** Where the corpus came from, e.g. `stdout of npm start` or `GET /getOrder answer`. */
  where: string;
}

/** Shorter needles would match by chance in a large corpus. */
const MIN_NEEDLE_CHARS = 16;

/**
 * The base64 text of `bytes` as it appears inside any longer base64 text: for each of the 3 alignments, the
 * characters that depend only on `bytes` (the first and last, which mix in neighbours' bits, are dropped).
 */
function base64Inner(bytes: Buffer, alphabet: 'base64' | 'base64url'): string[] {
  const out: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const text = Buffer.concat([Buffer.alloc(pad), bytes, Buffer.alloc(3)]).toString(alphabet);
    const start = Math.ceil((pad * 4) / 3);
    const end = Math.floor(((pad + bytes.length) * 4) / 3);
    out.push(text.slice(start, end));
  }
  return out;
}

/** Every form of one secret the scan looks for, by encoding name. */
export function encodingsOf(value: string | Buffer): [string, string][] {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const forms: [string, string][] = [];
  if (typeof value === 'string') {
    forms.push(['raw', value], ['url-encoded', encodeURIComponent(value)], ['json-escaped', JSON.stringify(value).slice(1, -1)]);
  } else {
    forms.push(['raw', bytes.toString('latin1')]);
  }
  forms.push(['hex', bytes.toString('hex')], ['HEX', bytes.toString('hex').toUpperCase()]);
  for (const alphabet of ['base64', 'base64url'] as const) {
    for (const [i, inner] of base64Inner(bytes, alphabet).entries()) forms.push([`${alphabet}@${i}`, inner]);
  }
  const seen = new Set<string>();
  return forms.filter(([, needle]) => needle.length >= MIN_NEEDLE_CHARS && !seen.has(needle) && seen.add(needle) !== undefined);
}

/**
 * Every secret found in `corpus`, with its encoding. `except` names secrets this corpus may carry by design (the
 * answer that issued a CSRF token carries that token).
 */
export function findLeaks(corpus: string, where: string, secrets: readonly Secret[], except: ReadonlySet<string> = new Set()): Leak[] {
  const leaks: Leak[] = [];
  for (const secret of secrets) {
    if (except.has(secret.name)) continue;
    for (const [encoding, needle] of encodingsOf(secret.value)) {
      if (corpus.includes(needle)) leaks.push({ secret: secret.name, encoding, where });
    }
  }
  return leaks;
}
