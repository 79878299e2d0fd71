/** Shared-secret mode: current and previous secrets accepted, everything else refused without leaking. */
import { createVerifier } from '../../src/index.js';
import type { SharedSecretVerifierOptions } from '../../src/index.js';
import type { TesseraErrorCode } from '../../../protocol/src/errors.js';
import { CURRENT_SECRET, ORIGIN, PREVIOUS_SECRET, REQUEST, STRANGER_SECRET, capturedLogger, expectRefusal } from './_helpers.js';

function setup(overrides: Partial<SharedSecretVerifierOptions> = {}) {
  const { logger, lines } = capturedLogger();
  const verifier = createVerifier({
    mode: 'shared-secret',
    secrets: [CURRENT_SECRET, PREVIOUS_SECRET],
    publicOrigin: ORIGIN,
    logger,
    ...overrides,
  });
  return { verifier, lines };
}

describe('createVerifier', () => {
  describe('mode: shared-secret', () => {
    it.each([
      ['the current secret', CURRENT_SECRET],
      ['the previous secret', PREVIOUS_SECRET],
    ])('accepts %s', async (_name, secret) => {
      // Prepare
      const { verifier, lines } = setup();

      // Act
      const verified = await verifier.verify({ ...REQUEST, headers: { 'x-tessera-secret': secret } });

      // Assess
      expect(verified).toEqual({ mode: 'shared-secret' });
      expect(lines).toHaveLength(0);
    });

    it.each<[string, Record<string, string | string[]>, TesseraErrorCode]>([
      ['no header', {}, 'ERR_VERIFY_MISSING'],
      ['an empty header', { 'x-tessera-secret': '' }, 'ERR_VERIFY_MISSING'],
      ['a secret neither current nor previous', { 'x-tessera-secret': STRANGER_SECRET }, 'ERR_VERIFY_SECRET'],
      ['a prefix of the current secret', { 'x-tessera-secret': CURRENT_SECRET.slice(0, 20) }, 'ERR_VERIFY_SECRET'],
      ['the current secret with a suffix', { 'x-tessera-secret': `${CURRENT_SECRET}x` }, 'ERR_VERIFY_SECRET'],
      ['the secret in Authorization instead', { authorization: `Bearer ${CURRENT_SECRET}` }, 'ERR_VERIFY_MISSING'],
      ['the header twice', { 'x-tessera-secret': [CURRENT_SECRET, CURRENT_SECRET] }, 'ERR_VERIFY_MALFORMED'],
    ])('refuses %s', async (_name, headers, code) => {
      // Prepare
      const { verifier, lines } = setup();

      // Act
      const act = verifier.verify({ ...REQUEST, headers });

      // Assess
      await expectRefusal(act, { code, status: 401, lines });
    });
  });

  describe('option: header', () => {
    it('reads the configured header, whatever the case of its name', async () => {
      // Prepare
      const { verifier } = setup({ header: 'X-Acme-Key' });

      // Act
      const verified = await verifier.verify({ ...REQUEST, headers: { 'X-ACME-KEY': CURRENT_SECRET } });

      // Assess
      expect(verified.mode).toBe('shared-secret');
    });

    it('no longer reads the default header once another is configured', async () => {
      // Prepare
      const { verifier, lines } = setup({ header: 'x-acme-key' });

      // Act
      const act = verifier.verify({ ...REQUEST, headers: { 'x-tessera-secret': CURRENT_SECRET } });

      // Assess
      await expectRefusal(act, { code: 'ERR_VERIFY_MISSING', status: 401, lines });
    });
  });
});
