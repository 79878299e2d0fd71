/** The verifier knows whom it serves: with app keys every customer verifies one public key, so `sub` is pinned. */
import { ANY_INSTALLATION } from '../../src/index.js';
import { appKey, keyVerifier, mintSigned } from './_asymmetric-helpers.js';
import { expectRefusal } from './_helpers.js';

const es = appKey('ES256', 'es-1');
const keys = { algorithms: ['ES256'], keys: [es.jwk] };

describe('createVerifier › installation pinning', () => {
  it('refuses a token the app signed for installation B at the verifier of installation A, recording no jti', async () => {
    // Prepare
    const remembered: string[] = [];
    const replayStore = { remember: async (key: string) => remembered.push(key) > 0 };
    const { send, lines } = keyVerifier({ ...keys, installationId: 'acme-a', replayStore });
    const token = await mintSigned(es, { claims: { sub: 'acme-b' } });

    // Act
    const act = send(token);

    // Assess
    const err = await expectRefusal(act, { code: 'ERR_VERIFY_INSTALLATION', status: 401, lines, token });
    expect(err.headers['www-authenticate']).toBe('Bearer error="invalid_token", error_description="Token is for another installation"');
    expect(remembered).toEqual([]);
  });

  it('accepts both installations a server serves and refuses a third', async () => {
    const { send, lines } = keyVerifier({ ...keys, installationId: ['acme-eu', 'acme-us'] });
    await expect(send(await mintSigned(es, { claims: { sub: 'acme-eu' } }))).resolves.toMatchObject({ installationId: 'acme-eu' });
    await expect(send(await mintSigned(es, { claims: { sub: 'acme-us' } }))).resolves.toMatchObject({ installationId: 'acme-us' });
    const third = await mintSigned(es, { claims: { sub: 'acme-jp' } });
    await expectRefusal(send(third), { code: 'ERR_VERIFY_INSTALLATION', status: 401, lines, token: third });
  });

  it('takes a predicate, and a predicate that throws serves no one', async () => {
    const { send, lines } = keyVerifier({
      ...keys,
      installationId: (id: string) =>
        id === 'boom'
          ? (() => {
              throw new Error('x');
            })()
          : id.startsWith('acme-'),
    });
    await expect(send(await mintSigned(es, { claims: { sub: 'acme-7' } }))).resolves.toMatchObject({ installationId: 'acme-7' });
    const boom = await mintSigned(es, { claims: { sub: 'boom' } });
    await expectRefusal(send(boom), { code: 'ERR_VERIFY_INSTALLATION', status: 401, lines, token: boom });
  });

  it('accepts any installation only with the explicit opt-out', async () => {
    const { send } = keyVerifier({ ...keys, installationId: ANY_INSTALLATION });
    await expect(send(await mintSigned(es, { claims: { sub: 'whoever' } }))).resolves.toMatchObject({ installationId: 'whoever' });
  });

  it.each([
    ['omitted with app keys', undefined, /"installationId" is required with app keys/],
    ['not an installation id', 'Acme/../b', /"installationId" must match/],
    ['an empty list', [], /non-empty list/],
    ['"*" inside a list', ['acme', '*'], /ANY_INSTALLATION alone/],
  ])('refuses at construction an installationId %s', (_name, installationId, rule) => {
    expect(() => keyVerifier({ ...keys, installationId })).toThrow(rule);
  });
});
