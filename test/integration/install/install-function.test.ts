/**
 * The install function against real parts: sessions from the dev platform (verified against its JWKS), the real SDK
 * writing to ssm-local, the real CSRF guard. The page is public markup; its state needs the admin-scoped session,
 * and a write also the CSRF pair; the server's verdicts are the installer's (those of `tessera install`).
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createApp } from '@tessera/runtime';
import { defineInstallFunction } from '@tessera/runtime/install';
import { SsmIparamStore } from '@tessera/runtime/iparams';
import { startDevPlatform, type DevPlatform } from '@tessera/offline';
import { silentLogger } from '@tessera/protocol/log';
import { cli } from '../../helpers/cli.js';
import { captureLogger } from '../../helpers/logs.js';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';

const root = resolve(__dirname, '../../..');
const schema = JSON.parse(readFileSync(join(root, 'test/fixtures/install-page/all-types.iparams.json'), 'utf8'));
const exampleManifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
const SECRET = 'Install_Page_Secret_0123456789abcdefghijklmnopq';
const SECRET_2 = 'Install_Page_Secret_2_ZYXWVUTSRQPONMLKJIHGFEDCBA';
const CSRF_SECRET = 'csrf-key-for-the-install-function-tests-0123456789';
const GOOD = {
  server_url: 'https://acme.orders.example.com',
  shared_secret: SECRET,
  notes: 'Call before noon',
  max_orders: 25,
  contact: 'ops@acme.example.com',
  region: 'us',
  channels: ['email', 'chat'],
  tier: 'pro',
  enabled: false,
  start_date: '2027-01-31',
};

let ssm: LocalSsm;
let platform: DevPlatform;
let store: SsmIparamStore;
let manifest: Record<string, unknown>;

beforeAll(async () => {
  ssm = await startLocalSsm();
  store = new SsmIparamStore({ client: ssm.client().client });
  platform = await startDevPlatform({
    port: 0,
    appId: 'order-lookup',
    installationId: 'acme',
    functionsUrl: 'http://127.0.0.1:9',
    logger: silentLogger,
  });
  // The fixture declares every field type, not the example's auth_mode and basic_password: the manifest follows it.
  const { basic: _basic, ...rest } = exampleManifest;
  manifest = {
    ...rest,
    customer: { ...exampleManifest.customer, auth: { ...exampleManifest.customer.auth, mode: 'jwt' } },
    functions: Object.fromEntries(
      Object.entries(exampleManifest.functions as Record<string, object>).map(([n, f]) => [n, { ...f, credentials: ['session'] }]),
    ),
    session: { jwksUrl: platform.jwksUrl, issuer: platform.url },
    cors: { ...exampleManifest.cors, allowedOrigins: [platform.url, 'https://*.helpdesk.example.com'] },
  };
});
afterAll(async () => {
  await platform.close();
  await ssm.stop();
});

function install(logger = silentLogger) {
  const app = createApp({ manifest, offline: true, store, csrfSecret: CSRF_SECRET, logger, env: {} });
  return defineInstallFunction(app, { iparams: schema });
}

async function sessionFor(purpose: 'install' | 'product'): Promise<string> {
  const res = await fetch(`${platform.url}/session`, { method: 'POST', body: JSON.stringify({ purpose }) });
  return ((await res.json()) as { token: string }).token;
}

function event(method: string, path: string, headers: Record<string, string> = {}, body?: string): APIGatewayProxyEventV2 {
  return {
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: { http: { method, path } },
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

const json = (res: APIGatewayProxyStructuredResultV2) => JSON.parse(String(res.body)) as Record<string, any>;
const header = (res: APIGatewayProxyStructuredResultV2, name: string) => String(res.headers?.[name] ?? '');

/** The page's two calls: read the state (and the CSRF pair), then write. */
async function readState(handler: ReturnType<typeof install>, token: string) {
  const res = await handler(event('GET', '/install/state', { authorization: `Bearer ${token}`, 'sec-fetch-site': 'same-origin' }));
  const cookie = header(res, 'set-cookie').split(';')[0] as string;
  return { res, cookie, csrf: res.statusCode === 200 ? (json(res).csrfToken as string) : '' };
}
async function write(values: Record<string, unknown>, extra: Record<string, string> = {}) {
  const handler = install();
  const token = await sessionFor('install');
  const { cookie, csrf } = await readState(handler, token);
  const headers = { authorization: `Bearer ${token}`, cookie, 'x-csrf-token': csrf, 'content-type': 'application/json', ...extra };
  return handler(event('POST', '/install/state', headers, JSON.stringify({ values })));
}
const stored = async () => (await store.get('order-lookup', 'acme'))?.document.values;

