/**
 * JWKS over real TLS, the production path of both JWKS readers: a certificate the process trusts serves keys, one it
 * does not trust fails closed (503, no key used). The certificate is made per run with the system's openssl.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createEs256Signer, newJti } from '../../packages/runtime/src/outbound/index.js';
import { bodyHash, fetchJwksDocument, normalizeHtu } from '../../packages/protocol/src/index.js';
import { createVerifier } from '../../packages/verify/src/index.js';

const root = resolve(__dirname, '../..');
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const KID = 'tls-test-key';
let server: Server;
let jwksUrl: string;

beforeAll(async () => {
  if (!hasOpenssl) throw new Error("openssl is missing: install Debian's openssl (node scripts/ensure-system-packages.mjs does) to run this test");
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'ES256', use: 'sig' };
  server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  jwksUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  rmSync(dir, { recursive: true, force: true });
});

function token(): string {
  const iat = Math.floor(Date.now() / 1000);
  return createEs256Signer(
    privateKey,
    KID,
  )({
    iss: 'order-lookup',
    sub: 'acme',
    aud: 'https://orders.test',
    iat,
    nbf: iat,
    exp: iat + 30,
    jti: newJti(),
    htm: 'GET',
    htu: normalizeHtu('https://orders.test/orders/1'),
    bh: bodyHash(undefined),
  });
}

describe('JWKS over HTTPS', () => {
  it('refuses a certificate this process does not trust: the fetch fails and the verifier answers 503', async () => {
    await expect(fetchJwksDocument(new URL(jwksUrl))).rejects.toMatchObject({ name: 'JwksFetchError', message: 'connection failed' });
    const verifier = createVerifier({
      mode: 'jwt',
      algorithms: ['ES256'],
      jwksUrl,
      publicOrigin: 'https://orders.test',
      issuer: 'order-lookup',
      installationId: 'acme',
      logger: { log: () => undefined },
    });
    const refused = await verifier
      .verify({ method: 'GET', url: '/orders/1', headers: { authorization: `Bearer ${token()}` }, body: new Uint8Array() })
      .catch((err: { code?: string; status?: number }) => err);
    expect(refused).toMatchObject({ code: 'ERR_VERIFY_KEYS_UNAVAILABLE', status: 503 });
  });

  it('verifies against keys served over TLS by a certificate the process trusts', async () => {
    // A child process: NODE_EXTRA_CA_CERTS is read once, at start-up. Not spawnSync: this process serves the JWKS.
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/jwks-https-child.ts'], {
      cwd: root,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'), JWKS_URL: jwksUrl, TOKEN: token() },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => child.on('exit', r));
    expect(JSON.parse(out)).toEqual({ ok: true, installationId: 'acme' });
  }, 60_000);
});
