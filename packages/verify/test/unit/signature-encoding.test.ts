/**
 * The asymmetric signature's one canonical encoding, read off its last character, agrees with a decode and
 * re-encode; every other spelling is refused once, logged once, with nothing of the token in the refusal or the log.
 */
import { expectRefusal } from './_helpers.js';
import { appKey, BASE64URL_ALPHABET, keyVerifier, mintSigned } from './_asymmetric-helpers.js';

describe('createVerifier', () => {
  describe.each(['ES256', 'EdDSA'] as const)('%s signature encoding', (alg) => {
    it('refuses every other last character, as non-canonical exactly when re-encoding the bytes would change it', async () => {
      // Prepare
      const key = appKey(alg, 'k-1');
      const token = await mintSigned(key);
      const cut = token.lastIndexOf('.') + 1;
      const signature = token.slice(cut);
      const variants = [...BASE64URL_ALPHABET].filter((c) => c !== signature.at(-1)).map((c) => signature.slice(0, -1) + c);

      // Act and assess: a fresh verifier per variant, so each refusal has its one log line
      for (const variant of variants) {
        const { send, lines } = keyVerifier({ algorithms: [alg], keys: [key.jwk] });
        const forged = `${token.slice(0, cut)}${variant}`;
        const refusal = await expectRefusal(send(forged), { code: 'ERR_VERIFY_SIGNATURE', status: 401, lines, token: forged });
        const canonical = Buffer.from(variant, 'base64url').toString('base64url') === variant;
        expect(refusal.reason).toBe(canonical ? 'signature does not verify with the key named by kid' : 'signature encoding is not canonical');
      }
      const { send } = keyVerifier({ algorithms: [alg], keys: [key.jwk] });
      expect((await send(token)).installationId).toBeDefined();
    });
  });
});
