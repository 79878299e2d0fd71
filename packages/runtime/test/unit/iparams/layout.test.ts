import { assertInstallationId, assertParameterName, installationDocumentName, isValidId } from '../../../src/iparams/index.js';
import { TesseraError } from '../../../../protocol/src/errors.js';

describe('installation ids', () => {
  it.each(['acme', 'a', 'acme-eu_1.prod', 'x'.repeat(64)])('accepts %j', (id) => {
    expect(isValidId(id)).toBe(true);
  });

  it.each(['', '.', '..', '...', 'Acme', 'a/b', '../x', 'a b', 'x'.repeat(65), 'ａcme', 'acme\n', 7])(
    'refuses %j with ERR_INSTALLATION_ID_INVALID',
    (id) => {
      let err: unknown;
      try {
        assertInstallationId(id);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TesseraError);
      expect((err as TesseraError).code).toBe('ERR_INSTALLATION_ID_INVALID');
      expect((err as TesseraError).status).toBe(400);
    },
  );
});

describe('parameter names', () => {
  it.each(['', 'a-b', 'a.b', 'a/b', 'x'.repeat(65)])('refuses %j', (name) => {
    expect(() => assertParameterName(name)).toThrow(expect.objectContaining({ code: 'ERR_PARAMETER_NAME_INVALID' }));
  });
});

describe('installationDocumentName', () => {
  it('follows /tessera/{appId}/installations/{id}/…', () => {
    expect(installationDocumentName('order-lookup', 'acme')).toBe('/tessera/order-lookup/installations/acme/iparams');
  });
});
