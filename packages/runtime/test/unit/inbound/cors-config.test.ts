/** compileCorsPolicy: the manifest's cors section is validated once, defaults applied, mistakes refused with TypeError. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  checkActualRequest,
  compileCorsPolicy,
  handlePreflight,
  type CorsConfig,
  type CorsFunctions,
  type CorsPolicy,
} from '../../../src/inbound/cors.js';

const FUNCTIONS = { getOrder: { methods: ['GET'] }, addNote: { methods: ['POST'] } };

function compile(config: unknown, functions: unknown = FUNCTIONS): CorsPolicy {
  return compileCorsPolicy(config as CorsConfig, functions as CorsFunctions);
}

describe('compileCorsPolicy', () => {
  it('applies the documented defaults', () => {
    // Act
    const policy = compile({ allowedOrigins: ['https://app.product.test'] });
    // Assess
    expect({ ...policy }).toEqual({
      enabled: true,
      allowedOrigins: ['https://app.product.test'],
      allowCredentials: false,
      allowedHeaders: ['authorization', 'content-type', 'x-csrf-token'],
      exposedHeaders: [],
      maxAgeSec: 600,
      allowNoOrigin: true,
      functions: { getOrder: ['GET'], addNote: ['POST'] },
    });
  });

  it('compiles no cors section into a disabled policy with no origins', () => {
    // Act
    const policy = compile(undefined);
    // Assess
    expect(policy.enabled).toBe(false);
    expect(policy.allowedOrigins).toEqual([]);
    expect(policy.allowNoOrigin).toBe(true);
  });

  it('returns a frozen policy that cannot be widened afterwards', () => {
    // Prepare
    const policy = compile({ allowedOrigins: ['https://app.product.test'] });
    // Act
    const widen = () => (policy.allowedOrigins as string[]).push('https://evil.net');
    // Assess
    expect(widen).toThrow(TypeError);
    expect(Object.isFrozen(policy)).toBe(true);
  });

  it('does not keep a reference to the caller’s arrays', () => {
    // Prepare
    const origins = ['https://app.product.test'];
    const policy = compile({ allowedOrigins: origins });
    const event = {
      headers: { origin: 'https://evil.net' },
      requestContext: { http: { method: 'GET' } },
    } as unknown as APIGatewayProxyEventV2;
    // Act
    origins.push('https://evil.net');
    // Assess
    expect(() => checkActualRequest(policy, event)).toThrow(expect.objectContaining({ code: 'ERR_ORIGIN_NOT_ALLOWED' }));
  });

  describe('configuration errors', () => {
    it.each([
      ['a non-object config', 'https://a.test', /config must be an object/],
      ['an array config', ['https://a.test'], /config must be an object/],
      ['an unknown key (typo)', { allowedOrigins: [], allowCredential: true }, /unknown option "allowCredential"/],
      ['a missing allowedOrigins', {}, /allowedOrigins must be an array/],
      ['a string allowedOrigins', { allowedOrigins: 'https://a.test' }, /allowedOrigins must be an array/],
      ['a non-string origin', { allowedOrigins: [42] }, /allowedOrigins\[0\] must be a string/],
      ['null as an origin', { allowedOrigins: ['null'] }, /must not be "null"/],
      ['* with credentials', { allowedOrigins: ['*'], allowCredentials: true }, /cannot be combined with allowCredentials/],
      ['* beside other origins', { allowedOrigins: ['*', 'https://a.test'] }, /must be the only entry/],
      ['a duplicate origin', { allowedOrigins: ['https://a.test', 'https://a.test'] }, /twice/],
      ['an upper-case origin', { allowedOrigins: ['https://A.test'] }, /allowedOrigins\[0\] must be a canonical/],
      ['a trailing slash', { allowedOrigins: ['https://a.test/'] }, /canonical/],
      ['a path', { allowedOrigins: ['https://a.test/app'] }, /canonical/],
      ['the default port', { allowedOrigins: ['https://a.test:443'] }, /canonical/],
      ['userinfo', { allowedOrigins: ['https://u@a.test'] }, /canonical/],
      ['no scheme', { allowedOrigins: ['a.test'] }, /canonical/],
      ['another scheme', { allowedOrigins: ['ftp://a.test'] }, /canonical/],
      ['a Unicode host', { allowedOrigins: ['https://bücher.test'] }, /canonical/],
      ['a wildcard without scheme', { allowedOrigins: ['*.example.com'] }, /wildcard must be the whole first label/],
      ['a partial-label wildcard', { allowedOrigins: ['https://a*.example.com'] }, /whole first label/],
      ['a wildcard in the middle', { allowedOrigins: ['https://a.*.example.com'] }, /whole first label/],
      ['two wildcard labels', { allowedOrigins: ['https://*.*.example.com'] }, /wildcard origin must be/],
      ['a wildcard over a top-level domain', { allowedOrigins: ['https://*.com'] }, /at least two labels/],
      ['a wildcard over an IP address', { allowedOrigins: ['https://*.0.0.1'] }, /wildcard origin must be/],
      ['a wildcard with a path', { allowedOrigins: ['https://*.example.com/'] }, /wildcard origin must be/],
      ['a wildcard with the default port', { allowedOrigins: ['https://*.example.com:443'] }, /wildcard origin must be/],
      ['a wildcard in upper case', { allowedOrigins: ['https://*.Example.com'] }, /wildcard origin must be/],
      ['a non-boolean allowCredentials', { allowedOrigins: [], allowCredentials: 'true' }, /allowCredentials must be true or false/],
      ['a non-boolean allowNoOrigin', { allowedOrigins: [], allowNoOrigin: 1 }, /allowNoOrigin must be true or false/],
      ['a string allowedHeaders', { allowedOrigins: [], allowedHeaders: 'authorization' }, /allowedHeaders must be an array/],
      ['* in allowedHeaders', { allowedOrigins: [], allowedHeaders: ['*'] }, /allowedHeaders\[0\] must be a header name/],
      ['a header name with a space', { allowedOrigins: [], allowedHeaders: ['x tenant'] }, /allowedHeaders\[0\]/],
      ['a header listed twice in any case', { allowedOrigins: [], allowedHeaders: ['X-A', 'x-a'] }, /twice/],
      ['* in exposedHeaders', { allowedOrigins: [], exposedHeaders: ['*'] }, /exposedHeaders\[0\]/],
      ['a negative maxAgeSec', { allowedOrigins: [], maxAgeSec: -1 }, /maxAgeSec must be an integer from 0 to 86400/],
      ['a fractional maxAgeSec', { allowedOrigins: [], maxAgeSec: 1.5 }, /maxAgeSec/],
      ['a maxAgeSec over a day', { allowedOrigins: [], maxAgeSec: 86_401 }, /maxAgeSec/],
      ['a string maxAgeSec', { allowedOrigins: [], maxAgeSec: '600' }, /maxAgeSec/],
    ])('refuses %s', (_case, config, message) => {
      // Act
      const act = () => compile(config);
      // Assess
      expect(act).toThrow(TypeError);
      expect(act).toThrow(message);
    });

    it.each([
      ['a function without methods', { f: { methods: [] } }, /function "f" must declare methods/],
      ['a function with no methods key', { f: {} }, /function "f" must declare methods/],
      ['a lower-case method', { f: { methods: ['get'] } }, /function "f" has an invalid method/],
      ['OPTIONS as a method', { f: { methods: ['OPTIONS'] } }, /invalid method/],
      ['functions that are not an object', null, /functions must be/],
    ])('refuses %s', (_case, functions, message) => {
      // Act
      const act = () => compile({ allowedOrigins: [] }, functions);
      // Assess
      expect(act).toThrow(TypeError);
      expect(act).toThrow(message);
    });

    it('accepts exact origins, wildcards with a port, IPv4, IPv6 and punycode', () => {
      // Prepare
      const origins = [
        'https://app.product.test',
        'http://localhost:3000',
        'https://*.example.com:8443',
        'http://127.0.0.1:4000',
        'http://[::1]:4000',
        'https://xn--bcher-kva.test',
      ];
      // Act
      const policy = compile({ allowedOrigins: origins });
      // Assess
      expect(policy.allowedOrigins).toEqual(origins);
    });
  });

  describe('misuse at the call site', () => {
    it('refuses a policy that compileCorsPolicy did not make', () => {
      // Prepare
      const forged = { ...compile({ allowedOrigins: ['*'] }) };
      const event = { headers: { origin: 'https://evil.net' }, requestContext: { http: { method: 'GET' } } } as unknown as APIGatewayProxyEventV2;
      // Act
      const act = () => checkActualRequest(forged, event);
      // Assess
      expect(act).toThrow(TypeError);
      expect(act).toThrow(/policy must come from compileCorsPolicy/);
    });

    it('refuses a preflight for a function the policy does not know', () => {
      // Prepare
      const event = { headers: {}, requestContext: { http: { method: 'OPTIONS' } } } as unknown as APIGatewayProxyEventV2;
      // Act
      const act = () => handlePreflight(compile({ allowedOrigins: [] }), 'deleteEverything', event);
      // Assess
      expect(act).toThrow(/function "deleteEverything" is not in the policy/);
    });
  });
});
