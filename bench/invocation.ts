/** Per warm invocation: Tessera's framework work and its HS256 signing, against a bare handler and node:crypto. */
import { createHmac, createSecretKey, generateKeyPairSync, randomBytes, sign as cryptoSign } from 'node:crypto';
import axios from 'axios';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import type { createApp as CreateApp } from '@tessera/runtime';
import type { createSessionVerifier as CreateSessionVerifier } from '@tessera/runtime/inbound';
import { createEdDsaSigner, createEs256Signer, createHs256Signer, newJti } from '@tessera/runtime/outbound';
import type { IparamStore } from '@tessera/runtime/iparams';
import { silentLogger } from '@tessera/protocol/log';
import { TOKEN_TYPE, type RequestClaims } from '@tessera/protocol';
import { fmt, nsPerOp, nsPerOpSync, table } from './_measure.js';

const SECRET = randomBytes(32).toString('base64url');
const manifest = {
  app: { id: 'order-lookup', version: '1.0.0' },
  functions: { getOrder: { methods: ['GET'] } },
  customer: { baseUrl: '{{iparams.server_url}}', allowedHosts: ['*.orders.example.com'], auth: { mode: 'jwt', secretIparam: 'shared_secret' } },
};
const values = { server_url: 'https://acme.orders.example.com', shared_secret: SECRET };
const store: IparamStore = {
  get: async (_a, id) => ({ version: 1, document: { format: 1, installationId: id, values, fields: {}, installedAt: '', updatedAt: '' } }),
  put: async () => ({ version: 1 }),
  delete: async () => true,
};
const event = {
  version: '2.0',
  rawPath: '/getOrder',
  rawQueryString: 'id=1001',
  headers: { 'x-installation': 'acme' },
  requestContext: { http: { method: 'GET', path: '/getOrder' } },
  isBase64Encoded: false,
} as unknown as APIGatewayProxyEventV2;

/** A transport that answers at once: isolates the work done before and after the network. */
const noNetwork = axios.create({
  adapter: async (config) => ({
    data: Buffer.from('{"id":"1001"}'),
    status: 200,
    statusText: 'OK',
    headers: { 'content-type': 'application/json' },
    config,
  }),
});

function claims(): RequestClaims {
  const iat = Math.floor(Date.now() / 1000);
  return {
    iss: 'order-lookup',
    sub: 'acme',
    aud: 'https://acme.orders.example.com',
    iat,
    nbf: iat,
    exp: iat + 30,
    jti: newJti(),
    htm: 'GET',
    htu: 'https://acme.orders.example.com/orders/1001',
    bh: '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU',
  };
}

/**
 * The runtime as a function bundle runs it: built by esbuild like serverless.yml builds functions. Loading the sources
 * through tsx would add its import-interop getters to every call and measure the dev loader, not Tessera.
 */
