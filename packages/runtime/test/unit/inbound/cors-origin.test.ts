/** checkActualRequest: which Origins pass, which are refused before the function runs, and what each answer carries. */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { checkActualRequest, compileCorsPolicy, type CorsConfig } from '../../../src/inbound/cors.js';
import { InboundError } from '../../../../protocol/src/errors.js';
import { captureLogger } from '../../../../../test/helpers/http-recorder.js';

const SESSION_TOKEN = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString('base64url')}.sig`;
const FUNCTIONS = { getOrder: { methods: ['GET'] }, addNote: { methods: ['POST'] } };

function request(headers: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/getOrder',
    rawQueryString: '',
    headers: { authorization: `Bearer ${SESSION_TOKEN}`, ...headers },
    isBase64Encoded: false,
    requestContext: { http: { method: 'GET', path: '/getOrder', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' } },
  } as unknown as APIGatewayProxyEventV2;
}

function policy(config: Partial<CorsConfig> = {}) {
  return compileCorsPolicy({ allowedOrigins: ['https://*.example.com', 'https://app.product.test:8443'], ...config }, FUNCTIONS);
}

/** Runs the check and returns the refusal it throws, failing the test if it lets the request through. */
function refusalOf(run: () => unknown): InboundError {
  try {
    run();
  } catch (err) {
    if (err instanceof InboundError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

/** The refusal as the runtime answers and logs it: 403, the code, Vary, no allow header, no token anywhere. */
function expectOriginRefusal(err: InboundError): void {
  const { logger, lines } = captureLogger();
  logger.log('warn', 'function.refused', { code: err.code, cause: err.cause });
  const response = err.toResponse();
  expect(err.code).toBe('ERR_ORIGIN_NOT_ALLOWED');
  expect(response.statusCode).toBe(403);
  expect(JSON.parse(response.body)).toEqual({ error: { code: 'ERR_ORIGIN_NOT_ALLOWED', message: 'Origin not allowed' } });
  expect(response.headers.vary).toBe('Origin');
  expect(Object.keys(response.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  expect(JSON.stringify(response) + lines.join('\n')).not.toContain(SESSION_TOKEN);
}

describe('checkActualRequest', () => {
  describe('wildcard origin https://*.example.com', () => {
    it.each([
      ['one label', 'https://a.example.com'],
      ['a label with digits and hyphens', 'https://tenant-42.example.com'],
      ['a punycode label', 'https://xn--bcher-kva.example.com'],
    ])('allows %s (%s) and answers with that origin', (_case, origin) => {
      // Act
      const headers = checkActualRequest(policy(), request({ origin }));
      // Assess
      expect(headers).toEqual({ 'access-control-allow-origin': origin, vary: 'Origin' });
    });

    it.each([
      ['the bare base host', 'https://example.com'],
      ['two labels', 'https://a.b.example.com'],
      ['a look-alike suffix', 'https://evilexample.com'],
      ['the base as a label of another site', 'https://a.example.com.evil.net'],
      ['another scheme', 'http://a.example.com'],
      ['another port', 'https://a.example.com:8443'],
      ['an empty label', 'https://.example.com'],
      ['a literal wildcard', 'https://*.example.com'],
      ['a suffix without a dot', 'https://aexample.com'],
      ['a trailing-dot host', 'https://a.example.com.'],
    ])('refuses %s (%s)', (_case, origin) => {
      // Act
      const err = refusalOf(() => checkActualRequest(policy(), request({ origin })));
      // Assess
      expectOriginRefusal(err);
    });

    it('allows the port a wildcard names and refuses the default port then', () => {
      // Prepare
      const p = policy({ allowedOrigins: ['https://*.example.com:8443'] });
      // Act
      const headers = checkActualRequest(p, request({ origin: 'https://a.example.com:8443' }));
      const err = refusalOf(() => checkActualRequest(p, request({ origin: 'https://a.example.com' })));
      // Assess
      expect(headers['access-control-allow-origin']).toBe('https://a.example.com:8443');
      expectOriginRefusal(err);
    });
  });

  describe('exact origin https://app.product.test:8443', () => {
    it('allows exactly that origin', () => {
      // Act
      const headers = checkActualRequest(policy(), request({ origin: 'https://app.product.test:8443' }));
      // Assess
      expect(headers['access-control-allow-origin']).toBe('https://app.product.test:8443');
    });

    it.each([
      ['without the port', 'https://app.product.test'],
      ['another port', 'https://app.product.test:443'],
      ['http', 'http://app.product.test:8443'],
      ['a subdomain', 'https://x.app.product.test:8443'],
      ['a parent domain', 'https://product.test:8443'],
    ])('refuses %s (%s)', (_case, origin) => {
      // Act
      const err = refusalOf(() => checkActualRequest(policy(), request({ origin })));
      // Assess
      expectOriginRefusal(err);
    });

    it('matches a loopback origin with a port, as offline development uses', () => {
      // Prepare
      const p = policy({ allowedOrigins: ['http://127.0.0.1:4000', 'http://localhost:4000'] });
      // Act
      const a = checkActualRequest(p, request({ origin: 'http://127.0.0.1:4000' }));
      const b = checkActualRequest(p, request({ origin: 'http://localhost:4000' }));
      // Assess
      expect([a['access-control-allow-origin'], b['access-control-allow-origin']]).toEqual(['http://127.0.0.1:4000', 'http://localhost:4000']);
    });
  });

  describe('malformed Origin', () => {
    it.each([
      ['null (sandboxed iframe, file:, redirect)', 'null'],
      ['an empty value', ''],
      ['upper case host', 'https://A.example.com'],
      ['upper case scheme', 'HTTPS://a.example.com'],
      ['a trailing slash', 'https://a.example.com/'],
      ['a path', 'https://a.example.com/app'],
      ['a query', 'https://a.example.com?x=1'],
      ['a fragment', 'https://a.example.com#x'],
      ['userinfo', 'https://user@a.example.com'],
      ['userinfo hiding the real host', 'https://a.example.com@evil.net'],
      ['the default port spelled out', 'https://a.example.com:443'],
      ['a port with a leading zero', 'https://app.product.test:08443'],
      ['a port out of range', 'https://app.product.test:65536'],
      ['an IDN in Unicode', 'https://bücher.example.com'],
      ['a leading space', ' https://a.example.com'],
      ['a trailing space', 'https://a.example.com '],
      ['a tab inside', 'https://a.example.com\t'],
      ['a newline inside', 'https://a.example.com\n.evil.net'],
      ['two origins in one header', 'https://a.example.com, https://b.example.com'],
      ['a very long host', `https://${'a'.repeat(5000)}.example.com`],
      ['a label over 63 characters', `https://${'a'.repeat(64)}.example.com`],
      ['no scheme', 'a.example.com'],
      ['another scheme', 'ftp://a.example.com'],
      ['a percent-encoded dot', 'https://a%2eexample.com'],
      ['a backslash', 'https://a.example.com\\'],
    ])('refuses %s', (_case, origin) => {
      // Act
      const err = refusalOf(() => checkActualRequest(policy(), request({ origin })));
      // Assess
      expectOriginRefusal(err);
    });

    it('refuses an Origin sent twice under different spellings', () => {
      // Act
      const err = refusalOf(() => checkActualRequest(policy(), request({ Origin: 'https://a.example.com', origin: 'https://evil.net' })));
      // Assess
      expectOriginRefusal(err);
    });

    it('reads an Origin header whatever the case of its name, outside payload 2.0', () => {
      // Act
      const headers = checkActualRequest(policy(), { ...request({ Origin: 'https://a.example.com' }), version: '1.0' });
      // Assess
      expect(headers['access-control-allow-origin']).toBe('https://a.example.com');
    });

    it('reads the lower-case name directly in payload 2.0, where API Gateway lower-cases every name', () => {
      const headers = checkActualRequest(policy(), request({ origin: 'https://a.example.com' }));
      expect(headers['access-control-allow-origin']).toBe('https://a.example.com');
    });
  });

  describe('option: allowNoOrigin', () => {
    it('lets a request without Origin through by default, with Vary and no allow header', () => {
      // Act
      const headers = checkActualRequest(policy(), request({}));
      // Assess
      expect(headers).toEqual({ vary: 'Origin' });
    });

    it('refuses a request without Origin when false', () => {
      // Act
      const err = refusalOf(() => checkActualRequest(policy({ allowNoOrigin: false }), request({})));
      // Assess
      expectOriginRefusal(err);
    });
  });

  describe('option: allowCredentials', () => {
    it('adds Access-Control-Allow-Credentials: true only when configured', () => {
      // Act
      const withCredentials = checkActualRequest(policy({ allowCredentials: true }), request({ origin: 'https://a.example.com' }));
      const without = checkActualRequest(policy(), request({ origin: 'https://a.example.com' }));
      // Assess
      expect(withCredentials).toEqual({
        'access-control-allow-origin': 'https://a.example.com',
        'access-control-allow-credentials': 'true',
        vary: 'Origin',
      });
      expect(without['access-control-allow-credentials']).toBeUndefined();
    });
  });

  describe('option: exposedHeaders', () => {
    it('lists the exposed headers on allowed responses', () => {
      // Act
      const headers = checkActualRequest(policy({ exposedHeaders: ['X-Request-Id', 'ETag'] }), request({ origin: 'https://a.example.com' }));
      // Assess
      expect(headers['access-control-expose-headers']).toBe('x-request-id, etag');
    });
  });

  describe('allowedOrigins: ["*"]', () => {
    it('answers any canonical origin with a literal *, without credentials', () => {
      // Act
      const headers = checkActualRequest(policy({ allowedOrigins: ['*'] }), request({ origin: 'https://anyone.test' }));
      // Assess
      expect(headers).toEqual({ 'access-control-allow-origin': '*', vary: 'Origin' });
    });

    it.each(['null', 'https://A.test', 'https://a.test/'])('still refuses the malformed Origin %j', (origin) => {
      // Act
      const err = refusalOf(() => checkActualRequest(policy({ allowedOrigins: ['*'] }), request({ origin })));
      // Assess
      expectOriginRefusal(err);
    });
  });

  describe('no cors section', () => {
    it('refuses every request that carries an Origin', () => {
      // Prepare
      const p = compileCorsPolicy(undefined, FUNCTIONS);
      // Act
      const err = refusalOf(() => checkActualRequest(p, request({ origin: 'https://a.example.com' })));
      // Assess
      expect(p.enabled).toBe(false);
      expectOriginRefusal(err);
    });

    it('still lets a server-to-server request without Origin through', () => {
      // Act
      const headers = checkActualRequest(compileCorsPolicy(undefined, FUNCTIONS), request({}));
      // Assess
      expect(headers).toEqual({ vary: 'Origin' });
    });
  });

  it('keeps Vary: Origin when the runtime adds its own headers to the refusal', () => {
    // Act
    const err = refusalOf(() => checkActualRequest(policy(), request({ origin: 'https://evil.net' })));
    const response = err.toResponse({ 'x-request-id': 'r1' });
    // Assess
    expect(response.headers).toEqual({ 'content-type': 'application/json', vary: 'Origin', 'x-request-id': 'r1' });
  });

  it('names the rule, never the Origin, in the refusal cause', () => {
    // Act
    const err = refusalOf(() => checkActualRequest(policy(), request({ origin: 'https://evil-marker.net' })));
    // Assess
    expect(String(err.cause)).toBe('origin not allowed');
    expect(err.message).not.toContain('evil-marker');
  });
});

