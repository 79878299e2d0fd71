/** createHmacSha256 against node:crypto's createHmac: same MAC for every key size and input the verifier can meet. */
import { createHmac, randomBytes } from 'node:crypto';
import { MAX_TOKEN_BYTES } from '../../../protocol/src/index.js';
import { createHmacSha256 } from '../../src/_hmac-sha256.js';

const reference = (key: Buffer, input: string) => createHmac('sha256', key).update(input, 'utf8').digest('base64url');

describe('createHmacSha256', () => {
  describe('key sizes (RFC 2104 §2: padded up to the 64-byte block, hashed above it)', () => {
    it.each([1, 31, 32, 44, 63, 64, 65, 100, 128, 200])('matches createHmac with a %i-byte key', (keyBytes) => {
      // Prepare
      const key = randomBytes(keyBytes);
      const inputs = ['', 'a', 'eyJhbGciOiJIUzI1NiJ9.e30', randomBytes(600).toString('base64url')];

      // Act
      const mac = createHmacSha256(key);

      // Assess
      for (const input of inputs) expect(mac(input)).toBe(reference(key, input));
    });
  });

  describe('inputs', () => {
    it.each([
      ['non-ASCII text, as UTF-8', 'héllo ✓ \u{1F600}'],
      ['an input of exactly the token cap', 'x'.repeat(MAX_TOKEN_BYTES)],
      ['multi-byte characters at the token cap', '✓'.repeat(MAX_TOKEN_BYTES)],
      ['an input over the token cap (createHmac fallback)', 'y'.repeat(MAX_TOKEN_BYTES + 1)],
    ])('matches createHmac on %s', (_name, input) => {
      // Prepare
      const key = randomBytes(44);

      // Act
      const mac = createHmacSha256(key)(input);

      // Assess
      expect(mac).toBe(reference(key, input));
    });

    it('gives each input its own MAC although its buffers are reused', () => {
      // Prepare
      const key = randomBytes(44);
      const mac = createHmacSha256(key);
      const inputs = Array.from({ length: 200 }, (_, i) => randomBytes(1 + ((i * 37) % 500)).toString('base64url'));

      // Act
      const macs = inputs.map((input) => mac(input));

      // Assess
      expect(macs).toEqual(inputs.map((input) => reference(key, input)));
    });

    it('keeps two keys apart', () => {
      // Prepare
      const [a, b] = [randomBytes(44), randomBytes(44)];

      // Act
      const [macA, macB] = [createHmacSha256(a)('same input'), createHmacSha256(b)('same input')];

      // Assess
      expect([macA, macB]).toEqual([reference(a, 'same input'), reference(b, 'same input')]);
      expect(macA).not.toBe(macB);
    });
  });
});
