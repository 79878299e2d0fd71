/** handlePreflight: a preflight is answered (204) or refused (403, no allow headers) without running the function. */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { compileCorsPolicy, handlePreflight, isPreflightRequest, type CorsConfig, type CorsResponse } from '../../../src/inbound/cors.js';

const SESSION_TOKEN = `eyJhbGciOiJSUzI1NiJ9.${randomBytes(24).toString('base64url')}.sig`;
const FUNCTIONS = { getOrder: { methods: ['GET'] }, addNote: { methods: ['POST', 'PATCH'] } };
const ORIGIN = 'https://a.example.com';
const HEADER_NAMES = Array.from({ length: 65 }, (_v, i) => `x-h${i}`);

function preflight(headers: Record<string, string>, method = 'OPTIONS'): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/addNote',
    rawQueryString: '',
    // A browser never sends credentials on a preflight; the token is here to prove it is never echoed.
    headers: { authorization: `Bearer ${SESSION_TOKEN}`, ...headers },
    isBase64Encoded: false,
    requestContext: { http: { method, path: '/addNote', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' } },
  } as unknown as APIGatewayProxyEventV2;
}

function policy(config: Partial<CorsConfig> = {}) {
  return compileCorsPolicy({ allowedOrigins: ['https://*.example.com'], ...config }, FUNCTIONS);
}

