/** validateManifest: what the JSON Schema and the manifest's own rules accept and refuse. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateIparamsSchema, validateManifest } from '../../src/index.js';
import { IPARAMS, manifestWith, validManifest } from './_manifest-fixture.js';
import { expectConfigIssue } from './_refusal.js';

const MARK = 'qx7distinct';
const ROOT = join(__dirname, '../../../..');
const HOST_RULE = 'must be a lower-case host or *.host (one leading label), optionally with :port; no scheme, path or bare *';

describe('validateManifest', () => {
  describe('accepted manifests', () => {
    it("accepts the repository's own manifest.json against its iparams.json", () => {
      // Prepare
      const iparams = validateIparamsSchema(JSON.parse(readFileSync(join(ROOT, 'iparams.json'), 'utf8')));
      const json = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')) as unknown;

      // Act
      const manifest = validateManifest(json, iparams);

      // Assess
      expect(manifest.app.id).toBe('order-lookup');
      expect(manifest).not.toHaveProperty('$schema');
    });

    it.each<[string, string, unknown]>([
      ['a literal https baseUrl covered by a wildcard', '/customer/baseUrl', 'https://acme.orders.example.com/api/v1'],
      ['a template baseUrl with a path', '/customer/baseUrl', '{{iparams.server_url}}/api/v1'],
      ['a fixed jwt mode with ES256', '/customer/auth', { mode: 'jwt', secretIparam: 'optional_secret', alg: 'ES256' }],
      ['a fixed shared-secret mode', '/customer/auth/mode', 'shared-secret'],
      ['a radio mode template', '/customer/auth/mode', '{{iparams.radio_mode}}'],
      ['an app id with dots inside', '/app/id', 'acme.orders_v2'],
      ['a prerelease version', '/app/version', '2.0.0-beta.1+build.5'],
      [
        'no optional customer settings',
        '/customer',
        { baseUrl: '{{iparams.server_url}}', allowedHosts: ['a.example.com'], auth: { mode: 'jwt', secretIparam: 'shared_secret' } },
      ],
      ['a host with a port and a wildcard', '/customer/allowedHosts', ['*.a.example.com:8443', 'b.example.com', '10.0.0.1:65535']],
      ['every method', '/functions/getOrder/methods', ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']],
      ['a cors section', '/cors', { allowedOrigins: ['https://*.example.com', 'http://127.0.0.1:4200'], allowCredentials: true, maxAgeSec: 600 }],
      [
        'a session section',
        '/session',
        { jwksUrl: 'https://platform.example.com/.well-known/jwks.json', issuer: 'https://platform.example.com', algorithms: ['ES256'] },
      ],
      ['no functions', '/functions', {}],
      ['limits at their maxima', '/customer/maxResponseBytes', 10485760],
    ])('accepts %s', (_name, path, value) => {
      // Prepare
      const json = manifestWith(path, value);

      // Act
      const manifest = validateManifest(json, IPARAMS);

      // Assess
      expect(manifest.app.version).toBeDefined();
    });
  });

  describe('refusals', () => {
    it.each<[string, string, unknown, string, string?]>([
      ['an unknown top-level key', '/extra', MARK, 'is not a known key'],
      ['a missing app', '/app', undefined, 'is required'],
      ['an upper-case app id', '/app/id', `Order-${MARK}`, 'must be 1 to 64 of a-z, 0-9, _ . - and not only dots'],
      ['an app id of .', '/app/id', '.', 'must be 1 to 64 of a-z, 0-9, _ . - and not only dots'],
      ['an app id of ..', '/app/id', '..', 'must be 1 to 64 of a-z, 0-9, _ . - and not only dots'],
      ['an app id with a slash', '/app/id', `a/${MARK}`, 'must be 1 to 64 of a-z, 0-9, _ . - and not only dots'],
      ['an app id of 65 characters', '/app/id', 'a'.repeat(65), 'must be 1 to 64 of a-z, 0-9, _ . - and not only dots'],
      ['a two-part version', '/app/version', '1.0', 'must be a semantic version such as 1.2.3'],
      ['a version with a leading zero', '/app/version', '01.0.0', 'must be a semantic version such as 1.2.3'],
      [
        'a function name starting with a digit',
        '/functions/9lives',
        { methods: ['GET'] },
        'is not a valid function name: a letter, then up to 63 letters, digits or underscores',
      ],
      [
        'a function name with a dash',
        '/functions/get-order',
        { methods: ['GET'] },
        'is not a valid function name: a letter, then up to 63 letters, digits or underscores',
      ],
      ['no methods', '/functions/getOrder/methods', [], 'must have at least 1 item'],
      ['a missing methods', '/functions/getOrder/methods', undefined, 'is required'],
      ['an unknown method', '/functions/getOrder/methods/0', MARK.toUpperCase(), 'must be one of: GET, POST, PUT, PATCH, DELETE'],
      ['a lower-case method', '/functions/getOrder/methods/0', 'get', 'must be one of: GET, POST, PUT, PATCH, DELETE'],
      ['a repeated method', '/functions/getOrder/methods', ['GET', 'GET'], 'must not contain duplicates'],
      ['a scope that is not a string', '/functions/getOrder/scopes/0', 7, 'must be a string'],
      ['csrf as a string', '/functions/getOrder/csrf', 'yes', 'must be a boolean'],
      ['an unknown function key', '/functions/getOrder/timeout', 5, 'is not a known key'],
      [
        'an http baseUrl',
        '/customer/baseUrl',
        `http://${MARK}.example.com`,
        'must be an https:// URL or an {{iparams.<name>}} template, optionally followed by a path',
      ],
      [
        'a baseUrl with a query',
        '/customer/baseUrl',
        `https://a.orders.example.com/?k=${MARK}`,
        'must be an https:// URL or an {{iparams.<name>}} template, optionally followed by a path',
      ],
      [
        'a baseUrl with credentials',
        '/customer/baseUrl',
        `https://u:${MARK}@a.orders.example.com`,
        'must be an https:// URL or an {{iparams.<name>}} template, optionally followed by a path',
      ],
      [
        'a baseUrl template with text before it',
        '/customer/baseUrl',
        `https://${MARK}{{iparams.server_url}}`,
        'must be an https:// URL or an {{iparams.<name>}} template, optionally followed by a path',
      ],
      [
        'a malformed template',
        '/customer/baseUrl',
        '{{iparam.server_url}}',
        'must be an https:// URL or an {{iparams.<name>}} template, optionally followed by a path',
      ],
      [
        'a literal baseUrl outside allowedHosts',
        '/customer/baseUrl',
        `https://${MARK}.example.net`,
        'its host must be covered by customer.allowedHosts',
      ],
      [
        'a literal baseUrl two labels under a wildcard',
        '/customer/baseUrl',
        'https://a.b.orders.example.com',
        'its host must be covered by customer.allowedHosts',
      ],
      ['no allowedHosts', '/customer/allowedHosts', [], 'must have at least 1 item'],
      ['a bare * host', '/customer/allowedHosts/0', '*', HOST_RULE],
      ['a host with a scheme', '/customer/allowedHosts/0', `https://${MARK}.example.com`, HOST_RULE],
      ['a host with a path', '/customer/allowedHosts/0', `${MARK}.example.com/api`, HOST_RULE],
      ['an upper-case host', '/customer/allowedHosts/0', 'API.Example.com', HOST_RULE],
      ['a wildcard in the middle', '/customer/allowedHosts/0', 'a.*.example.com', HOST_RULE],
      ['two wildcard labels', '/customer/allowedHosts/0', '*.*.example.com', HOST_RULE],
      ['a partial-label wildcard', '/customer/allowedHosts/0', `*${MARK}.example.com`, HOST_RULE],
      ['port 0', '/customer/allowedHosts/0', 'a.example.com:0', HOST_RULE],
      ['a port above 65535', '/customer/allowedHosts/0', 'a.example.com:65536', 'port must be at most 65535'],
      [
        'a wildcard over a top-level domain',
        '/customer/allowedHosts/0',
        '*.com',
        'a wildcard must be followed by at least two labels, as in *.example.com',
      ],
      ['repeated hosts', '/customer/allowedHosts', ['a.example.com', 'a.example.com'], 'must not contain duplicates'],
      ['an unknown mode', '/customer/auth/mode', MARK, 'must be shared-secret, jwt or an {{iparams.<name>}} template'],
      ['a missing secretIparam', '/customer/auth/secretIparam', undefined, 'is required'],
      [
        'a secretIparam that is not a name',
        '/customer/auth/secretIparam',
        `${MARK}!`,
        'must be an iparam name (1 to 64 letters, digits or underscores)',
      ],
      ['a header with a space', '/customer/auth/header', `X ${MARK}`, 'must be a valid HTTP header name'],
      ['a header with a colon', '/customer/auth/header', 'X-A:', 'must be a valid HTTP header name'],
      ['the Host header', '/customer/auth/header', 'Host', 'must not be a header that frames or routes the request'],
      ['an unknown alg', '/customer/auth/alg', 'RS256', 'must be one of: HS256, ES256, EdDSA'],
      ['alg none', '/customer/auth/alg', 'none', 'must be one of: HS256, ES256, EdDSA'],
      ['a token lifetime of 0', '/customer/auth/tokenLifetimeSec', 0, 'must be at least 1'],
      ['a token lifetime above 300 s', '/customer/auth/tokenLifetimeSec', 301, 'must be at most 300'],
      ['a fractional token lifetime', '/customer/auth/tokenLifetimeSec', 1.5, 'must be an integer'],
      ['an unknown auth key', '/customer/auth/secret', MARK, 'is not a known key'],
      ['a timeout of 0', '/customer/timeoutMs', 0, 'must be at least 1'],
      ['a timeout above 60 s', '/customer/timeoutMs', 60001, 'must be at most 60000'],
      ['a response cap above 10 MiB', '/customer/maxResponseBytes', 10485761, 'must be at most 10485760'],
      ['cors that is not an object', '/cors', [MARK], 'must be an object'],
    ])('refuses %s', (_name, path, value, rule) => {
      // Prepare
      const json = manifestWith(path, value);

      // Act
      const act = () => validateManifest(json, IPARAMS);

      // Assess
      expectConfigIssue(act, { file: 'manifest.json', field: path, rule }, MARK);
    });

    it.each([
      ['cors with an unknown key', '/cors', { allowedOrigins: ['https://a.example.com'], origins: [MARK] }, '/cors/origins', 'is not a known key'],
      ['a cors origin with a path', '/cors/allowedOrigins', [`https://a.example.com/${MARK}`], '/cors/allowedOrigins/0', 'has an invalid format'],
      ['a session without issuer', '/session', { jwksUrl: 'https://p.example.com/jwks.json' }, '/session/issuer', 'is required'],
      ['a session algorithm outside the pinned set', '/session/algorithms', ['HS256'], '/session/algorithms/0', /must be one of/],
    ])('refuses %s, naming the path', (_name, path, value, field, rule) => {
      const act = () => validateManifest(manifestWith(path, value), IPARAMS);
      expectConfigIssue(act, { file: 'manifest.json', field, rule }, MARK);
    });

    it('refuses what is not an object', () => {
      // Act
      const act = () => validateManifest([MARK], IPARAMS);

      // Assess
      expectConfigIssue(act, { field: '/', rule: 'must be an object' }, MARK);
    });

    it('reports every issue at once, with file, path and rule in the message', () => {
      // Prepare
      const json = validManifest();
      (json.app as Record<string, unknown>).id = '..';
      ((json.customer as Record<string, unknown>).auth as Record<string, unknown>).mode = 'basic';

      // Act
      const act = () => validateManifest(json, IPARAMS, { file: 'apps/x/manifest.json' });

      // Assess
      const error = expectConfigIssue(act, { file: 'apps/x/manifest.json', field: '/app/id', rule: expect.any(String) as never });
      expect(error.issues.map((i) => i.field)).toEqual(['/app/id', '/customer/auth/mode']);
      expect(error.message).toBe(
        'apps/x/manifest.json /app/id: must be 1 to 64 of a-z, 0-9, _ . - and not only dots\n' +
          'apps/x/manifest.json /customer/auth/mode: must be shared-secret, jwt or an {{iparams.<name>}} template',
      );
    });
  });
});
