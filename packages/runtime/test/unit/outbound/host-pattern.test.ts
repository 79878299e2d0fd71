import { compileHostPatterns } from '../../../src/outbound/index.js';

describe('compileHostPatterns', () => {
  const allowed = compileHostPatterns(['*.orders.example.com', 'api.acme.com', 'localhost:4100', '[::1]:4100'], {
    allowLoopbackHttp: true,
  });

  it.each([
    ['https://acme.orders.example.com/x', true],
    ['https://ACME.Orders.Example.com/x', true],
    ['https://api.acme.com/orders/1', true],
    ['https://api.acme.com:443/orders/1', true],
    ['http://localhost:4100/orders', true],
    ['http://[::1]:4100/orders', true],
  ])('allows %s', (url, expected) => {
    // Act / Assess
    expect(allowed(new URL(url))).toBe(expected);
  });

  it.each([
    ['https://a.b.orders.example.com/', 'a wildcard stands for exactly one label'],
    ['https://orders.example.com/', 'the wildcard needs a label'],
    ['https://evilorders.example.com/', 'suffix without a dot'],
    ['https://acme.orders.example.com.evil.net/', 'allowed host as a prefix'],
    ['http://api.acme.com/', 'plain HTTP off loopback'],
    ['https://api.acme.com:8443/', 'a port the pattern does not name'],
    ['https://user:pw@api.acme.com/', 'credentials in the URL'],
    ['http://localhost:4101/', 'another loopback port'],
    ['ftp://api.acme.com/', 'another scheme'],
    ['https://api.acme.com.', 'trailing dot'],
  ])('refuses %s (%s)', (url) => {
    expect(allowed(new URL(url))).toBe(false);
  });

  it('refuses loopback over HTTP unless offline', () => {
    // Prepare
    const online = compileHostPatterns(['localhost:4100']);
    // Act / Assess
    expect(online(new URL('http://localhost:4100/'))).toBe(false);
  });

  it.each(['*', 'https://api.acme.com', 'api.acme.com/path', 'API.acme.com', '*.*.acme.com', ''])(
    'rejects the malformed pattern %j at construction',
    (pattern) => {
      expect(() => compileHostPatterns([pattern])).toThrow(TypeError);
    },
  );
});
