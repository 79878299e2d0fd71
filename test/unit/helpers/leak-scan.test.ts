/** The leak sweep's scanner finds a secret in every encoding it claims, wherever it sits in a longer text. */
import { randomBytes } from 'node:crypto';
import { encodingsOf, findLeaks } from '../../helpers/leak-scan.js';

const SECRET = 'Sw33t"secret\\with/slash+plus=and more bytes';
const secrets = [{ name: 'the secret', value: SECRET }];

describe('findLeaks', () => {
  it.each([0, 1, 2, 5])('finds the secret base64- and base64url-encoded inside a longer blob, %i bytes in', (offset) => {
    const blob = Buffer.concat([randomBytes(offset), Buffer.from(SECRET), randomBytes(7)]);
    for (const alphabet of ['base64', 'base64url'] as const) {
      const leaks = findLeaks(`x=${blob.toString(alphabet)};`, 'line', secrets);
      // A form identical in both alphabets is listed once, under base64.
      expect(leaks.map((l) => l.encoding.replace('base64url', 'base64'))).toContain(`base64@${offset % 3}`);
    }
  });

  it.each([
    ['raw', (s: string) => `token ${s} end`],
    ['hex', (s: string) => Buffer.from(s).toString('hex')],
    ['HEX', (s: string) => Buffer.from(s).toString('hex').toUpperCase()],
    ['url-encoded', (s: string) => `?q=${encodeURIComponent(s)}`],
    ['json-escaped', (s: string) => JSON.stringify({ message: s })],
  ])('finds it %s', (encoding, encode) => {
    expect(findLeaks(encode(SECRET), 'line', secrets).map((l) => l.encoding)).toContain(encoding);
  });

  it('finds raw key bytes in their hex and base64 forms', () => {
    const key = randomBytes(32);
    const found = findLeaks(`${key.toString('hex')} ${key.toString('base64')}`, 'file', [{ name: 'key', value: key }]);
    expect(found.map((l) => l.encoding)).toEqual(expect.arrayContaining(['hex', 'base64@0']));
  });

  it('finds nothing in text without it, and skips what the corpus may carry by design', () => {
    expect(findLeaks(randomBytes(4096).toString('base64'), 'noise', secrets)).toEqual([]);
    expect(findLeaks(SECRET, 'issuer', secrets, new Set(['the secret']))).toEqual([]);
  });

  it('drops needles too short to mean anything', () => {
    expect(encodingsOf('short')).toEqual([]);
    const names = encodingsOf('a secret of 32 characters, long.').map(([name]) => name);
    expect(names).toEqual(['raw', 'url-encoded', 'hex', 'HEX', 'base64@0', 'base64@1', 'base64@2']);
  });
});
