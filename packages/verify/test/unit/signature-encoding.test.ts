/** The asymmetric signature's one canonical encoding, read off its last character, agrees with a decode and re-encode. */
import { appKey, keyVerifier, mintSigned } from './_asymmetric-helpers.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('createVerifier', () => {
  describe.each(['ES256', 'EdDSA'] as const)('%s signature encoding', (alg) => {
    it('refuses every other last character, as non-canonical exactly when re-encoding the bytes would change it', async () => {
      // Prepare
      const key = appKey(alg, 'k-1');
      const { send } = keyVerifier({ algorithms: [alg], keys: [key.jwk] });
      const token = await mintSigned(key);
      const signature = token.slice(token.lastIndexOf('.') + 1);
      const variants = [...ALPHABET].filter((c) => c !== signature.at(-1)).map((c) => signature.slice(0, -1) + c);

      // Act
      const refusals = await Promise.all(
        variants.map((variant) =>
          send(`${token.slice(0, token.lastIndexOf('.') + 1)}${variant}`).then(
            () => undefined,
            (err: unknown) => err,
          ),
        ),
      );
      const accepted = await send(token);

      // Assess
      expect(accepted.installationId).toBeDefined();
      for (const [i, variant] of variants.entries()) {
        const canonical = Buffer.from(variant, 'base64url').toString('base64url') === variant;
        expect(refusals[i]).toMatchObject({
          code: 'ERR_VERIFY_SIGNATURE',
          reason: canonical ? 'signature does not verify with the key named by kid' : 'signature encoding is not canonical',
        });
      }
    });
  });
});
