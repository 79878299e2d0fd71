/** peek: the verified-session cache that spares a warm invocation the signature check, and where it must say no. */
import { mintSession, platformKey, sessionVerifier, startJwks, type PlatformKey } from './_session-helpers.js';

let jwks: Awaited<ReturnType<typeof startJwks>>;
let key: PlatformKey;

beforeAll(async () => {
  key = await platformKey('ES256', 'es-1');
  jwks = await startJwks([key]);
});
afterAll(() => jwks.close());

describe('createSessionVerifier peek', () => {
  it('knows nothing of a header it has not verified', async () => {
    const { verifier } = sessionVerifier(jwks.origin);
    expect(verifier.peek?.(`Bearer ${await mintSession(key)}`, [])).toBeUndefined();
    expect(verifier.peek?.(undefined, [])).toBeUndefined();
  });

  it('returns the very session verify returned, without fetching keys again', async () => {
    const { verifier } = sessionVerifier(jwks.origin);
    const header = `Bearer ${await mintSession(key)}`;
    const session = await verifier.verify(header, ['orders:read']);
    const fetches = jwks.requests.length;
    expect(verifier.peek?.(header, ['orders:read', 'orders:write'])).toBe(session);
    expect(jwks.requests.length).toBe(fetches);
  });

  it('says no for a scope the session lacks, so verify can refuse it with its code', async () => {
    const { verifier } = sessionVerifier(jwks.origin);
    const header = `Bearer ${await mintSession(key, { claims: { scope: 'orders:read' } })}`;
    await verifier.verify(header, []);
    expect(verifier.peek?.(header, ['orders:write'])).toBeUndefined();
    await expect(verifier.verify(header, ['orders:write'])).rejects.toMatchObject({ code: 'ERR_SCOPE_MISSING' });
  });

  it('forgets a session at its exp, without the clock tolerance a fresh check allows', async () => {
    const { verifier, clock } = sessionVerifier(jwks.origin);
    const header = `Bearer ${await mintSession(key)}`; // exp = now + 120 s
    await verifier.verify(header, []);
    clock.advanceSec(119);
    expect(verifier.peek?.(header, [])).toBeDefined();
    clock.advanceSec(1);
    expect(verifier.peek?.(header, [])).toBeUndefined();
  });

  it('never caches a refused token', async () => {
    const { verifier } = sessionVerifier(jwks.origin);
    const header = `Bearer ${await mintSession(key, { claims: { aud: 'another-app' } })}`;
    await expect(verifier.verify(header, [])).rejects.toMatchObject({ code: 'ERR_SESSION_INVALID' });
    expect(verifier.peek?.(header, [])).toBeUndefined();
  });
});
