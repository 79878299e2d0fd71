/** What a verifier refusal logs about the token: its claimed installation and kid, only id-shaped, never the token. */
import { refusalAuditFields } from '../../src/_refusal-event.js';

const AT = Date.UTC(2026, 10, 23, 12, 0, 0);
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const input = (authorization?: string) => ({
  method: 'GET',
  url: '/orders/1',
  headers: authorization === undefined ? {} : { authorization },
  body: new Uint8Array(),
});

describe('refusalAuditFields', () => {
  it('names the claimed installation and kid of a well-formed token, with when and the result', () => {
    const token = `${part({ alg: 'ES256', kid: 'k-2026.11' })}.${part({ sub: 'acme', iss: 'order-lookup' })}.c2ln`;
    expect(refusalAuditFields(input(`Bearer ${token}`), AT)).toEqual({
      result: 'refused',
      at: '2026-11-23T12:00:00.000Z',
      claimedInstallation: 'acme',
      kid: 'k-2026.11',
    });
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>, Record<string, string>]>([
    ['a sub carrying free text', { kid: 'k1' }, { sub: 'Bearer abc.def; DROP TABLE' }, { kid: 'k1' }],
    ['a sub shaped like a secret', { kid: 'k1' }, { sub: 'rot-Secret_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ' }, { kid: 'k1' }],
    ['a kid with spaces', { kid: 'my key' }, { sub: 'acme' }, { claimedInstallation: 'acme' }],
    ['a kid that is an object', { kid: { x: 1 } }, { sub: 'acme' }, { claimedInstallation: 'acme' }],
  ])('drops %s, keeping what has the shape of an id', (_name, header, payload, kept) => {
    const fields = refusalAuditFields(input(`Bearer ${part(header)}.${part(payload)}.c2ln`), AT);
    expect(fields).toEqual({ result: 'refused', at: '2026-11-23T12:00:00.000Z', ...kept });
  });

  it.each([
    ['no header', undefined],
    ['another scheme', 'Basic YWNtZTpwYXNzd29yZA=='],
    ['a token that is not JSON', 'Bearer bm90IGpzb24.bm90IGpzb24.c2ln'],
    ['a header over the token cap', `Bearer ${'a'.repeat(9000)}.${part({ sub: 'acme' })}.c2ln`],
  ])('gives only when and the result for %s, and never throws', (_name, authorization) => {
    expect(refusalAuditFields(input(authorization), AT)).toEqual({ result: 'refused', at: '2026-11-23T12:00:00.000Z' });
  });
});
