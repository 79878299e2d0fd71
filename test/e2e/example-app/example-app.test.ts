/**
 * End to end: `npm start`'s script really runs ssm-local, the demo customer server and `serverless offline`;
 * both functions are called over HTTP, the customer server accepts them (in jwt mode: ES256 with the app's key,
 * checked against the JWKS the functions publish), demo/attack.ts is refused, and nothing printed holds the secret
 * or the private key.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { randomBytes } from 'node:crypto';
import { createInstaller, SsmIparamStore } from '../../../packages/runtime/src/iparams/index.js';
import { SsmKeyStore } from '../../../packages/runtime/src/keys/index.js';
import { createHs256Signer, newJti } from '../../../packages/runtime/src/outbound/index.js';
import { bodyHash, normalizeHtu } from '../../../packages/protocol/src/index.js';
import { loadProject } from '../../../packages/schema/src/index.js';
import { freePorts, waitForPort } from '../../helpers/ports.js';

jest.setTimeout(240_000);

const root = resolve(__dirname, '../../..');
/** Every port `npm start` opens, as its flags name them; free ones per run, so `npm start` itself may run beside. */
const PORT_NAMES = ['ssm', 'http', 'sls', 'lambda', 'ws', 'customer', 'platform'] as const;
let ports: Record<(typeof PORT_NAMES)[number], number>;
let SSM_PORT: number;
let CUSTOMER_PORT: number;
let PLATFORM: string;
let fn: string;
/** The Authorization header of a session the offline platform issued for the demo installation. */
let SESSION: { authorization: string };
let token: string;

let child: ChildProcess;
let output = '';
let dataDir: string;
let secret: string;
/** The app's signing key as SSM holds it: its kid, and its private `d`, only to assert it is printed nowhere. */
let appKey: { kid: string; d: string };
/** Everything demo/attack.ts printed in this mode. */
let attackOutput = '';

/** `node --import tsx demo/attack.ts <kind>`, as the demo's hints say to run it. */
function runAttack(kind: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, reject) => {
    const flags = [
      '--ssm-port',
      String(SSM_PORT),
      '--http-port',
      String(ports.http),
      '--customer-port',
      String(CUSTOMER_PORT),
      '--platform-port',
      String(ports.platform),
    ];
    const attack = spawn(process.execPath, ['--import', 'tsx', 'demo/attack.ts', kind, ...flags], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    attack.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    attack.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    attack.once('error', reject);
    attack.once('close', (code) => {
      attackOutput += stdout + stderr;
      done({ code, stdout, stderr });
    });
  });
}

async function startDemo(authMode: string): Promise<void> {
  dataDir = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
  output = '';
  attackOutput = '';
  ports = await freePorts(PORT_NAMES);
  ({ ssm: SSM_PORT, customer: CUSTOMER_PORT } = ports);
  PLATFORM = `http://127.0.0.1:${ports.platform}`;
  fn = `http://127.0.0.1:${ports.http}`;
  const flags = PORT_NAMES.flatMap((name) => [`--${name}-port`, String(ports[name])]);
  child = spawn(process.execPath, ['--import', 'tsx', 'demo/start.ts', ...flags], {
    cwd: root,
    env: { ...process.env, TESSERA_DATA_DIR: dataDir, TESSERA_DEMO_AUTH_MODE: authMode, TESSERA_LOG_LEVEL: 'debug', TESSERA_IPARAMS_TTL_MS: '1000' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  // A demo that exits while starting fails here with what it printed, not after the port wait's three minutes.
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`demo/start.ts exited with ${code}:\n${output}`))));
  const up = Promise.all([waitForPort(ports.http, 180_000), waitForPort(CUSTOMER_PORT, 180_000)]).catch((err: Error) => {
    throw new Error(`${err.message}; demo/start.ts printed:\n${output}`);
  });
  await Promise.race([up, exited]);
  const store = new SsmIparamStore({ client: new SSMClient({ endpoint: `http://127.0.0.1:${SSM_PORT}` }) });
  const stored = await store.get('order-lookup', 'demo');
  secret = String(stored?.document.values.shared_secret);
  expect(secret.length).toBeGreaterThanOrEqual(43);
  const keys = await new SsmKeyStore({ client: new SSMClient({ endpoint: `http://127.0.0.1:${SSM_PORT}` }) }).get('order-lookup');
  const [key] = keys?.document.keys ?? [];
  appKey = { kid: String(key?.kid), d: String(key?.privateJwk.d) };
  expect(appKey.d.length).toBeGreaterThanOrEqual(43);
  token = ((await (await fetch(`${PLATFORM}/session`, { method: 'POST' })).json()) as { token: string }).token;
  SESSION = { authorization: `Bearer ${token}` };
}