function bundledRuntime(): { createApp: typeof CreateApp; createSessionVerifier: typeof CreateSessionVerifier } {
  const root = resolve(__dirname, '..');
  const outfile = join(root, '.esbuild', 'bench-runtime.cjs');
  buildSync({
    stdin: {
      contents: "export { createApp } from '@tessera/runtime'; export { createSessionVerifier } from '@tessera/runtime/inbound';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    mainFields: ['module', 'main'],
    outfile,
    logLevel: 'error',
    tsconfig: join(root, 'tsconfig.json'),
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(outfile) as { createApp: typeof CreateApp; createSessionVerifier: typeof CreateSessionVerifier };
}

export async function benchInvocation(): Promise<Record<string, number>> {
  const { createApp, createSessionVerifier } = bundledRuntime();
  const app = createApp({ manifest, store, identify: (e) => e.headers['x-installation'] as string, http: noNetwork, logger: silentLogger });
  const framework = app.defineFunction('getOrder', ({ request }) => ({ body: { id: request.query.id } }));
  // The production path: CORS, and a platform session token (ES256) verified once, then served by peek().
  const platform = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(platform.publicKey)), kid: 'p1', alg: 'ES256', use: 'sig' };
  const session = createSessionVerifier({
    jwksUrl: 'https://platform.example.com/.well-known/jwks.json',
    issuer: 'https://platform.example.com',
    audience: 'order-lookup',
    fetchJwks: async () => ({ keys: [jwk] }),
    logger: silentLogger,
  });
  const guarded = createApp({
    manifest: { ...manifest, cors: { allowedOrigins: ['https://*.helpdesk.example.com'] } },
    store,
    session,
    http: noNetwork,
    logger: silentLogger,
  }).defineFunction('getOrder', ({ request }) => ({ body: { id: request.query.id } }));
  const nowSec = Math.floor(Date.now() / 1000);
  const sessionToken = await new SignJWT({ installation_id: 'acme', scope: 'orders:read' })
    .setProtectedHeader({ alg: 'ES256', typ: 'tessera-session+jwt', kid: 'p1' })
    .setIssuer('https://platform.example.com')
    .setAudience('order-lookup')
    .setSubject('user-1')
    .setIssuedAt(nowSec)
    .setExpirationTime(nowSec + 300)
    .sign(platform.privateKey);
  const browserEvent = {
    ...event,
    headers: { origin: 'https://acme.helpdesk.example.com', authorization: `Bearer ${sessionToken}` },
  } as unknown as APIGatewayProxyEventV2;
  const firstCall = await guarded(browserEvent);
  if (firstCall.statusCode !== 200) throw new Error(`bench: the guarded function answered ${firstCall.statusCode}`);
  const withCall = app.defineFunction('getOrder', async ({ customer }) => ({ body: (await customer.get('/orders/1001')).data }));
  const bare = async (e: APIGatewayProxyEventV2) => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: new URLSearchParams(e.rawQueryString).get('id') }),
  });

  const inv = await nsPerOp(
    [
      { name: 'bare', run: () => bare(event) },
      { name: 'framework', run: () => framework(event) },
      { name: 'guarded', run: () => guarded(browserEvent) },
    ],
    { ops: 100_000, rounds: 11 },
  );
  const call = await nsPerOp([{ name: 'withCall', run: () => withCall(event) }], { ops: 10_000, rounds: 5 });

  // Signing the same token three ways.
  const sign = createHs256Signer(SECRET);
  const key = createSecretKey(Buffer.from(SECRET));
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: TOKEN_TYPE })).toString('base64url');
  const lowerBound = () => {
    const input = `${header}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}`;
    return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
  };
  const sig = nsPerOpSync([
    { name: 'crypto', run: lowerBound },
    { name: 'tessera', run: () => sign(claims()) },
  ]);
  // The app-key signers against the same lower bound shape: encode header and claims, one node:crypto signature.
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const ed = generateKeyPairSync('ed25519').privateKey;
  const boundFor = (alg: string, signOnce: (input: Buffer) => Buffer) => {
    const h = Buffer.from(JSON.stringify({ alg, typ: TOKEN_TYPE, kid: 'k1' })).toString('base64url');
    return () => {
      const input = `${h}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}`;
      return `${input}.${signOnce(Buffer.from(input)).toString('base64url')}`;
    };
  };
  const es256 = createEs256Signer(ec, 'k1');
  const eddsa = createEdDsaSigner(ed, 'k1');
  const asym = nsPerOpSync([
    { name: 'es-crypto', run: boundFor('ES256', (d) => cryptoSign('sha256', d, { key: ec, dsaEncoding: 'ieee-p1363' })) },
    { name: 'es-tessera', run: () => es256(claims()) },
    { name: 'ed-crypto', run: boundFor('EdDSA', (d) => cryptoSign(null, d, ed)) },
    { name: 'ed-tessera', run: () => eddsa(claims()) },
  ]);
  const joseKey = new TextEncoder().encode(SECRET);
  const joseNs = (
    await nsPerOp([{ name: 'jose', run: () => new SignJWT({ ...claims() }).setProtectedHeader({ alg: 'HS256', typ: TOKEN_TYPE }).sign(joseKey) }], {
      ops: 20_000,
    })
  ).get('jose')!;

  const bareNs = inv.get('bare')!;
  const fwNs = inv.get('framework')!;
  const cryptoNs = sig.get('crypto')!;
  const tesseraNs = sig.get('tessera')!;
  table(
    'Warm invocation (cached iparams), ns per call, medians of 7 interleaved rounds',
    ['variant', 'time', 'vs bare'],
    [
      ['bare handler (baseline)', fmt.us(bareNs), fmt.x(1)],
      ['Tessera function, no outbound call', fmt.us(fwNs), fmt.x(fwNs / bareNs)],
      ['  framework work (difference)', fmt.us(fwNs - bareNs), 'target ≤ 1 µs'],
      ['Tessera function behind CORS + a known session token', fmt.us(inv.get('guarded')!), fmt.x(inv.get('guarded')! / bareNs)],
      ['  framework work with the guards (difference)', fmt.us(inv.get('guarded')! - bareNs), ''],
      ['Tessera function + signed call, no-op transport', fmt.us(call.get('withCall')!), fmt.x(call.get('withCall')! / bareNs)],
    ],
  );
  table(
    'HS256 request token, ns per token',
    ['signer', 'time', 'vs node:crypto'],
    [
      ['node:crypto lower bound (baseline)', fmt.us(cryptoNs), fmt.x(1)],
      ['Tessera signer', fmt.us(tesseraNs), `${fmt.x(tesseraNs / cryptoNs)} (target ≤ 2×)`],
      ['jose SignJWT (reference)', fmt.us(joseNs), fmt.x(joseNs / cryptoNs)],
    ],
  );
  const row = (label: string, ns: number, bound: number): string[] => [label, fmt.us(ns), fmt.x(ns / bound), fmt.x(ns / tesseraNs)];
  table(
    'Request token signing per algorithm, ns per token',
    ['signer', 'time', 'vs its node:crypto bound', 'vs Tessera HS256'],
    [
      row('HS256: node:crypto lower bound', cryptoNs, cryptoNs),
      row('HS256: Tessera signer', tesseraNs, cryptoNs),
      row('ES256: node:crypto lower bound', asym.get('es-crypto')!, asym.get('es-crypto')!),
      row('ES256: Tessera signer', asym.get('es-tessera')!, asym.get('es-crypto')!),
      row('EdDSA: node:crypto lower bound', asym.get('ed-crypto')!, asym.get('ed-crypto')!),
      row('EdDSA: Tessera signer', asym.get('ed-tessera')!, asym.get('ed-crypto')!),
    ],
  );
  return {
    es256SignRatio: asym.get('es-tessera')! / asym.get('es-crypto')!,
    eddsaSignRatio: asym.get('ed-tessera')! / asym.get('ed-crypto')!,
    es256VsHs256Sign: asym.get('es-tessera')! / tesseraNs,
    eddsaVsHs256Sign: asym.get('ed-tessera')! / tesseraNs,
    frameworkOverheadNs: fwNs - bareNs,
    guardedOverheadNs: inv.get('guarded')! - bareNs,
    signRatio: tesseraNs / cryptoNs,
    joseSignRatio: joseNs / cryptoNs,
    fullCallNs: call.get('withCall')!,
  };
}
