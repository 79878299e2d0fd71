/** The one loopback rule, and that every part applying it agrees: JWKS URLs, customer URLs, development listeners. */
import { checkJwksUrl, isLoopbackHost, LOOPBACK_RULE } from '@tessera/protocol';
import { compileHostPatterns } from '@tessera/runtime/outbound';
import { startDevPlatform, startSsmLocal } from '@tessera/offline';

const LOCAL = ['localhost', '127.0.0.1', '127.0.0.2', '127.255.255.254', '::1', '[::1]', '::ffff:127.0.0.1'];
const REMOTE = [
  '',
  'localhost.',
  'foo.localhost',
  'localhost.example.com',
  '127.0.0.1.nip.io',
  '128.0.0.1',
  '10.0.0.1',
  '0.0.0.0',
  '127.1',
  '127.0.0.256',
  '0x7f.0.0.1',
  '::',
  '[::]',
  '::2',
  '::ffff:10.0.0.1',
  '[::ffff:7f00:1]',
  'LOCALHOST',
];

describe('isLoopbackHost', () => {
  it.each(LOCAL)('counts %s as loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each(REMOTE)('does not count %j as loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('one loopback meaning wherever plain HTTP is allowed', () => {
  const customer = compileHostPatterns(['localhost', '127.0.0.2', '[::1]', '127.0.0.1.nip.io', '10.0.0.1'], { allowLoopbackHttp: true });

  it.each([
    ['http://127.0.0.2:4100/orders', true],
    ['http://localhost:4100/orders', true],
    ['http://[::1]:4100/orders', true],
    ['http://127.0.0.1.nip.io:4100/orders', false],
    ['http://10.0.0.1:4100/orders', false],
  ])('JWKS URL and customer URL agree on %s', (raw, local) => {
    const url = new URL(raw);
    expect(isLoopbackHost(url.hostname)).toBe(local);
    expect(typeof checkJwksUrl(raw, true) !== 'string').toBe(local);
    // The customer pattern lists the host with its port, so only the scheme rule decides.
    const withPort = compileHostPatterns([`${url.host}`], { allowLoopbackHttp: true });
    expect(withPort(url)).toBe(local);
    expect(customer(new URL(raw.replace(/:4100/, '')))).toBe(local);
  });
});

describe('development listeners', () => {
  it.each(['10.0.0.1', '0.0.0.0', 'localhost.example.com'])('refuse to listen on %s, naming the rule', async (host) => {
    await expect(startDevPlatform({ host, port: 0 } as never)).rejects.toThrow(`option "host" ${LOOPBACK_RULE}`);
    expect(() => startSsmLocal({ dataDir: '/nonexistent-never-created', host, port: 0 })).toThrow(`option "host" ${LOOPBACK_RULE}`);
  });
});
