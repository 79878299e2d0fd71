/** startDevPlatform: its JWKS is public-only, its sessions pass createSessionVerifier, its page carries a strict CSP. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader, decodeJwt } from 'jose';
import { createSessionVerifier } from '../../../runtime/src/inbound/index.js';
import type { Logger } from '../../../protocol/src/log.js';
import { startDevPlatform, type DevPlatform, type DevPlatformOptions } from '../../src/index.js';

const FIXED_MS = Date.UTC(2026, 10, 23, 12, 0, 0);
// Only text the page and its CSP name; the platform listens on port 0 and never connects to it (`.test`: RFC 6761).
const FUNCTIONS_URL = 'http://functions.test';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (level, event, fields) => lines.push(JSON.stringify({ level, event, ...fields })) };
}

describe('startDevPlatform', () => {
  let platform: DevPlatform;
  let pageDir: string;
  let logger: ReturnType<typeof recordingLogger>;

  async function start(extra: Partial<DevPlatformOptions> = {}): Promise<DevPlatform> {
    return startDevPlatform({
      port: 0,
      appId: 'order-lookup',
      installationId: 'demo',
      functionsUrl: FUNCTIONS_URL,
      pageDir,
      logger,
      now: () => FIXED_MS,
      ...extra,
    });
  }

  async function mintToken(): Promise<string> {
    const res = await fetch(`${platform.url}/session`, { method: 'POST' });
    return ((await res.json()) as { token: string }).token;
  }

  beforeEach(async () => {
    pageDir = mkdtempSync(join(tmpdir(), 'tessera-page-'));
    writeFileSync(join(pageDir, 'index.html'), '<meta name="tessera-functions-url" content="__TESSERA_FUNCTIONS_URL__">');
    writeFileSync(join(pageDir, 'app.js'), 'export {};');
    logger = recordingLogger();
    platform = await start();
  });
  afterEach(async () => {
    await platform.close();
    rmSync(pageDir, { recursive: true, force: true });
  });

  describe('GET /.well-known/jwks.json', () => {
    it('publishes one ES256 public key with a kid and no private members, cacheable for 300 s', async () => {
      // Act
      const res = await fetch(platform.jwksUrl);
      const jwks = (await res.json()) as { keys: Record<string, unknown>[] };
      // Assess
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('max-age=300');
      expect(jwks.keys).toHaveLength(1);
      expect(Object.keys(jwks.keys[0]!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    });

    it('makes a new key at each start, so no key outlives the process', async () => {
      // Prepare
      const other = await start();
      // Act
      const [a, b] = await Promise.all(
        [platform, other].map(async (p) => ((await (await fetch(p.jwksUrl)).json()) as { keys: { kid: string }[] }).keys[0]!.kid),
      );
      await other.close();
      // Assess
      expect(a).not.toBe(b);
    });
  });

  describe('POST /session', () => {
    it('issues a session that createSessionVerifier accepts, naming the installation and scopes', async () => {
      // Prepare
      const sessions = createSessionVerifier({
        jwksUrl: platform.jwksUrl,
        issuer: platform.url,
        audience: 'order-lookup',
        offline: true,
        now: () => FIXED_MS + 1_000,
        logger,
      });
      // Act
      const res = await fetch(`${platform.url}/session`, { method: 'POST' });
      const body = (await res.json()) as { token: string; expiresInSec: number };
      const session = await sessions.verify(`Bearer ${body.token}`, ['orders:read', 'orders:write']);
      // Assess
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(body.expiresInSec).toBe(300);
      expect(session).toMatchObject({ subject: 'dev-user', installationId: 'demo', scopes: ['orders:read', 'orders:write'] });
    });

    it('signs with typ tessera-session+jwt and the JWKS kid; iss is its origin, aud the app id, 5 minutes of life', async () => {
      // Prepare
      const { keys } = (await (await fetch(platform.jwksUrl)).json()) as { keys: { kid: string }[] };
      // Act
      const token = await mintToken();
      // Assess
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', typ: 'tessera-session+jwt', kid: keys[0]!.kid });
      const iat = Math.floor(FIXED_MS / 1000);
      expect(decodeJwt(token)).toEqual({
        iss: platform.url,
        aud: 'order-lookup',
        sub: 'dev-user',
        installation_id: 'demo',
        scope: 'orders:read orders:write',
        iat,
        nbf: iat,
        exp: iat + 300,
      });
    });

    it('carries the configured scopes, subject and lifetime', async () => {
      // Prepare
      await platform.close();
      platform = await start({ scopes: ['orders:read'], subject: 'agent-7', tokenLifetimeSec: 60 });
      // Act
      const claims = decodeJwt(await mintToken());
      // Assess
      expect(claims).toMatchObject({ scope: 'orders:read', sub: 'agent-7' });
      expect((claims.exp as number) - (claims.iat as number)).toBe(60);
    });

    it('logs the issue without the token', async () => {
      // Act
      const token = await mintToken();
      // Assess
      expect(logger.lines.some((l) => l.includes('dev-platform.session.issued'))).toBe(true);
      expect(logger.lines.join('\n')).not.toContain(token);
      expect(logger.lines.join('\n')).not.toContain(token.split('.')[2]!);
    });

    it.each([
      ['another origin', { origin: 'http://127.0.0.1:4300' }],
      ['a cross-site fetch', { 'sec-fetch-site': 'cross-site' }],
      ['a null origin', { origin: 'null' }],
    ])('refuses a session to %s with ERR_ORIGIN_NOT_ALLOWED', async (_, headers) => {
      // Act
      const res = await fetch(`${platform.url}/session`, { method: 'POST', headers });
      const text = await res.text();
      // Assess
      expect(res.status).toBe(403);
      expect(JSON.parse(text)).toEqual({ error: { code: 'ERR_ORIGIN_NOT_ALLOWED', message: 'Origin not allowed' } });
      expect(text).not.toContain('eyJ');
      expect(logger.lines.join('\n')).not.toContain('eyJ');
    });

    it.each([
      ['no body', undefined],
      ['a body that is not JSON', '{"purpose":"install"'],
      ['another purpose', '{"purpose":"admin"}'],
      ['an array', '[{"purpose":"install"}]'],
      ['the purpose in other case', '{"purpose":"Install"}'],
    ])('gives %s the product scopes, never the install scopes', async (_, body) => {
      // Act
      const res = await fetch(`${platform.url}/session`, { method: 'POST', ...(body === undefined ? {} : { body }) });
      // Assess
      expect(res.status).toBe(200);
      expect(decodeJwt(((await res.json()) as { token: string }).token).scope).not.toMatch(/\badmin\b/);
    });

    it('gives {"purpose":"install"} the install scopes, and refuses it to a cross-site page', async () => {
      // Act
      const asked = await fetch(`${platform.url}/session`, { method: 'POST', body: '{"purpose":"install"}' });
      const crossSite = await fetch(`${platform.url}/session`, {
        method: 'POST',
        body: '{"purpose":"install"}',
        headers: { 'sec-fetch-site': 'cross-site' },
      });
      // Assess
      expect(decodeJwt(((await asked.json()) as { token: string }).token).scope).toBe('admin');
      expect(crossSite.status).toBe(403);
      expect(await crossSite.text()).not.toContain('eyJ');
    });

    it('refuses GET /session with ERR_METHOD_NOT_ALLOWED', async () => {
      // Act
      const res = await fetch(`${platform.url}/session`);
      // Assess
      expect(res.status).toBe(405);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ERR_METHOD_NOT_ALLOWED');
    });

    it('refuses a body over 4 KiB with ERR_BODY_TOO_LARGE', async () => {
      // Act
      const res = await fetch(`${platform.url}/session`, { method: 'POST', body: 'x'.repeat(5000) });
      // Assess
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ERR_BODY_TOO_LARGE');
    });
  });

  describe('GET /install (the host of the install page)', () => {
    it.each(['/install', '/install-host.js', '/install-host.css'])(
      'serves %s that no page may frame and that frames only the functions',
      async (path) => {
        // Act
        const res = await fetch(`${platform.url}${path}`);
        const csp = String(res.headers.get('content-security-policy'));
        // Assess
        expect(res.status).toBe(200);
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).toContain(`frame-src ${FUNCTIONS_URL}`);
        expect(csp).toContain("script-src 'self'");
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      },
    );

    it("frames the functions' /install and answers only that frame's session requests", async () => {
      // Act
      const page = await (await fetch(`${platform.url}/install`)).text();
      const script = await (await fetch(`${platform.url}/install-host.js`)).text();
      // Assess
      expect(page).toContain(`src="${FUNCTIONS_URL}/install"`);
      expect(script).toContain('event.source !== frame.contentWindow || event.origin !== appOrigin');
      expect(script).toContain('{"purpose":"install"}');
    });
  });

  describe('GET / (the product page)', () => {
    it('serves index.html with the functions origin filled in and a CSP that connects only to itself and the functions', async () => {
      // Act
      const res = await fetch(`${platform.url}/`);
      const html = await res.text();
      // Assess
      expect(res.status).toBe(200);
      expect(html).toContain(`content="${FUNCTIONS_URL}"`);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain(`connect-src 'self' ${FUNCTIONS_URL}`);
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('serves the page scripts as JavaScript', async () => {
      const res = await fetch(`${platform.url}/app.js`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    });

    it.each(['/..%2fpackage.json', '/%2e%2e/etc/passwd', '/nested/app.js', '/missing.js', '/app.json', '/.env'])(
      'answers %s with ERR_NOT_FOUND',
      async (path) => {
        // Act
        const res = await fetch(`${platform.url}${path}`);
        // Assess
        expect(res.status).toBe(404);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ERR_NOT_FOUND');
      },
    );
  });
});

describe('startDevPlatform options', () => {
  const base = { appId: 'order-lookup', installationId: 'demo', functionsUrl: FUNCTIONS_URL, port: 0 };

  it.each([
    ['an unknown key', { ...base, prot: 1 }, /unknown option "prot"/],
    ['a non-loopback host', { ...base, host: '0.0.0.0' }, /loopback/],
    ['a lifetime over 300 s', { ...base, tokenLifetimeSec: 301 }, /tokenLifetimeSec/],
    ['a bad installation id', { ...base, installationId: '..' }, /installationId/],
    ['a functions URL that is not http(s)', { ...base, functionsUrl: 'file:///etc' }, /functionsUrl/],
    ['a scope with a space', { ...base, scopes: ['orders read'] }, /scopes/],
    ['an install scope with a space', { ...base, installScopes: ['admin all'] }, /installScopes/],
  ])('refuses %s with a TypeError at start', async (_, options, message) => {
    await expect(startDevPlatform(options as DevPlatformOptions)).rejects.toThrow(TypeError);
    await expect(startDevPlatform(options as DevPlatformOptions)).rejects.toThrow(message);
  });
});
