/** createCsrfGuard options, CsrfGuard.issue (token and exact cookie) and the GET /csrf answer. */
import { randomBytes } from 'node:crypto';
import { createCsrfGuard, csrfResponse, type CsrfGuardOptions } from '../../../src/inbound/csrf.js';
import { captureLogger } from '../../../../../test/helpers/http-recorder.js';

const SECRET = randomBytes(32).toString('base64url');
const BINDING = JSON.stringify(['acme-1', 'user-7']);
const NOW_MS = Date.UTC(2026, 10, 22, 12, 0, 0);
const COOKIE_PATTERN =
  /^__Host-tessera-csrf=([A-Za-z0-9_-]{43})\.(\d+)\.([A-Za-z0-9_-]{43}); Max-Age=7200; Path=\/; Secure; HttpOnly; SameSite=Strict$/;

describe('createCsrfGuard', () => {
  describe('options', () => {
    it.each<[string, Record<string, unknown>, RegExp]>([
      ['no secret', { secret: undefined }, /secret/],
      ['a secret of 31 bytes', { secret: 'x'.repeat(31) }, /at least 32 bytes/],
      ['a secret that is not a string', { secret: randomBytes(32) }, /secret/],
      ['a cookie name without __Host-', { cookieName: 'tessera-csrf' }, /__Host-/],
      ['a __Secure- cookie name', { cookieName: '__Secure-tessera-csrf' }, /__Host-/],
      ['a cookie name with a space', { cookieName: '__Host-a b' }, /cookieName/],
      ['a lifetime of 59 s', { tokenLifetimeSec: 59 }, /tokenLifetimeSec/],
      ['a lifetime over a day', { tokenLifetimeSec: 86_401 }, /tokenLifetimeSec/],
      ['a fractional lifetime', { tokenLifetimeSec: 600.5 }, /tokenLifetimeSec/],
      ['a clock that is not a function', { now: NOW_MS }, /now/],
      ['a logger without log()', { logger: {} }, /logger/],
      ['an unknown option (typo)', { tokenLifetimeSecs: 600 }, /unknown option "tokenLifetimeSecs"/],
    ])('throws TypeError at construction for %s', (_name, overrides, message) => {
      // Prepare
      const options = { secret: SECRET, ...overrides } as unknown as CsrfGuardOptions;
      // Act
      const act = () => createCsrfGuard(options);
      // Assess
      expect(act).toThrow(TypeError);
      expect(act).toThrow(message);
    });

    it('never puts the secret in a TypeError message', () => {
      // Prepare
      const shortSecret = 'short-secret-value';
      // Act
      const act = () => createCsrfGuard({ secret: shortSecret });
      // Assess
      expect(act).toThrow(expect.objectContaining({ message: expect.not.stringContaining(shortSecret) }));
    });

    it('accepts a secret of exactly 32 bytes and exposes its settings', () => {
      // Prepare
      const secret = 'é'.repeat(16);
      // Act
      const guard = createCsrfGuard({ secret, tokenLifetimeSec: 600, cookieName: '__Host-x' });
      // Assess
      expect(guard).toMatchObject({ cookieName: '__Host-x', tokenLifetimeSec: 600 });
    });
  });

  describe('issue', () => {
    it('sets the cookie with exactly __Host-, Max-Age, Path=/, Secure, HttpOnly and SameSite=Strict', () => {
      // Prepare
      const guard = createCsrfGuard({ secret: SECRET, now: () => NOW_MS });
      // Act
      const { token, setCookie } = guard.issue(BINDING);
      // Assess
      const match = COOKIE_PATTERN.exec(setCookie);
      expect(match).not.toBeNull();
      expect(match?.[1]).toBe(token);
      expect(Number(match?.[2])).toBe(NOW_MS / 1000 + 7200);
      expect(setCookie).not.toMatch(/Domain=/i);
    });

    it('hands out a fresh 256-bit token each time', () => {
      // Prepare
      const guard = createCsrfGuard({ secret: SECRET });
      // Act
      const tokens = new Set(Array.from({ length: 50 }, () => guard.issue(BINDING).token));
      // Assess
      expect(tokens.size).toBe(50);
      for (const token of tokens) expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    });

    it('does not put the secret or the binding in the cookie', () => {
      // Prepare
      const guard = createCsrfGuard({ secret: SECRET });
      // Act
      const { setCookie } = guard.issue(BINDING);
      // Assess
      expect(setCookie).not.toContain(SECRET);
      expect(setCookie).not.toContain('acme-1');
    });

    it.each([[''], [undefined], [42]])('throws TypeError for the session binding %p', (binding) => {
      // Prepare
      const guard = createCsrfGuard({ secret: SECRET });
      // Act
      const act = () => guard.issue(binding as unknown as string);
      // Assess
      expect(act).toThrow(TypeError);
    });
  });

  describe('csrfResponse', () => {
    it('answers 200 {"token"} with the cookie, no-store and the CORS headers', () => {
      // Prepare
      const { logger, lines } = captureLogger();
      const guard = createCsrfGuard({ secret: SECRET, now: () => NOW_MS, logger });
      const corsHeaders = { 'access-control-allow-origin': 'https://app.product.test', vary: 'Origin' };
      // Act
      const response = csrfResponse(guard, BINDING, corsHeaders);
      // Assess
      const { token } = JSON.parse(response.body) as { token: string };
      expect(response.statusCode).toBe(200);
      expect(response.headers).toEqual({
        ...corsHeaders,
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'set-cookie': expect.stringMatching(COOKIE_PATTERN),
      });
      expect(COOKIE_PATTERN.exec(response.headers['set-cookie'] as string)?.[1]).toBe(token);
      expect(lines).toEqual([]);
    });

    it('lets the CORS headers not override cache-control or the cookie', () => {
      // Prepare
      const guard = createCsrfGuard({ secret: SECRET });
      // Act
      const response = csrfResponse(guard, BINDING, { 'cache-control': 'public, max-age=600', 'set-cookie': 'x=y' });
      // Assess
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['set-cookie']).toMatch(/^__Host-tessera-csrf=/);
    });
  });
});
