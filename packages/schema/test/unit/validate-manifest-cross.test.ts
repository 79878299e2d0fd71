/** validateManifest: cross-checks of the manifest against the app's iparams schema. */
import { parseIparamsTemplate, validateManifest } from '../../src/index.js';
import { IPARAMS, manifestWith } from './_manifest-fixture.js';
import { expectConfigIssue } from './_refusal.js';

describe('validateManifest', () => {
  describe('cross-checks against iparams.json', () => {
    it.each<[string, string, unknown, string, string]>([
      [
        'a baseUrl template naming no iparam',
        '/customer/baseUrl',
        '{{iparams.missing_url}}/api',
        '/customer/baseUrl',
        'refers to iparam "missing_url", which iparams.json does not declare',
      ],
      [
        'a baseUrl template naming a text iparam',
        '/customer/baseUrl',
        '{{iparams.plain_text}}',
        '/customer/baseUrl',
        'must refer to an iparam of type url ("plain_text" is text)',
      ],
      [
        'a baseUrl template naming an optional url',
        '/customer/baseUrl',
        '{{iparams.optional_url}}',
        '/customer/baseUrl',
        'must refer to a required iparam ("optional_url" is optional)',
      ],
      [
        'a mode template naming no iparam',
        '/customer/auth/mode',
        '{{iparams.nope}}',
        '/customer/auth/mode',
        'refers to iparam "nope", which iparams.json does not declare',
      ],
      [
        'a mode template naming a text iparam',
        '/customer/auth/mode',
        '{{iparams.plain_text}}',
        '/customer/auth/mode',
        'must refer to a dropdown or radio iparam ("plain_text" is text)',
      ],
      [
        'a mode template naming a multiselect',
        '/customer/auth/mode',
        '{{iparams.multi_mode}}',
        '/customer/auth/mode',
        'must refer to a dropdown or radio iparam ("multi_mode" is multiselect)',
      ],
      [
        'a mode template offering an unknown mode',
        '/customer/auth/mode',
        '{{iparams.bad_mode}}',
        '/customer/auth/mode',
        'must refer to an iparam whose options are only: shared-secret, jwt',
      ],
      [
        'a secretIparam naming no iparam',
        '/customer/auth/secretIparam',
        'nope',
        '/customer/auth/secretIparam',
        'refers to iparam "nope", which iparams.json does not declare',
      ],
      [
        'a secretIparam that is not secure',
        '/customer/auth/secretIparam',
        'plain_text',
        '/customer/auth/secretIparam',
        'must refer to a secure text or paragraph iparam ("plain_text" is not)',
      ],
      [
        'a secretIparam of type url',
        '/customer/auth/secretIparam',
        'server_url',
        '/customer/auth/secretIparam',
        'must refer to a secure text or paragraph iparam ("server_url" is not)',
      ],
      [
        'an optional secret when HS256 may be used',
        '/customer/auth/secretIparam',
        'optional_secret',
        '/customer/auth/secretIparam',
        'must refer to a required iparam ("optional_secret" is optional)',
      ],
    ])('refuses %s', (_name, path, value, field, rule) => {
      // Prepare
      const json = manifestWith(path, value);

      // Act
      const act = () => validateManifest(json, IPARAMS);

      // Assess
      expectConfigIssue(act, { file: 'manifest.json', field, rule });
    });

    it.each<[string, string, unknown, string, string]>([
      [
        'a basic password naming no iparam',
        '/basic',
        { passwordIparam: 'nope' },
        '/basic/passwordIparam',
        'refers to iparam "nope", which iparams.json does not declare',
      ],
      [
        'a basic password that is not secure',
        '/basic',
        { passwordIparam: 'plain_text' },
        '/basic/passwordIparam',
        'must refer to a secure text or paragraph iparam ("plain_text" is not)',
      ],
      [
        'a function accepting basic without a basic section',
        '/functions/sync',
        { methods: ['POST'], credentials: ['basic'] },
        '/basic',
        'is required when a function accepts "basic" credentials',
      ],
      ['a function named like the CSRF route', '/functions/csrf', { methods: ['GET'] }, '/functions/csrf', 'is reserved for the CSRF token route'],
    ])('refuses %s', (_name, path, value, field, rule) => {
      const act = () => validateManifest(manifestWith(path, value), IPARAMS);
      expectConfigIssue(act, { file: 'manifest.json', field, rule });
    });

    it('accepts Basic credentials backed by a secure iparam', () => {
      const json = manifestWith('/basic', { passwordIparam: 'optional_secret', realm: 'orders' });
      expect(validateManifest(json, IPARAMS).basic).toEqual({ passwordIparam: 'optional_secret', realm: 'orders' });
    });

    it('refuses an optional secret when the installer may choose shared-secret', () => {
      // Prepare
      const json = manifestWith('/customer/auth', { mode: '{{iparams.radio_mode}}', secretIparam: 'optional_secret', alg: 'ES256' });

      // Act
      const act = () => validateManifest(json, IPARAMS);

      // Assess
      expectConfigIssue(act, { field: '/customer/auth/secretIparam', rule: 'must refer to a required iparam ("optional_secret" is optional)' });
    });

    it('accepts an optional secret when only asymmetric JWTs are possible', () => {
      // Prepare
      const json = manifestWith('/customer/auth', { mode: 'jwt', secretIparam: 'optional_secret', alg: 'EdDSA' });

      // Act
      const manifest = validateManifest(json, IPARAMS);

      // Assess
      expect(manifest.customer.auth.alg).toBe('EdDSA');
    });
  });
});

describe('parseIparamsTemplate', () => {
  it.each([
    ['{{iparams.server_url}}', { iparam: 'server_url', rest: '' }],
    ['{{iparams.server_url}}/api/v1', { iparam: 'server_url', rest: '/api/v1' }],
    ['https://example.com', undefined],
    ['{{ iparams.server_url }}', undefined],
    ['x{{iparams.server_url}}', undefined],
  ])('parses %s', (value, expected) => {
    // Act
    const parsed = parseIparamsTemplate(value);

    // Assess
    expect(parsed).toEqual(expected);
  });
});
