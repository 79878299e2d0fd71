/** Fuzzed compact JWS (HS256, ES256, EdDSA) against jose as the reference, and fuzzed JWKS documents against the JWK rules. */
import { createHmac, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT, compactVerify } from 'jose';
import { createSessionVerifier } from '../../packages/runtime/src/inbound/session.js';
import { createAsymmetricVerifier } from '../../packages/verify/src/_asymmetric.js';
import { createHs256Verifier } from '../../packages/verify/src/_hs256.js';
import { importPublicJwk } from '../../packages/verify/src/_jwk.js';
import { createRemoteKeySource, createStaticKeySource } from '../../packages/verify/src/_key-source.js';
import { captureLogger } from '../helpers/logs.js';
import { fuzzParams, marker, mutationsOf, sampleOf, settle, withMarker } from './_fuzz.js';

const SECRET = 'fuzz-Secret_0123456789abcdefghijklmnopqrstuv';
const OTHER = 'fuzz-Other__0123456789abcdefghijklmnopqrstuv';
const JWS_CODES = ['ERR_VERIFY_MALFORMED', 'ERR_VERIFY_SIGNATURE', 'ERR_VERIFY_ALGORITHM'] as const;
const B64URL = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];
const TOKEN_EDGES = [...B64URL.slice(0, 6), ...B64URL.slice(-6), '.', '=', '+', '/', ' ', '\u0000'];

const b64 = (bytes: string | Buffer) => Buffer.from(bytes).toString('base64url');
/** Encodings a segment may arrive in: canonical, padded, standard base64, a last character with stray bits. */
const encoding = fc.constantFrom('canonical', 'canonical', 'canonical', 'padded', 'standard', 'stray-bits');
function encode(json: string, how: string): string {
  const canonical = b64(json);
  if (how === 'padded') return Buffer.from(json).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
  if (how === 'standard') return Buffer.from(json).toString('base64').replace(/=+$/, '');
  if (how === 'stray-bits' && canonical.length % 4 !== 0) {
    const last = B64URL.indexOf(canonical.slice(-1));
    return canonical.slice(0, -1) + (B64URL[last ^ 1] as string);
  }
  return canonical;
}

const typ = fc.constantFrom('tessera+jwt', 'application/TESSERA+JWT', 'Tessera+JWT', 'JWT', 'tessera-session+jwt', undefined);
/** A protected header: mostly the profile's, with the fields attacks and sloppy signers use. */
function headerArb(algs: readonly string[], kids: readonly string[], mark: string): fc.Arbitrary<Record<string, unknown>> {
  const clean = fc.record({
    alg: fc.constantFrom(...algs),
    typ: fc.constantFrom('tessera+jwt', 'application/tessera+jwt'),
    kid: fc.constantFrom(...kids),
  });
  return fc.oneof({ weight: 2, arbitrary: clean }, noisyHeader(algs, kids, mark));
}
function noisyHeader(algs: readonly string[], kids: readonly string[], mark: string) {
  return fc
    .record(
      {
        alg: fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom(...algs) },
          fc.constantFrom('none', 'None', 'HS384', 'RS256', 'ES256K', 'Ed25519', '', mark),
        ),
        typ,
        kid: fc.oneof(fc.constantFrom(...kids), withMarker(mark), fc.constant(''), fc.constant('k'.repeat(300))),
        crit: fc.constant(['exp']),
        b64: fc.boolean(),
        jwk: fc.constant({ kty: 'oct', k: b64(SECRET) }),
        jku: withMarker(mark).map((s) => `https://evil.test/${s}`),
        x5c: fc.constant([mark]),
        extra: withMarker(mark),
      },
      { requiredKeys: ['alg'] },
    )
    .map((h) => (h.typ === undefined ? (({ typ: _t, ...rest }) => rest)(h) : h));
}
/** A payload: mostly claims carrying the marker, sometimes not an object at all. */
const payloadArb = (mark: string) =>
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ sub: withMarker(mark), n: fc.integer(), note: fc.string() }) },
    fc.constantFrom('null', '[1]', `"${mark}"`, '42', '{', `{"a":"${mark}"`),
  );

