/** Verifier CPU per request: HS256, ES256 and EdDSA through Tessera's whole check, against node:crypto's signature alone. */
import { createHmac, createSecretKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { silentLogger } from '@tessera/protocol/log';
import { createEdDsaSigner, createEs256Signer, createHs256Signer, newJti, type TokenSigner } from '@tessera/runtime/outbound';
import { bodyHash, normalizeHtu, type RequestClaims } from '@tessera/protocol';
import type { createVerifier as CreateVerifier, PublicJwk, VerifyInput } from '@tessera/verify';
import { fmt, nsPerOp, table } from './_measure.js';

const ORIGIN = 'https://orders.acme.example';
const PATH = '/orders/1001';
/** Distinct tokens cycled through: enough that no cache can hold a verified signature, few enough to sign quickly. */
const TOKENS = 64;

/**
 * The verifier as a customer's server loads it: bundled by esbuild like the package's dist build. Loading the sources
 * through tsx would add its import-interop getters to every call and measure the dev loader, not Tessera.
 */
export function bundledVerifier(): { createVerifier: typeof CreateVerifier; path: string } {
  const root = resolve(__dirname, '..');
  const outfile = join(root, '.esbuild', 'bench-verify.cjs');
  buildSync({
    entryPoints: [join(root, 'packages/verify/src/index.ts')],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    logLevel: 'error',
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return { ...(require(outfile) as { createVerifier: typeof CreateVerifier }), path: outfile };
}

function claims(): RequestClaims {
  const iat = Math.floor(Date.now() / 1000);
  return {
    iss: 'order-lookup',
    sub: 'acme',
    aud: ORIGIN,
    iat,
    nbf: iat,
    exp: iat + 60,
    jti: newJti(),
    htm: 'GET',
    htu: normalizeHtu(ORIGIN + PATH),
    bh: bodyHash(undefined),
  };
}

/** Signing input and signature bytes of each token, split before the run: the lower bound does only the crypto. */
function split(tokens: string[]): { input: Buffer; signature: Buffer }[] {
  return tokens.map((token) => {
    const dot = token.lastIndexOf('.');
    return { input: Buffer.from(token.slice(0, dot)), signature: Buffer.from(token.slice(dot + 1), 'base64url') };
  });
}

const cycle = <T>(items: T[]): (() => T) => {
  let i = 0;
  return () => items[i++ % items.length] as T;
};

export async function benchVerifierPerRequest({ ops = 4_000, rounds = 7 } = {}): Promise<Record<string, number>> {
  const { createVerifier } = bundledVerifier();
  const secret = randomBytes(32).toString('base64url');
  const es = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const jwk = (key: KeyObject, kid: string) => ({ ...(key.export({ format: 'jwk' }) as PublicJwk), kid });
  // Every token is fresh to this store: the comparison is of verification, not of replay bookkeeping.
  const replayStore = { remember: async () => true, rememberSync: () => true };
  const common = { mode: 'jwt', issuer: 'order-lookup', installationId: 'acme', publicOrigin: ORIGIN, logger: silentLogger, replayStore } as const;
  const verifiers = {
    hs256: createVerifier({ ...common, secrets: [secret] }),
    es256: createVerifier({ ...common, algorithms: ['ES256'], keys: [jwk(es.publicKey, 'es-1')] }),
    eddsa: createVerifier({ ...common, algorithms: ['EdDSA'], keys: [jwk(ed.publicKey, 'ed-1')] }),
  };
  const signers: Record<keyof typeof verifiers, TokenSigner> = {
    hs256: createHs256Signer(secret),
    es256: createEs256Signer(es.privateKey, 'es-1'),
    eddsa: createEdDsaSigner(ed.privateKey, 'ed-1'),
  };
  const tokens = Object.fromEntries(
    Object.entries(signers).map(([name, sign]) => [name, Array.from({ length: TOKENS }, () => sign(claims()))]),
  ) as Record<keyof typeof verifiers, string[]>;
  const input = (name: keyof typeof verifiers) => {
    const body = new Uint8Array();
    return cycle(tokens[name].map((t): VerifyInput => ({ method: 'GET', url: PATH, headers: { authorization: `Bearer ${t}` }, body })));
  };
  const hmacKey = createSecretKey(Buffer.from(secret));
  const hsParts = cycle(tokens.hs256.map((t) => ({ input: t.slice(0, t.lastIndexOf('.')), mac: t.slice(t.lastIndexOf('.') + 1) })));
  const esParts = cycle(split(tokens.es256));
  const edParts = cycle(split(tokens.eddsa));
  const esKey = { key: es.publicKey, dsaEncoding: 'ieee-p1363' as const };
  const [hsInput, esInput, edInput] = [input('hs256'), input('es256'), input('eddsa')];

  const ns = await nsPerOp(
    [
      {
        name: 'hs256 crypto',
        run: () => {
          const p = hsParts();
          return createHmac('sha256', hmacKey).update(p.input).digest('base64url') === p.mac;
        },
      },
      { name: 'hs256 tessera', run: () => verifiers.hs256.verify(hsInput()) },
      {
        name: 'es256 crypto',
        run: () => {
          const p = esParts();
          return verify('sha256', p.input, esKey, p.signature);
        },
      },
      { name: 'es256 tessera', run: () => verifiers.es256.verify(esInput()) },
      {
        name: 'eddsa crypto',
        run: () => {
          const p = edParts();
          return verify(null, p.input, ed.publicKey, p.signature);
        },
      },
      { name: 'eddsa tessera', run: () => verifiers.eddsa.verify(edInput()) },
    ],
    { ops, rounds },
  );

  const at = (name: string) => ns.get(name) as number;
  const hs = at('hs256 tessera');
  const row = (label: string, alg: string) => {
    const tessera = at(`${alg} tessera`);
    const crypto = at(`${alg} crypto`);
    return [
      [`${label}: node:crypto signature only (lower bound)`, fmt.us(crypto), fmt.x(1), fmt.x(crypto / hs)],
      [`${label}: Tessera, whole check`, fmt.us(tessera), fmt.x(tessera / crypto), fmt.x(tessera / hs)],
    ];
  };
  table(
    `Verifier CPU per request (bundled, static keys, replay store stubbed), medians of ${rounds} interleaved rounds of ${ops}`,
    ['variant', 'time', 'vs its node:crypto bound', 'vs Tessera HS256'],
    [...row('HS256', 'hs256'), ...row('ES256', 'es256'), ...row('EdDSA', 'eddsa')],
  );
  return {
    hs256Ns: hs,
    hs256VsCrypto: hs / at('hs256 crypto'),
    es256VsCrypto: at('es256 tessera') / at('es256 crypto'),
    eddsaVsCrypto: at('eddsa tessera') / at('eddsa crypto'),
    es256VsHs256: at('es256 tessera') / hs,
    eddsaVsHs256: at('eddsa tessera') / hs,
  };
}
