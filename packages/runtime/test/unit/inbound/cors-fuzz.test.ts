/** Seeded fuzzing of the Origin and Access-Control-Request-Headers parsing: no crash, never a match outside the policy. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { checkActualRequest, compileCorsPolicy, handlePreflight } from '../../../src/inbound/cors.js';
import { InboundError } from '../../../../protocol/src/errors.js';
import { seededRandom } from '../../../../../test/helpers/seeded-random.js';

const SEED = 0x7e55e7a;
const RUNS = 5_000;
const EXACT = ['https://app.product.test:8443', 'http://localhost:3000'];
const policy = compileCorsPolicy({ allowedOrigins: ['https://*.example.com', ...EXACT] }, { addNote: { methods: ['POST'] } });

type Random = () => number;
const pick = <T>(rnd: Random, items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;

const SCHEMES = ['https', 'http', 'HTTPS', 'ftp', '', 'https:', 'javascript'];
const SEPARATORS = ['://', ':/', ':', '//', ':\\\\', '://:'];
const LABELS = [
  'a',
  'tenant-1',
  'example',
  'com',
  'evil',
  'app',
  'product',
  'test',
  'localhost',
  'xn--bcher-kva',
  '1',
  '127',
  '0x7f',
  '',
  '*',
  'A',
  'ü',
  '-a',
  'a-',
  'a'.repeat(64),
  '%2e',
  'example.com',
  'evilexample',
  'net',
];
const PORTS = ['', '', ':443', ':80', ':8443', ':3000', ':0', ':08443', ':99999', ':', ':-1', ':3000a'];
const SUFFIXES = ['', '', '', '/', '/x', '?q', '#f', ' ', '\t', '.', '.evil.net', '@evil.net', '\n', ',https://a.example.com'];
const PREFIXES = ['', '', '', ' ', 'user@', 'a.example.com@', '\u0000'];
const CHARS = "abcxyzAZ019-._~:/?#[]@!$&'()*+,;=% \t\n\u00fc\u0130\u212a\u3002\uff0e\ud83d\ude00";

/** A candidate built from origin-like parts: mostly near misses of the policy's entries. */
function structured(rnd: Random): string {
  const labels = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(rnd, LABELS));
  const host = rnd() < 0.4 ? `${pick(rnd, LABELS)}.example.com` : labels.join('.');
  return `${pick(rnd, SCHEMES)}${pick(rnd, SEPARATORS)}${pick(rnd, PREFIXES)}${host}${pick(rnd, PORTS)}${pick(rnd, SUFFIXES)}`;
}

/** An allowed origin with one character inserted, removed, replaced or re-cased. */
function mutated(rnd: Random): string {
  const base = pick(rnd, [...EXACT, 'https://a.example.com', 'https://tenant-1.example.com']);
  const i = Math.floor(rnd() * (base.length + 1));
  const c = CHARS[Math.floor(rnd() * CHARS.length)] as string;
  switch (Math.floor(rnd() * 4)) {
    case 0:
      return base.slice(0, i) + c + base.slice(i);
    case 1:
      return base.slice(0, i) + base.slice(i + 1);
    case 2:
      return base.slice(0, i) + c + base.slice(i + 1);
    default:
      return base.slice(0, i) + base.slice(i, i + 1).toUpperCase() + base.slice(i + 1);
  }
}

function noise(rnd: Random): string {
  return Array.from({ length: Math.floor(rnd() * 60) }, () => CHARS[Math.floor(rnd() * CHARS.length)]).join('');
}

/** The policy written independently of the implementation: plain string tests, a superset of what may match. */
function withinPolicy(origin: string): boolean {
  return EXACT.includes(origin) || /^https:\/\/[a-z0-9-]{1,63}\.example\.com$/.test(origin);
}

function event(method: string, headers: Record<string, string>): APIGatewayProxyEventV2 {
  return { headers, requestContext: { http: { method } } } as unknown as APIGatewayProxyEventV2;
}

/** The allow-origin header value, or undefined when the request was refused with the right code. */
function decide(origin: string): string | undefined {
  try {
    return checkActualRequest(policy, event('POST', { origin }))['access-control-allow-origin'];
  } catch (err) {
    if (err instanceof InboundError && err.code === 'ERR_ORIGIN_NOT_ALLOWED') return undefined;
    throw err;
  }
}

describe('checkActualRequest (fuzz)', () => {
  it.each([
    ['origin-like parts', structured],
    ['one-character mutations of allowed origins', mutated],
    ['random characters', noise],
  ])('never allows an Origin outside the policy, from %s', (_kind, make) => {
    // Prepare
    const rnd = seededRandom(SEED);
    const outside: string[] = [];
    let allowed = 0;
    // Act
    for (let i = 0; i < RUNS; i++) {
      const origin = make(rnd);
      const answer = decide(origin);
      if (answer === undefined) continue;
      allowed++;
      if (answer !== origin || !withinPolicy(origin)) outside.push(origin);
    }
    // Assess
    expect(outside).toEqual([]);
    expect(allowed).toBeLessThan(RUNS);
  });

  it('allows every well-formed origin the policy names, so the run above is not vacuous', () => {
    // Prepare
    const rnd = seededRandom(SEED);
    const label = () => Array.from({ length: 1 + Math.floor(rnd() * 20) }, () => pick(rnd, [...'abcdefghijklmnopqrstuvwxyz0123456789'])).join('');
    const origins = [...EXACT, ...Array.from({ length: 2_000 }, () => `https://${label()}.example.com`)];
    // Act
    const refused = origins.filter((o) => decide(o) !== o);
    // Assess
    expect(refused).toEqual([]);
  });
});

describe('handlePreflight (fuzz)', () => {
  it('never answers 204 for a header outside the allowed set', () => {
    // Prepare
    const rnd = seededRandom(SEED + 1);
    const allowedHeaders = new Set(policy.allowedHeaders);
    const names = [...policy.allowedHeaders, 'Authorization', 'x-evil', 'cookie', '*', '', ' ', 'content type', 'x-csrf-token\u0000'];
    const bad: string[] = [];
    let answered = 0;
    // Act
    for (let i = 0; i < RUNS; i++) {
      const list = Array.from({ length: Math.floor(rnd() * 5) }, () => (rnd() < 0.1 ? noise(rnd) : pick(rnd, names)));
      const requested = list.join(pick(rnd, [',', ', ', ' ,', ';', '\t,']));
      const response = handlePreflight(
        policy,
        'addNote',
        event('OPTIONS', { origin: 'https://a.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': requested }),
      );
      if (response.statusCode !== 204) continue;
      answered++;
      const granted = (response.headers['access-control-allow-headers'] ?? '').split(', ').filter((h) => h !== '');
      if (granted.some((h) => !allowedHeaders.has(h))) bad.push(requested);
      if (requested.split(',').some((h) => h.trim() !== '' && !allowedHeaders.has(h.trim().toLowerCase()))) bad.push(requested);
    }
    // Assess
    expect(bad).toEqual([]);
    expect(answered).toBeGreaterThan(0);
  });
});