async function stopDemo(): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGINT'); // Ctrl-C reaches the whole process group, as in a terminal
    await exited;
  }
  await Promise.all(Object.values(ports).map((port) => waitForPort(port, 20_000, false)));
  rmSync(dataDir, { recursive: true, force: true });
}

describe.each(['jwt', 'shared-secret'])('example app under serverless offline (auth mode %s)', (authMode) => {
  beforeAll(() => startDemo(authMode));
  afterAll(() => stopDemo());

  it('getOrder returns the order from the customer server', async () => {
    // Act
    const res = await fetch(`${fn}/getOrder?id=1001`, { headers: SESSION });
    // Assess
    expect(res.status).toBe(200);
    const body = (await res.json()) as { order: { id: string; label: string; status: string } };
    expect(body.order).toMatchObject({ id: '1001', label: 'ORD-1001', status: 'shipped' });
  });

  it('addNote (csrf: true) is refused without a CSRF token, and runs with the pair GET /csrf issued', async () => {
    const note = (text: string) => ({ method: 'POST', body: JSON.stringify({ orderId: '1002', text }) });
    // Act: no token
    const refused = await fetch(`${fn}/addNote`, { ...note('never recorded'), headers: { ...SESSION, 'content-type': 'application/json' } });
    // Act: the token and its cookie, as the browser client fetches them
    const issued = await fetch(`${fn}/csrf`, { headers: SESSION });
    const { token: csrf } = (await issued.json()) as { token: string };
    const cookie = String(issued.headers.get('set-cookie')).split(';')[0] as string;
    const res = await fetch(`${fn}/addNote`, {
      ...note('Customer called — wants a refund'),
      headers: { ...SESSION, 'content-type': 'application/json', 'x-csrf-token': csrf, cookie },
    });
    const after = (await (await fetch(`${fn}/getOrder?id=1002`, { headers: SESSION })).json()) as {
      order: { notes: { text: string }[] };
    };
    // Assess
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('ERR_CSRF_INVALID');
    // serverless-offline re-serialises cookies (adds Expires, reorders): the attributes are what matter.
    const [pair, ...attributes] = String(issued.headers.get('set-cookie')).split('; ');
    expect(pair).toMatch(/^__Host-tessera-csrf=[\w.-]+$/);
    expect(attributes).toEqual(expect.arrayContaining(['Path=/', 'Secure', 'HttpOnly', 'SameSite=Strict']));
    expect(attributes.some((a) => /^domain=/i.test(a))).toBe(false);
    expect(res.status).toBe(201);
    const texts = after.order.notes.map((n) => n.text);
    expect(texts).toContain('Customer called — wants a refund');
    expect(texts).not.toContain('never recorded');
  });

  it('addNote takes HTTP Basic from a server: the installation id and its basic_password iparam', async () => {
    // Prepare: the installer sets the Basic password as an admin would
    const store = new SsmIparamStore({ client: new SSMClient({ endpoint: `http://127.0.0.1:${SSM_PORT}` }) });
    const { manifest, iparams } = await loadProject(root);
    // The manifest the functions run with: npm start's copy of it also allows this run's customer server.
    manifest.customer.allowedHosts = [...manifest.customer.allowedHosts, `127.0.0.1:${CUSTOMER_PORT}`];
    const password = randomBytes(24).toString('base64url');
    await createInstaller({ manifest, schema: iparams, store, actor: 'e2e' }).set('demo', 'basic_password', password);
    const basic = (p: string) => ({ authorization: `Basic ${Buffer.from(`demo:${p}`).toString('base64')}` });
    // Act: a wrong password, then the right one with a CSRF pair fetched over Basic. Each function instance caches
    // the iparams for TESSERA_IPARAMS_TTL_MS (1 s here), so the new password is retried until every instance has it.
    const wrong = await fetch(`${fn}/addNote`, { method: 'POST', headers: basic('not-the-password-at-all'), body: '{}' });
    let res: Response | undefined;
    for (let i = 0; i < 30 && res?.status !== 201; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 200));
      const issued = await fetch(`${fn}/csrf`, { headers: basic(password) });
      if (issued.status !== 200) continue;
      const { token: csrf } = (await issued.json()) as { token: string };
      const cookie = String(issued.headers.get('set-cookie')).split(';')[0] as string;
      res = await fetch(`${fn}/addNote`, {
        method: 'POST',
        headers: { ...basic(password), 'content-type': 'application/json', 'x-csrf-token': csrf, cookie },
        body: JSON.stringify({ orderId: '1001', text: 'Synced from the ERP' }),
      });
    }
    // Assess
    expect(wrong.status).toBe(401);
    // addNote also takes a session: the refused scheme first, then the other one
    expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="order-lookup", charset="UTF-8", Bearer');
    expect(res?.status).toBe(201);
    expect(output).not.toContain(password);
  });

  it('maps a missing order to 404 and a bad id to 400', async () => {
    expect((await fetch(`${fn}/getOrder?id=9999`, { headers: SESSION })).status).toBe(404);
    const bad = await fetch(`${fn}/getOrder?id=../../admin`, { headers: SESSION });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('ERR_BAD_REQUEST');
  });

  it('refuses a call without a session, and ignores the offline installation header once a session guard exists', async () => {
    const res = await fetch(`${fn}/getOrder?id=1001`, { headers: { 'x-tessera-installation': 'demo' } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ERR_SESSION_MISSING');
  });

  it("answers preflights as API Gateway would pass the function's answer: allowed 204, refused 403 without CORS headers", async () => {
    const ask = (origin: string) =>
      fetch(`${fn}/getOrder`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await ask(PLATFORM);
    const refused = await ask('https://evil.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(PLATFORM);
    expect(refused.status).toBe(403);
    expect([...refused.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('refuses a call from a disallowed origin server-side, even with a valid session', async () => {
    const res = await fetch(`${fn}/getOrder?id=1001`, { headers: { ...SESSION, origin: 'https://evil.example.com' } });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('vary')).toBe('Origin');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ERR_ORIGIN_NOT_ALLOWED');
  });

  it('refuses a forged session token', async () => {
    const forged = `${token.split('.').slice(0, 2).join('.')}.${'A'.repeat(86)}`;
    const res = await fetch(`${fn}/getOrder?id=1001`, { headers: { authorization: `Bearer ${forged}` } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ERR_SESSION_INVALID');
  });

  it('the customer server refuses a direct call without credentials', async () => {
    const res = await fetch(`http://127.0.0.1:${CUSTOMER_PORT}/orders/1001`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ERR_VERIFY_MISSING');
  });

  it("serves the app's JWKS at /.well-known/jwks.json: the key the demo generated, public members only, cacheable for a minute", async () => {
    // Act: no session, no Origin, as a customer server's verifier fetches it
    const res = await fetch(`${fn}/.well-known/jwks.json`);
    const text = await res.text();
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const maxAge = /(?:^|,)\s*max-age=(\d+)/.exec(String(res.headers.get('cache-control')))?.[1];
    expect(Number(maxAge)).toBeGreaterThan(0);
    expect(Number(maxAge)).toBeLessThanOrEqual(60);
    const jwks = JSON.parse(text) as { keys: Record<string, unknown>[] };
    expect(Object.keys(jwks)).toEqual(['keys']);
    expect(jwks.keys).toEqual([{ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: appKey.kid, alg: 'ES256', use: 'sig' }]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect(text).not.toContain(appKey.d);
    // The demo names the kid it generated (never the key), so an operator can match it against the JWKS.
    expect(output).toContain(`kid ${appKey.kid}`);
  });

  if (authMode === 'jwt') {
    it('the customer server checks ES256 tokens against the JWKS: a token keyed by the installation secret is refused', async () => {
      // Prepare: an HS256 token the installation's secret really signed, bound to this request
      const url = `http://127.0.0.1:${CUSTOMER_PORT}/orders/1001`;
      const iat = Math.floor(Date.now() / 1000);
      const hs256 = createHs256Signer(secret)({
        iss: 'order-lookup',
        sub: 'demo',
        aud: new URL(url).origin,
        iat,
        nbf: iat,
        exp: iat + 30,
        jti: newJti(),
        htm: 'GET',
        htu: normalizeHtu(url),
        bh: bodyHash(undefined),
      });
      // Act
      const res = await fetch(url, { headers: { authorization: `Bearer ${hs256}` } });
      const body = await res.text();
      // Assess: the verifier is pinned to ES256, so getOrder's 200 above came from an app-key-signed token
      expect(res.status).toBe(401);
      expect((JSON.parse(body) as { error: { code: string } }).error.code).toBe('ERR_VERIFY_ALGORITHM');
      expect(body).not.toContain(hs256);
      expect(body).not.toContain(secret);
      expect(output).toContain(`signed with the app's ES256 key, kid ${appKey.kid}.`);
      expect(output).toContain(`curl -s ${fn}/.well-known/jwks.json`);
    });

    it("demo/attack.ts: forge (a fresh key under the app's kid) is refused; replay passes once, then is refused", async () => {
      // Act
      const forge = await runAttack('forge');
      const replay = await runAttack('replay');
      // Assess
      expect(forge).toMatchObject({ code: 0, stdout: '401 ERR_VERIFY_SIGNATURE\n' });
      expect(replay).toMatchObject({ code: 0, stdout: '200 accepted\n401 ERR_VERIFY_REPLAYED\n' });
      expect(output).toContain('node --import tsx demo/attack.ts forge');
      expect(output).toContain('node --import tsx demo/attack.ts replay');
    });
  } else {
    it('shared-secret mode: the hints suggest no token attack, and a wrong secret is refused as they say', async () => {
      // Act
      const wrong = await fetch(`http://127.0.0.1:${CUSTOMER_PORT}/orders/1001`, { headers: { 'x-tessera-secret': 'not-the-secret' } });
      const forge = await runAttack('forge');
      // Assess
      expect(output).not.toContain('attack.ts forge');
      expect(output).not.toContain('attack.ts replay');
      expect(output).toContain(`curl -s -H 'X-Tessera-Secret: not-the-secret' http://127.0.0.1:${CUSTOMER_PORT}/orders/1001`);
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('ERR_VERIFY_SECRET');
      expect(forge.code).toBe(1);
      expect(forge.stderr).toContain('shared-secret mode');
    });
  }

  it('demo/attack.ts: the live feed refuses a fresh ticket from another origin, and a ticket used twice', async () => {
    // Act
    const foreign = await runAttack('ws-foreign');
    const reuse = await runAttack('ws-reuse');
    // Assess
    expect(foreign).toMatchObject({ code: 0, stdout: 'refused from https://evil.example: 403 ERR_VERIFY_ORIGIN\n' });
    expect(reuse.code).toBe(0);
    expect(reuse.stdout).toMatch(
      /^opened from http:\/\/127\.0\.0\.1:\d+: \{"type":"status","orderId":"1001","status":"\w+"\}\nrefused from http:\/\/127\.0\.0\.1:\d+: 401 ERR_VERIFY_REPLAYED\n$/,
    );
    expect(output).toContain('node --import tsx demo/attack.ts ws-foreign');
  });

  it('prints neither the secret, a session token nor a private key member, and the try-this text names a working curl', () => {
    expect(output).toContain(`curl -s -H "Authorization: Bearer $TOKEN" '${fn}/getOrder?id=1001'`);
    expect(output).toContain(`TOKEN=$(curl -s -X POST ${PLATFORM}/session`);
    for (const printed of [output, attackOutput]) {
      expect(printed).not.toContain(secret);
      expect(printed).not.toContain(token);
      expect(printed).not.toContain(appKey.d);
      expect(printed).not.toMatch(/"d"\s*:/);
      expect(printed).not.toContain('PRIVATE KEY');
    }
  });
});