describe('checkActualRequest answer cache', () => {
  it('gives the same decision for an origin however often and after the cache has turned over', () => {
    // Prepare: one policy, an allowed and a refused origin, then 300 other origins to push both out of the cache
    const p = policy();
    const allowed = 'https://a.example.com';
    const refused = 'https://a.b.example.com';
    const first = checkActualRequest(p, request({ origin: allowed }));
    // Act
    const again = checkActualRequest(p, request({ origin: allowed }));
    for (let i = 0; i < 300; i++) refusalOf(() => checkActualRequest(p, request({ origin: `https://x${i}.evil.test` })));
    const afterTurnover = checkActualRequest(p, request({ origin: allowed }));
    // Assess
    expect(again).toBe(first);
    expect(afterTurnover).toEqual(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(refusalOf(() => checkActualRequest(p, request({ origin: refused }))).code).toBe('ERR_ORIGIN_NOT_ALLOWED');
    expect(refusalOf(() => checkActualRequest(p, request({ origin: refused }))).code).toBe('ERR_ORIGIN_NOT_ALLOWED');
  });

  it('keeps each policy its own answers', () => {
    const open = policy();
    const closed = policy({ allowedOrigins: ['https://other.test'] });
    expect(checkActualRequest(open, request({ origin: 'https://a.example.com' }))['access-control-allow-origin']).toBe('https://a.example.com');
    expect(refusalOf(() => checkActualRequest(closed, request({ origin: 'https://a.example.com' }))).code).toBe('ERR_ORIGIN_NOT_ALLOWED');
  });
});