describe('the install function', () => {
  afterEach(async () => {
    await store.delete('order-lookup', 'acme');
  });

  it('serves the page, its script and style under a CSP with no inline code, framed only by the platform', async () => {
    const handler = install();
    const page = await handler(event('GET', '/install'));
    expect(page.statusCode).toBe(200);
    expect(header(page, 'content-type')).toBe('text/html; charset=utf-8');
    const csp = header(page, 'content-security-policy');
    expect(csp).toContain("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toContain(`frame-ancestors ${platform.url} https://*.helpdesk.example.com`);
    expect(header(page, 'x-content-type-options')).toBe('nosniff');
    // No script element with code in it: the one with content is JSON data, which a browser never runs.
    const scripts = [...String(page.body).matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => m[1]?.trim())).toEqual(['type="application/json" id="tessera-install-data"', 'defer src="/install/page.js"']);
    expect(String(page.body)).not.toMatch(/\sstyle=|\son[a-z]+=/);
    for (const [path, type] of [
      ['/install/page.js', 'text/javascript; charset=utf-8'],
      ['/install/page.css', 'text/css; charset=utf-8'],
    ]) {
      const res = await handler(event('GET', path as string));
      expect([res.statusCode, header(res, 'content-type')]).toEqual([200, type]);
    }
    expect((await handler(event('GET', '/install/other'))).statusCode).toBe(404);
    expect((await handler(event('DELETE', '/install/state'))).statusCode).toBe(405);
  });

  it('renders every field type with its label, description, required mark, default, options and bounds', async () => {
    const body = String((await install()(event('GET', '/install'))).body);
    expect(body).toContain(
      '<input type="url" id="f-server_url" name="server_url" aria-describedby="f-server_url-desc f-server_url-err" aria-required="true"',
    );
    expect(body).toContain('<label for="f-server_url">Order server URL <span class="required">(required)</span></label>');
    expect(body).toContain('<p class="description" id="f-server_url-desc">Base URL of your order system</p>');
    expect(body).toMatch(/<input type="password" autocomplete="new-password" spellcheck="false" id="f-shared_secret"[^>]*>/);
    expect(body).toMatch(/<textarea id="f-notes"[^>]*><\/textarea>/);
    expect(body).toMatch(/<input type="number" step="any" id="f-max_orders"[^>]* min="1" max="100" value="10">/);
    expect(body).toMatch(/<input type="email" id="f-contact"/);
    expect(body).toContain('<option value="eu" selected>eu</option><option value="us">us</option>');
    expect(body).toMatch(/<fieldset class="field" id="f-channels" data-field="channels"[^>]*><legend>Channels <span class="required">/);
    expect(body).toContain('<input type="checkbox" id="f-channels-2" name="channels" value="phone">');
    expect(body).toContain('<input type="radio" id="f-tier-0" name="tier" value="basic" checked>');
    expect(body).toMatch(/<input type="checkbox" id="f-enabled"[^>]* checked>/);
    expect(body).toMatch(/<input type="date" id="f-start_date"/);
  });

  it.each([
    ['no session', {}, 401, 'ERR_SESSION_MISSING'],
    ["a product session (no 'admin' scope)", 'product', 403, 'ERR_SCOPE_MISSING'],
    ['a forged token', { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' }, 401, 'ERR_SESSION_INVALID'],
    ['an admin session from a cross-site page', 'cross-site', 403, 'ERR_ORIGIN_NOT_ALLOWED'],
    ['the offline installation header alone', { 'x-tessera-installation': 'acme' }, 401, 'ERR_SESSION_MISSING'],
    ['HTTP Basic credentials', { authorization: `Basic ${Buffer.from('acme:password').toString('base64')}` }, 401, 'ERR_SESSION_INVALID'],
  ] as const)('refuses to read the state with %s, and says nothing of the installation', async (_name, given, status, code) => {
    await write(GOOD);
    const token = await sessionFor(given === 'product' ? 'product' : 'install');
    const headers =
      given === 'product'
        ? { authorization: `Bearer ${token}` }
        : given === 'cross-site'
          ? { authorization: `Bearer ${token}`, 'sec-fetch-site': 'cross-site' }
          : given;
    const res = await install()(event('GET', '/install/state', headers));
    expect(res.statusCode).toBe(status);
    expect(json(res).error.code).toBe(code);
    expect(res.body).not.toContain('acme.orders.example.com');
    expect(header(res, 'set-cookie')).toBe('');
  });

  it('reads the state for the admin session: non-secure values, secure ones only as set, and a CSRF pair', async () => {
    const before = await readState(install(), await sessionFor('install'));
    expect(json(before.res)).toMatchObject({ installationId: 'acme', installed: false, values: {}, secure: { shared_secret: false } });
    await write(GOOD);
    const after = await readState(install(), await sessionFor('install'));
    const body = json(after.res);
    expect(body).toMatchObject({ installed: true, secure: { shared_secret: true } });
    expect(body.values).toEqual(Object.fromEntries(Object.entries(GOOD).filter(([k]) => k !== 'shared_secret')));
    expect(after.res.body).not.toContain(SECRET);
    expect(header(after.res, 'cache-control')).toBe('no-store');
    expect(after.cookie).toMatch(/^__Host-tessera-csrf=/);
    expect(header(after.res, 'set-cookie')).toContain('HttpOnly; SameSite=Strict');
  });

  it.each([
    ['no CSRF header', { 'x-csrf-token': '' }],
    ['a CSRF header of another pair', { 'x-csrf-token': 'A'.repeat(43) }],
    ['no CSRF cookie', { cookie: '' }],
  ])('refuses a write with %s and stores nothing', async (_name, extra) => {
    const res = await write(GOOD, extra);
    expect(res.statusCode).toBe(400);
    expect(json(res).error.code).toBe('ERR_CSRF_INVALID');
    expect(await stored()).toBeUndefined();
  });

  it('refuses invalid values with one issue per field, the same as `tessera install`, and stores nothing', async () => {
    // Prepare: the same values for the page's function and for the CLI
    const bad = {
      ...GOOD,
      server_url: 'ftp://acme',
      shared_secret: 'short',
      max_orders: 500,
      contact: 'nobody',
      channels: [],
      start_date: '2027-02-30',
    };
    const dir = mkdtempSync(join(tmpdir(), 'tessera-install-page-'));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    writeFileSync(join(dir, 'iparams.json'), JSON.stringify(schema));
    writeFileSync(join(dir, 'values.json'), JSON.stringify(bad));
    process.env.AWS_ENDPOINT_URL_SSM = ssm.server.url;
    // Act
    const res = await write(bad);
    const viaCli = await cli(['install', 'acme', '--values', join(dir, 'values.json')], { cwd: dir, env: process.env });
    delete process.env.AWS_ENDPOINT_URL_SSM;
    // Assess
    expect(res.statusCode).toBe(400);
    const issues = json(res).error.issues as { field: string; rule: string }[];
    expect(issues).toEqual([
      { field: 'server_url', rule: 'must be an https:// or http:// URL' },
      { field: 'shared_secret', rule: 'must be at least 43 base64url characters (32 bytes)' },
      { field: 'max_orders', rule: 'must be at most 100' },
      { field: 'contact', rule: 'must be a valid email address' },
      { field: 'channels', rule: 'is required' },
      { field: 'start_date', rule: 'must be a real calendar date written YYYY-MM-DD' },
    ]);
    expect(viaCli.code).toBe(1);
    for (const i of issues) expect(viaCli.stderr).toContain(`  - ${i.field}: ${i.rule}\n`);
    expect(res.body).not.toContain('short');
    expect(await stored()).toBeUndefined();
  });

  it("refuses a server URL outside the manifest's allowedHosts, as the installer does", async () => {
    const res = await write({ ...GOOD, server_url: 'https://evil.example.net' });
    expect(json(res).error.issues).toEqual([
      { field: 'server_url', rule: expect.stringContaining("host must match one of the manifest's allowedHosts") },
    ]);
    expect(await stored()).toBeUndefined();
  });

  it('installs, then updates a non-secure field with the secure one blank: the secret is unchanged', async () => {
    const { logger, lines } = captureLogger();
    const first = await write(GOOD);
    expect([first.statusCode, json(first)]).toEqual([200, { created: true, version: 1 }]);
    const second = await write({ ...GOOD, shared_secret: '', notes: 'Call after noon' });
    expect([second.statusCode, json(second)]).toEqual([200, { created: false, version: 2 }]);
    expect(await stored()).toEqual({ ...GOOD, notes: 'Call after noon' });
    const third = await write({ ...GOOD, shared_secret: SECRET_2 });
    expect(third.statusCode).toBe(200);
    expect((await stored())?.shared_secret).toBe(SECRET_2);
    // The audit names the session's user as the actor; no value reaches a log line.
    const handler = install(logger);
    const token = await sessionFor('install');
    const { cookie, csrf } = await readState(handler, token);
    await handler(
      event(
        'POST',
        '/install/state',
        { authorization: `Bearer ${token}`, cookie, 'x-csrf-token': csrf },
        JSON.stringify({ values: { ...GOOD, shared_secret: '' } }),
      ),
    );
    const audit = lines.map((l) => JSON.parse(l)).find((e) => e.msg === 'iparams.updated' || e.event === 'iparams.updated');
    expect(audit).toMatchObject({ audit: true, actor: 'dev-user', result: 'ok', installationId: 'acme' });
    expect(lines.join('\n')).not.toMatch(new RegExp(`${SECRET}|${SECRET_2}|${csrf}|${token.split('.')[2]}`));
  });

  it('leaves the previous installation intact when the write fails, and answers 503', async () => {
    await write(GOOD);
    const handler = install();
    const token = await sessionFor('install');
    const { cookie, csrf } = await readState(handler, token);
    await ssm.server.close();
    const res = await handler(
      event(
        'POST',
        '/install/state',
        { authorization: `Bearer ${token}`, cookie, 'x-csrf-token': csrf },
        JSON.stringify({ values: { ...GOOD, notes: 'lost' } }),
      ),
    );
    await ssm.restart();
    store = new SsmIparamStore({ client: ssm.client().client });
    expect(res.statusCode).toBe(503);
    expect(json(res).error.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(await stored()).toEqual(GOOD);
  });

  it('refuses a body that is not {"values": {…}} and one over 64 KiB', async () => {
    const handler = install();
    const token = await sessionFor('install');
    const { cookie, csrf } = await readState(handler, token);
    const headers = { authorization: `Bearer ${token}`, cookie, 'x-csrf-token': csrf };
    expect(json(await handler(event('POST', '/install/state', headers, '[1]'))).error.code).toBe('ERR_BAD_REQUEST');
    const notJson = await handler(event('POST', '/install/state', headers, `{"values": {"shared_secret": "${SECRET}"`));
    expect(json(notJson).error).toEqual({ code: 'ERR_BAD_REQUEST', message: 'Request body must be JSON' });
    expect(notJson.body).not.toContain(SECRET);
    expect(json(await handler(event('POST', '/install/state', headers, 'x'.repeat(65 * 1024)))).error.code).toBe('ERR_BODY_TOO_LARGE');
    expect(await stored()).toBeUndefined();
  });

  it.each([
    ['cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site' }],
    ['cross-site, the header spelt in capitals (payload 1.0)', { 'Sec-Fetch-Site': 'cross-site' }, '1.0'],
  ] as [string, Record<string, string>, string?][])(
    'refuses a write from a page that is %s, and stores nothing',
    async (_name, site, version = '2.0') => {
      const handler = install();
      const token = await sessionFor('install');
      const { cookie, csrf } = await readState(handler, token);
      const headers = { authorization: `Bearer ${token}`, cookie, 'x-csrf-token': csrf, ...site };
      const res = await handler({ ...event('POST', '/install/state', headers, JSON.stringify({ values: GOOD })), version } as APIGatewayProxyEventV2);
      expect(res.statusCode).toBe(403);
      expect(json(res).error.code).toBe('ERR_ORIGIN_NOT_ALLOWED');
      expect(await stored()).toBeUndefined();
    },
  );

  it.each([
    ['"*"', ['*']],
    ['no origin at all', []],
  ])('refuses at cold start a manifest whose CORS origins are %s: they would be who may frame the page', (_name, allowedOrigins) => {
    const app = createApp({
      manifest: { ...manifest, cors: { allowedOrigins, allowCredentials: false } },
      offline: true,
      store,
      csrfSecret: CSRF_SECRET,
      logger: silentLogger,
      env: {},
    });
    expect(() => defineInstallFunction(app, { iparams: schema })).toThrow(/cors\.allowedOrigins .*frame the page/);
  });

  it('refuses at cold start an app without a session section or a CSRF key, and what is not an app', () => {
    const { session: _none, ...noSession } = manifest;
    const withoutSession = createApp({ manifest: noSession, offline: true, store, csrfSecret: CSRF_SECRET, logger: silentLogger, env: {} });
    const withoutCsrf = createApp({ manifest, offline: true, store, logger: silentLogger, env: {} });
    expect(() => defineInstallFunction(withoutSession, { iparams: schema })).toThrow(/needs a session section/);
    expect(() => defineInstallFunction(withoutCsrf, { iparams: schema })).toThrow(/csrfSecret|TESSERA_CSRF_SECRET/);
    expect(() => defineInstallFunction({} as never, { iparams: schema })).toThrow(/an app from createApp/);
  });
});