/** jose's verdict on the compact JWS (algorithms pinned, the profile's typ rule): the payload, or undefined. */
async function joseAccepts(token: string, key: Uint8Array | KeyObject, algorithms: string[]): Promise<unknown> {
  try {
    const { payload, protectedHeader } = await compactVerify(token, key, { algorithms });
    const t = String(protectedHeader.typ ?? '')
      .toLowerCase()
      .replace(/^application\//, '');
    return t === 'tessera+jwt' ? JSON.parse(new TextDecoder().decode(payload)) : undefined;
  } catch {
    return undefined;
  }
}

describe('HS256 compact JWS (fuzz)', () => {
  const verify = createHs256Verifier([SECRET], ['HS256']);
  const key = new TextEncoder().encode(SECRET);

  const forged = marker.chain((mark) =>
    fc
      .tuple(headerArb(['HS256'], ['k1'], mark), payloadArb(mark), encoding, encoding, fc.constantFrom(SECRET, SECRET, OTHER, ''))
      .map(([header, payload, hEnc, pEnc, secret]) => {
        const input = `${encode(JSON.stringify(header), hEnc)}.${encode(typeof payload === 'string' ? payload : JSON.stringify(payload), pEnc)}`;
        const mac = secret === '' ? '' : createHmac('sha256', secret).update(input).digest('base64url');
        return { mark, token: `${input}.${mac}` };
      }),
  );
  const tokens = fc.oneof(
    forged,
    forged.chain(({ mark, token }) => mutationsOf(token, TOKEN_EDGES).map((t) => ({ mark, token: t }))),
  );

  it('accepts only what jose accepts, with the same payload, else a documented code naming nothing of the token', async () => {
    await fc.assert(
      fc.asyncProperty(tokens, async ({ mark, token }) => {
        const outcome = await settle(() => verify(token), {
          codes: JWS_CODES,
          markers: [mark, ...(token.split('.')[1] ?? '').split(' ').filter((s) => s.length >= 12)],
        });
        const reference = await joseAccepts(token, key, ['HS256']);
        if (outcome.accepted) expect(outcome.value.payload).toEqual(reference);
      }),
      fuzzParams(),
    );
  });

  it('accepts a real share of the forged tokens, so the comparison is not vacuous', () => {
    // Prepare
    const sample = sampleOf(tokens, 1000);
    // Act
    const accepted = sample.filter(({ token }) => {
      try {
        return verify(token) !== undefined;
      } catch {
        return false;
      }
    });
    // Assess
    expect(accepted.length).toBeGreaterThan(20);
  });
});

describe('ES256 and EdDSA compact JWS (fuzz)', () => {
  const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const imported = [
    importPublicJwk({ ...es.publicKey.export({ format: 'jwk' }), kid: 'es' }, new Set(['ES256'])),
    importPublicJwk({ ...ed.publicKey.export({ format: 'jwk' }), kid: 'ed' }, new Set(['EdDSA'])),
  ];
  const verify = createAsymmetricVerifier(createStaticKeySource(imported as never), ['ES256', 'EdDSA']);
  const publicKeys: Record<string, KeyObject> = { es: es.publicKey, ed: ed.publicKey };

  function signWith(signer: string, input: string): string {
    const data = Buffer.from(input);
    if (signer === 'es') return b64(sign('sha256', data, { key: es.privateKey, dsaEncoding: 'ieee-p1363' }));
    if (signer === 'es-der') return b64(sign('sha256', data, { key: es.privateKey, dsaEncoding: 'der' }));
    if (signer === 'ed') return b64(sign(null, data, ed.privateKey));
    return b64(randomBytes(64));
  }
  const forged = marker.chain((mark) =>
    fc
      .tuple(
        headerArb(['ES256', 'EdDSA'], ['es', 'ed', 'other'], mark),
        payloadArb(mark),
        encoding,
        encoding,
        fc.constantFrom('by-kid', 'by-kid', 'es', 'ed', 'es-der', 'random'),
      )
      .map(([header, payload, hEnc, pEnc, choice]) => {
        const signer = choice === 'by-kid' ? String(header.kid) : choice;
        const input = `${encode(JSON.stringify(header), hEnc)}.${encode(typeof payload === 'string' ? payload : JSON.stringify(payload), pEnc)}`;
        return { mark, token: `${input}.${signWith(signer, input)}`, kid: String(header.kid) };
      }),
  );
  const tokens = fc.oneof(
    forged,
    forged.chain((f) => mutationsOf(f.token, TOKEN_EDGES).map((token) => ({ ...f, token }))),
  );

  it('accepts only what jose accepts with the key named by kid, else a documented code', async () => {
    let accepts = 0;
    await fc.assert(
      fc.asyncProperty(tokens, async ({ mark, token, kid }) => {
        const outcome = await settle(() => verify(token), { codes: JWS_CODES, markers: [mark] });
        if (!outcome.accepted) return;
        accepts++;
        const key = publicKeys[kid] as KeyObject;
        expect(outcome.value.payload).toEqual(await joseAccepts(token, key, [kid === 'es' ? 'ES256' : 'EdDSA']));
      }),
      fuzzParams(),
    );
    expect(accepts).toBeGreaterThan(0);
  });
});

describe('JWKS documents (fuzz)', () => {
  const pairs = [
    generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    generateKeyPairSync('ed25519'),
    generateKeyPairSync('ec', { namedCurve: 'P-384' }),
  ];
  const jwks = pairs.map((p) => p.publicKey.export({ format: 'jwk' }) as Record<string, unknown>);
  const privateJwk = pairs[0]?.privateKey.export({ format: 'jwk' }) as Record<string, unknown>;

  /** One key as a publisher might get it wrong: a member dropped, changed, added, or the private half. */
  const jwkArb = (mark: string) => fc.oneof(cleanJwk, editedJwk(mark));
  /** A key as published right, under one of a few kids (so two keys sometimes share one). */
  const cleanJwk = fc.tuple(fc.constantFrom(...jwks), fc.constantFrom('a', 'b', 'c')).map(([base, kid]) => ({ ...base, kid, use: 'sig' }));
  const editedJwk = (mark: string) =>
    fc
      .tuple(
        fc.constantFrom(...jwks, privateJwk),
        fc.constantFrom('a', 'b', 'c', ''),
        fc.record(
          {
            use: fc.constantFrom('sig', 'enc', mark),
            key_ops: fc.constantFrom(['verify'], ['sign'], 'verify', []),
            alg: fc.constantFrom('ES256', 'EdDSA', 'Ed25519', 'RS256', mark),
            kidMarked: withMarker(mark),
            flipX: fc.nat({ max: 42 }),
            drop: fc.constantFrom('x', 'y', 'crv', 'kty'),
            junk: fc.jsonValue(),
          },
          { requiredKeys: [] },
        ),
      )
      .map(([base, kid, edit]) => {
        const jwk: Record<string, unknown> = { ...base, ...(kid === '' ? {} : { kid }) };
        if (edit.kidMarked !== undefined) jwk.kid = edit.kidMarked;
        for (const member of ['use', 'key_ops', 'alg'] as const) if (edit[member] !== undefined) jwk[member] = edit[member];
        if (edit.flipX !== undefined && typeof jwk.x === 'string') {
          const i = edit.flipX;
          jwk.x = jwk.x.slice(0, i) + (jwk.x[i] === 'A' ? 'B' : 'A') + jwk.x.slice(i + 1);
        }
        if (edit.drop !== undefined) delete jwk[edit.drop];
        if (edit.junk !== undefined) jwk[edit.drop ?? 'x'] = edit.junk;
        return jwk;
      });
  const documentArb = marker.chain((mark) =>
    fc.tuple(
      fc.constant(mark),
      fc.oneof(
        { weight: 6, arbitrary: fc.array(jwkArb(mark), { maxLength: 5 }).map((keys) => ({ keys })) },
        fc.constantFrom(null, [], { keys: 'x' }, { keys: {} }, `{"keys":["${mark}"]}`, { keys: [null, 1, mark, []] }),
        fc.jsonValue(),
      ),
    ),
  );

  /** verifier.md's JWK rules, written from the docs; createPublicKey is the reference for a point on the curve. */
  function usable(jwk: unknown, alg: 'ES256' | 'EdDSA'): boolean {
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return false;
    const k = jwk as Record<string, unknown>;
    if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'].some((m) => m in k && k[m] !== undefined)) return false;
    if (typeof k.kid !== 'string' || k.kid.length < 1 || k.kid.length > 256) return false;
    if (k.use !== undefined && k.use !== 'sig') return false;
    if (k.key_ops !== undefined && !(Array.isArray(k.key_ops) && k.key_ops.includes('verify'))) return false;
    const shape =
      alg === 'ES256'
        ? { kty: 'EC', crv: 'P-256', algs: ['ES256'], members: ['x', 'y'] }
        : { kty: 'OKP', crv: 'Ed25519', algs: ['EdDSA', 'Ed25519'], members: ['x'] };
    if (k.kty !== shape.kty || k.crv !== shape.crv || (k.alg !== undefined && !shape.algs.includes(k.alg as string))) return false;
    if (!shape.members.every((m) => typeof k[m] === 'string' && /^[A-Za-z0-9_-]{43}$/.test(k[m] as string))) return false;
    try {
      createPublicKey({ key: Object.fromEntries(['kty', 'crv', ...shape.members].map((m) => [m, k[m]])), format: 'jwk' });
      return true;
    } catch {
      return false;
    }
  }

  it('lets the session guard accept a session only through the platform key itself, else 401 or 503', async () => {
    // Prepare: a session signed by the first key, under kid "a"; the documents hold it, near misses of it, or junk.
    const nowSec = 1_800_000_000;
    const claims = { iss: 'https://platform.test', aud: 'app', sub: 'u', installation_id: 'acme-1', iat: nowSec, exp: nowSec + 60 };
    const session = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'tessera-session+jwt', kid: 'a' })
      .sign(pairs[0]?.privateKey as KeyObject);
    const platform = jwks[0] as { x: string; y: string };
    let accepts = 0;
    await fc.assert(
      fc.asyncProperty(documentArb, async ([mark, document]) => {
        const { logger, lines } = captureLogger();
        const sessions = createSessionVerifier({
          jwksUrl: 'https://platform.test/jwks.json',
          issuer: 'https://platform.test',
          audience: 'app',
          algorithms: ['ES256'],
          fetchJwks: async () => document,
          now: () => nowSec * 1000,
          logger,
        });
        const outcome = await settle(() => sessions.verify(`Bearer ${session}`, []), {
          codes: ['ERR_SESSION_INVALID', 'ERR_SESSION_KEYS_UNAVAILABLE'],
          markers: [mark],
          lines,
        });
        if (!outcome.accepted) return;
        accepts++;
        const keys = (document as { keys: Record<string, unknown>[] }).keys;
        expect(keys.some((k) => k.x === platform.x && k.y === platform.y && (k.kid === 'a' || k.kid === undefined))).toBe(true);
      }),
      fuzzParams(0.5),
    );
    expect(accepts).toBeGreaterThan(0);
  });

  it('serves a kid exactly when one usable key holds it, else no key or 503 ERR_VERIFY_KEYS_UNAVAILABLE', async () => {
    let served = 0;
    await fc.assert(
      fc.asyncProperty(documentArb, fc.constantFrom('ES256', 'EdDSA') as fc.Arbitrary<'ES256' | 'EdDSA'>, async ([mark, document], alg) => {
        const { logger, lines } = captureLogger();
        const source = createRemoteKeySource({
          url: new URL('https://app.test/jwks.json'),
          algorithms: new Set(['ES256', 'EdDSA']),
          now: () => 0,
          logger,
          fetch: async () => document,
        });
        const list = (document as { keys?: unknown })?.keys;
        const kids = Array.isArray(list)
          ? list.map((k) => (k as { kid?: unknown })?.kid).filter((kid): kid is string => typeof kid === 'string')
          : [];
        for (const kid of [...new Set(kids), 'absent']) {
          const outcome = await settle(() => source(alg, kid), {
            codes: ['ERR_VERIFY_KEYS_UNAVAILABLE'],
            markers: [mark],
            lines,
            // verifier.md: an ignored key is logged by position, kid and rule.
            documentedLogFields: ['kid'],
          });
          const holders = Array.isArray(list) ? list.filter((k) => (k as { kid?: unknown })?.kid === kid) : [];
          const usableHolders = holders.filter((k) => usable(k, 'ES256') || usable(k, 'EdDSA'));
          const expected = usableHolders.length === 1 && usable(usableHolders[0], alg);
          if (!outcome.accepted) {
            expect(typeof document !== 'object' || document === null || !Array.isArray(list)).toBe(true);
            continue;
          }
          expect(outcome.value !== undefined).toBe(expected);
          if (outcome.value === undefined) continue;
          served++;
          expect((outcome.value as KeyObject).export({ format: 'jwk' }).x).toBe((usableHolders[0] as { x: string }).x);
        }
      }),
      fuzzParams(),
    );
    expect(served).toBeGreaterThan(0);
  });
});
