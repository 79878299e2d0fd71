/**
 * The hand-written HS256 check against jose, token by token: whatever it accepts, jose (pinned to HS256, with the
 * same typ rule) accepts too with the same payload, over a seeded corpus of forged, mutated and re-signed tokens.
 * This is the evidence that replacing jose on the hot path lost no safety.
 */
import { createHmac } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, SignJWT } from 'jose';
import { createHs256Verifier } from '../../src/_hs256.js';
import { createHs256Signer, newJti } from '../../../runtime/src/outbound/index.js';
import { seededRandom } from '../../../../test/helpers/seeded-random.js';

const SECRET = 'diff-Secret_0123456789abcdefghijklmnopqrstuv';
const OTHER = 'diff-Other__0123456789abcdefghijklmnopqrstuv';
const KEY = new TextEncoder().encode(SECRET);
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const NOISE = `${B64URL}.=+/ %`;

const enc = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
function signRaw(header: string, payload: string, secret = SECRET): string {
  const input = `${header}.${payload}`;
  return `${input}.${createHmac('sha256', Buffer.from(secret)).update(input).digest('base64url')}`;
}

const claims = () => {
  const iat = 1_800_000_000;
  return {
    iss: 'app',
    sub: 'inst',
    aud: 'https://c.example.com',
    iat,
    nbf: iat,
    exp: iat + 30,
    jti: newJti(),
    htm: 'GET',
    htu: 'https://c.example.com/x',
    bh: 'x',
  };
};

/** jose's verdict with the verifier's profile: HS256 pinned, typ compared as jwtVerify compares it. */
async function joseAccepts(token: string): Promise<Record<string, unknown> | undefined> {
  try {
    const { payload, protectedHeader } = await compactVerify(token, KEY, { algorithms: ['HS256'] });
    const typ = String(protectedHeader.typ ?? '')
      .toLowerCase()
      .replace(/^application\//, '');
    if (typ !== 'tessera+jwt') return undefined;
    const parsed = JSON.parse(new TextDecoder().decode(payload)) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const verify = createHs256Verifier([SECRET], ['HS256']);
function handAccepts(token: string): Record<string, unknown> | undefined {
  try {
    return verify(token).payload;
  } catch {
    return undefined;
  }
}

async function genuine(): Promise<string[]> {
  const ours = createHs256Signer(SECRET)(claims());
  const viaJose = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'tessera+jwt' }).sign(KEY);
  return [ours, viaJose];
}

/** Forged and malformed variants, each built from a genuine token. */
function corpus(base: string[], next: () => number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const out: string[] = [];
  const headers = [
    { alg: 'none', typ: 'tessera+jwt' },
    { alg: 'HS384', typ: 'tessera+jwt' },
    { alg: 'hs256', typ: 'tessera+jwt' },
    { alg: 'RS256', typ: 'tessera+jwt' },
    { alg: 'HS256' },
    { alg: 'HS256', typ: 'JWT' },
    { alg: 'HS256', typ: 'TESSERA+JWT' },
    { alg: 'HS256', typ: 'application/tessera+jwt' },
    { alg: 'HS256', typ: 'tessera+jwt', crit: ['exp'], exp: 1 },
    { alg: 'HS256', typ: 'tessera+jwt', b64: false, crit: ['b64'] },
    { alg: 'HS256', typ: 'tessera+jwt', kid: 'k1' },
    { alg: 'HS256', typ: 'tessera+jwt', jku: 'https://evil.example/jwks' },
    { alg: ['HS256'], typ: 'tessera+jwt' },
  ];
  const payloads = [claims(), [1, 2], 42, 'text', null, { ...claims(), extra: { nested: true } }];
  for (const token of base) {
    const [h, p] = token.split('.') as [string, string, string];
    for (let i = 0; i < 1500; i++) {
      const chars = [...token];
      const at = Math.floor(next() * chars.length);
      const kind = next();
      if (kind < 0.4) chars[at] = pick([...NOISE]);
      else if (kind < 0.6) chars.splice(at, 1);
      else chars.splice(at, 0, pick([...NOISE]));
      out.push(chars.join(''));
    }
    for (const header of headers) {
      out.push(signRaw(enc(header), p));
      out.push(signRaw(enc(header), p, OTHER));
      out.push(`${enc(header)}.${p}.`);
    }
    for (const payload of payloads) out.push(signRaw(h, enc(payload)));
    const sig = token.split('.')[2]!;
    out.push(`${token}=`, `${h}.${p}`, `${token}.${sig}`, `.${p}.${sig}`, `${h}..${sig}`, `${h}.${p}.${sig.slice(0, -1)}`);
    out.push(`${h}.${p}.${sig.slice(0, -1)}${B64URL[(B64URL.indexOf(sig.at(-1)!) + 1) % 64]}`); // non-canonical last char
    out.push(signRaw(` ${h}`, p), signRaw(h, `${p} `), signRaw(enc('{"alg":"HS256","typ":"tessera+jwt","alg":"none"}'), p));
  }
  return out;
}

describe('createHs256Verifier against jose', () => {
  it("accepts genuine tokens from Tessera's signer and from jose", async () => {
    for (const token of await genuine()) {
      expect(handAccepts(token)).toEqual(await joseAccepts(token));
      expect(handAccepts(token)).toBeDefined();
    }
  });

  it.each([1, 2, 3])('accepts nothing jose would refuse (seed %i)', async (seed) => {
    // Prepare
    const tokens = corpus(await genuine(), seededRandom(seed));
    const wrongly: string[] = [];
    let bothAccepted = 0;
    // Act
    for (const token of tokens) {
      const hand = handAccepts(token);
      if (hand === undefined) continue;
      const jose = await joseAccepts(token);
      if (jose === undefined || JSON.stringify(jose) !== JSON.stringify(hand)) wrongly.push(token);
      else bothAccepted++;
    }
    // Assess
    expect(tokens.length).toBeGreaterThan(3000);
    expect(wrongly).toEqual([]);
    expect(bothAccepted).toBeGreaterThan(4); // the re-signed variants it must accept: the test is not vacuous
  });

  it('agrees with jose on a header with a kid, which is never used to pick a key', async () => {
    const token = signRaw(enc({ alg: 'HS256', typ: 'tessera+jwt', kid: 'k1' }), enc(claims()));
    expect(decodeProtectedHeader(token).kid).toBe('k1');
    expect(handAccepts(token)).toEqual(await joseAccepts(token));
  });
});
