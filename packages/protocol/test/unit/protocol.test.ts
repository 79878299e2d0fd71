import { createHash } from 'node:crypto';
import { bodyHash, normalizeHtu, originOf } from '../../src/index.js';

describe('normalizeHtu', () => {
  it.each([
    ['HTTPS://Api.Example.com:443/a/../orders/%7e1?x=1#frag', 'https://api.example.com/orders/~1?x=1'],
    ['https://api.example.com', 'https://api.example.com/'],
    ['http://api.example.com:80/x', 'http://api.example.com/x'],
    ['https://api.example.com:8443/x/./y', 'https://api.example.com:8443/x/y'],
    ['https://api.example.com/a%2fb?q=%c3%a9', 'https://api.example.com/a%2Fb?q=%C3%A9'],
  ])('normalises %s', (input, expected) => {
    expect(normalizeHtu(input)).toBe(expected);
  });

  it('keeps the query order and content that distinguish requests', () => {
    expect(normalizeHtu('https://a.example.com/x?b=1&a=2')).not.toBe(normalizeHtu('https://a.example.com/x?a=2&b=1'));
  });
});

describe('originOf', () => {
  it('is scheme, host and non-default port', () => {
    expect(originOf('https://API.example.com:443/x')).toBe('https://api.example.com');
    expect(originOf('http://127.0.0.1:4100/x')).toBe('http://127.0.0.1:4100');
  });
});

describe('bodyHash', () => {
  it('hashes the exact bytes, base64url', () => {
    const bytes = Buffer.from('{"a": 1}');
    expect(bodyHash(bytes)).toBe(createHash('sha256').update(bytes).digest('base64url'));
    expect(bodyHash(bytes)).not.toBe(bodyHash(Buffer.from('{"a":1}')));
  });

  it('treats no body as the empty string', () => {
    expect(bodyHash(undefined)).toBe(bodyHash(Buffer.alloc(0)));
    expect(bodyHash(undefined)).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });
});