function expectRefused(response: CorsResponse): void {
  expect(response.statusCode).toBe(403);
  expect(JSON.parse(response.body)).toEqual({ error: { code: 'ERR_PREFLIGHT_REFUSED', message: 'Preflight request refused' } });
  expect(response.headers.vary).toMatch(/(^|, )Origin(,|$)/);
  expect(Object.keys(response.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  expect(JSON.stringify(response)).not.toContain(SESSION_TOKEN);
}

describe('handlePreflight', () => {
  it('answers an allowed preflight with 204 and every allow header', () => {
    // Prepare
    const event = preflight({
      origin: ORIGIN,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    });
    // Act
    const response = handlePreflight(policy(), 'addNote', event);
    // Assess
    expect(response).toEqual({
      statusCode: 204,
      headers: {
        'access-control-allow-origin': ORIGIN,
        vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
        'access-control-allow-methods': 'POST, PATCH',
        'access-control-allow-headers': 'authorization, content-type',
        'access-control-max-age': '600',
      },
      body: '',
    });
    expect(JSON.stringify(response)).not.toContain(SESSION_TOKEN);
  });

  it('answers with the methods of the function asked about, not of another', () => {
    // Act
    const response = handlePreflight(policy(), 'getOrder', preflight({ origin: ORIGIN, 'access-control-request-method': 'GET' }));
    // Assess
    expect(response.headers['access-control-allow-methods']).toBe('GET');
  });

  it('omits Access-Control-Allow-Headers when none are requested', () => {
    // Act
    const response = handlePreflight(policy(), 'getOrder', preflight({ origin: ORIGIN, 'access-control-request-method': 'GET' }));
    // Assess
    expect(response.statusCode).toBe(204);
    expect(response.headers).not.toHaveProperty('access-control-allow-headers');
  });

  describe('origin', () => {
    it.each([
      ['a foreign origin', 'https://evil.net'],
      ['two labels under the wildcard', 'https://a.b.example.com'],
      ['the base host', 'https://example.com'],
      ['null', 'null'],
      ['upper case', 'https://A.example.com'],
      ['a trailing slash', 'https://a.example.com/'],
      ['the default port', 'https://a.example.com:443'],
    ])('refuses %s (%s)', (_case, origin) => {
      // Act
      const response = handlePreflight(policy(), 'addNote', preflight({ origin, 'access-control-request-method': 'POST' }));
      // Assess
      expectRefused(response);
    });

    it('refuses a preflight without Origin, whatever allowNoOrigin says', () => {
      // Act
      const response = handlePreflight(policy({ allowNoOrigin: true }), 'addNote', preflight({ 'access-control-request-method': 'POST' }));
      // Assess
      expectRefused(response);
    });

    it('refuses every preflight when the manifest has no cors section', () => {
      // Prepare
      const p = compileCorsPolicy(undefined, FUNCTIONS);
      // Act
      const response = handlePreflight(p, 'addNote', preflight({ origin: ORIGIN, 'access-control-request-method': 'POST' }));
      // Assess
      expectRefused(response);
    });
  });

  describe('Access-Control-Request-Method', () => {
    it.each([
      ['a method the function does not declare', 'DELETE'],
      ['a method another function declares', 'GET'],
      ['a lower-case method (case-sensitive, RFC 9110 §9.1)', 'patch'],
      ['OPTIONS itself', 'OPTIONS'],
      ['an empty value', ''],
      ['a list of methods', 'POST, DELETE'],
    ])('refuses %s (%j)', (_case, method) => {
      // Act
      const response = handlePreflight(policy(), 'addNote', preflight({ origin: ORIGIN, 'access-control-request-method': method }));
      // Assess
      expectRefused(response);
    });

    it('refuses an OPTIONS request without Access-Control-Request-Method', () => {
      // Act
      const response = handlePreflight(policy(), 'addNote', preflight({ origin: ORIGIN }));
      // Assess
      expectRefused(response);
    });

    it('refuses when the request is not an OPTIONS request at all', () => {
      // Act
      const response = handlePreflight(policy(), 'addNote', preflight({ origin: ORIGIN, 'access-control-request-method': 'POST' }, 'POST'));
      // Assess
      expectRefused(response);
    });
  });

  describe('Access-Control-Request-Headers', () => {
    it.each([
      ['a header not allowed', 'x-evil'],
      ['one allowed and one not', 'authorization, x-evil'],
      ['a cookie header', 'cookie'],
      ['a wildcard', '*'],
      ['a malformed name', 'content type'],
      ['a name with a colon', 'authorization:'],
    ])('refuses %s', (_case, requested) => {
      // Prepare
      const event = preflight({ origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': requested });
      // Act
      const response = handlePreflight(policy({ allowedHeaders: ['authorization', 'content-type', 'x-h0'] }), 'addNote', event);
      // Assess
      expectRefused(response);
    });

    it.each([
      ['more than 64 names, each allowed', HEADER_NAMES.join(',')],
      ['over 4 KiB of padding around one allowed name', `${' '.repeat(5000)}x-h0`],
    ])('refuses %s, whatever the names', (_case, requested) => {
      // Prepare
      const event = preflight({ origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': requested });
      // Act
      const response = handlePreflight(policy({ allowedHeaders: HEADER_NAMES }), 'addNote', event);
      // Assess
      expectRefused(response);
    });

    it.each([
      ['mixed case', 'Authorization, Content-Type', 'authorization, content-type'],
      ['extra spaces and empty items', ' authorization ,, content-type ', 'authorization, content-type'],
      ['a repeated name', 'authorization,authorization', 'authorization'],
      ['a subset of the allowed ones', 'x-csrf-token', 'x-csrf-token'],
    ])('allows %s and answers with the requested subset', (_case, requested, answered) => {
      // Prepare
      const event = preflight({ origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': requested });
      // Act
      const response = handlePreflight(policy(), 'addNote', event);
      // Assess
      expect(response.statusCode).toBe(204);
      expect(response.headers['access-control-allow-headers']).toBe(answered);
    });

    it('compares configured header names case-insensitively', () => {
      // Prepare
      const event = preflight({ origin: ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-tenant-hint' });
      // Act
      const response = handlePreflight(policy({ allowedHeaders: ['X-Tenant-Hint'] }), 'addNote', event);
      // Assess
      expect(response.statusCode).toBe(204);
    });
  });

  describe('option: allowCredentials', () => {
    it('sends Access-Control-Allow-Credentials: true and the one origin, never *', () => {
      // Act
      const response = handlePreflight(
        policy({ allowCredentials: true }),
        'addNote',
        preflight({ origin: ORIGIN, 'access-control-request-method': 'POST' }),
      );
      // Assess
      expect(response.headers['access-control-allow-credentials']).toBe('true');
      expect(response.headers['access-control-allow-origin']).toBe(ORIGIN);
    });

    it('sends no credentials header when not configured', () => {
      // Act
      const response = handlePreflight(policy(), 'addNote', preflight({ origin: ORIGIN, 'access-control-request-method': 'POST' }));
      // Assess
      expect(response.headers).not.toHaveProperty('access-control-allow-credentials');
    });
  });

  describe('option: maxAgeSec', () => {
    it('sends the configured Access-Control-Max-Age', () => {
      // Act
      const response = handlePreflight(
        policy({ maxAgeSec: 7200 }),
        'addNote',
        preflight({ origin: ORIGIN, 'access-control-request-method': 'POST' }),
      );
      // Assess
      expect(response.headers['access-control-max-age']).toBe('7200');
    });
  });

  it('answers a * policy with a literal * and no credentials header', () => {
    // Act
    const response = handlePreflight(
      policy({ allowedOrigins: ['*'] }),
      'addNote',
      preflight({ origin: 'https://anyone.test', 'access-control-request-method': 'POST' }),
    );
    // Assess
    expect(response.headers['access-control-allow-origin']).toBe('*');
    expect(response.headers).not.toHaveProperty('access-control-allow-credentials');
  });
});

describe('isPreflightRequest', () => {
  it.each([
    ['OPTIONS with Access-Control-Request-Method', 'OPTIONS', { 'access-control-request-method': 'POST' }, true],
    ['OPTIONS without it', 'OPTIONS', {}, false],
    ['POST with it', 'POST', { 'access-control-request-method': 'POST' }, false],
  ])('says %s is %s', (_case, method, headers, expected) => {
    // Act
    const result = isPreflightRequest(preflight({ origin: ORIGIN, ...headers }, method));
    // Assess
    expect(result).toBe(expected);
  });
});
