/** What the session guard accepts, and what it hands the function: user, installation, scopes, claims. */
import { startRecorder, type Recorder } from '../../../../../test/helpers/http-recorder.js';
import { APP_ID, INSTALLATION_ID, NOW_SEC, mintSession, platformKey, sessionVerifier, startJwks, type PlatformKey } from './_session-helpers.js';

let jwks: Awaited<ReturnType<typeof startJwks>>;
let elsewhere: Recorder;
let rs: PlatformKey;
let es: PlatformKey;

beforeAll(async () => {
  [rs, es] = await Promise.all([platformKey('RS256', 'rs-1'), platformKey('ES256', 'es-1')]);
  jwks = await startJwks([rs, es]);
  elsewhere = await startRecorder();
});
afterAll(async () => {
  await Promise.all([jwks.close(), elsewhere.close()]);
});

describe('createSessionVerifier', () => {
  describe('verify', () => {
    it('accepts a good RS256 session and returns user, installation, scopes and claims', async () => {
      // Prepare
      const { verifier, lines } = sessionVerifier(jwks.origin);
      const token = await mintSession(rs);
      // Act
      const session = await verifier.verify(`Bearer ${token}`, ['orders:read']);
      // Assess
      expect(session).toEqual({
        subject: 'user-42',
        installationId: INSTALLATION_ID,
        scopes: ['orders:read', 'orders:write'],
        claims: expect.objectContaining({ aud: APP_ID, installation_id: INSTALLATION_ID }),
      });
      expect(Object.isFrozen(session.claims)).toBe(true);
      expect(lines.join('\n')).not.toContain(token);
    });

    it('accepts ES256 sessions from the same JWKS', async () => {
      // Prepare
      const { verifier } = sessionVerifier(jwks.origin);
      // Act
      const session = await verifier.verify(`Bearer ${await mintSession(es)}`, []);
      // Assess
      expect(session.installationId).toBe(INSTALLATION_ID);
    });

    it.each(['bearer', 'BEARER', 'BeArEr'])('matches the scheme %s case-insensitively', async (scheme) => {
      // Prepare
      const { verifier } = sessionVerifier(jwks.origin);
      // Act
      const session = await verifier.verify(`${scheme} ${await mintSession(rs)}`, []);
      // Assess
      expect(session.subject).toBe('user-42');
    });

    it('accepts an aud list that holds the app id', async () => {
      // Prepare
      const { verifier } = sessionVerifier(jwks.origin);
      // Act
      const session = await verifier.verify(`Bearer ${await mintSession(rs, { claims: { aud: ['other-app', APP_ID] } })}`, []);
      // Assess
      expect(session.subject).toBe('user-42');
    });

    it('splits the scope claim on any run of spaces', async () => {
      // Prepare
      const { verifier } = sessionVerifier(jwks.origin);
      const token = await mintSession(rs, { claims: { scope: ' orders:read   orders:write ' } });
      // Act
      const session = await verifier.verify(`Bearer ${token}`, ['orders:write', 'orders:read']);
      // Assess
      expect(session.scopes).toEqual(['orders:read', 'orders:write']);
    });

    it('ignores a jku header on a token the platform key signed, never fetching it', async () => {
      // Prepare
      const { verifier } = sessionVerifier(jwks.origin);
      const token = await mintSession(rs, { header: { jku: `${elsewhere.origin}/jwks.json`, x5u: `${elsewhere.origin}/c.pem` } });
      // Act
      const session = await verifier.verify(`Bearer ${token}`, []);
      // Assess
      expect(session.subject).toBe('user-42');
      expect(elsewhere.connections).toBe(0);
    });

    it('reads the installation from a configured claim', async () => {
      // Prepare
      const { verifier } = sessionVerifier(jwks.origin, { installationClaim: 'tenant' });
      const token = await mintSession(rs, { claims: { tenant: 'globex.eu', installation_id: undefined } });
      // Act
      const session = await verifier.verify(`Bearer ${token}`, []);
      // Assess
      expect(session.installationId).toBe('globex.eu');
    });

    it('accepts a session profile with its own typ', async () => {
      // Prepare
      const { verifier } = sessionVerifier(jwks.origin, { typ: 'platform-session+jwt' });
      // Act
      const session = await verifier.verify(`Bearer ${await mintSession(rs, { header: { typ: 'platform-session+jwt' } })}`, []);
      // Assess
      expect(session.subject).toBe('user-42');
    });
  });

  describe('option: clockToleranceSec', () => {
    it('accepts a session that expired 4 s ago under the default 5 s', async () => {
      // Prepare
      const { verifier } = sessionVerifier(jwks.origin);
      const token = await mintSession(rs, { claims: { iat: NOW_SEC - 124, nbf: NOW_SEC - 124, exp: NOW_SEC - 4 } });
      // Act
      const session = await verifier.verify(`Bearer ${token}`, []);
      // Assess
      expect(session.subject).toBe('user-42');
    });

    it('accepts a session whose nbf and iat are 4 s ahead', async () => {
      // Prepare
      const { verifier } = sessionVerifier(jwks.origin);
      const token = await mintSession(rs, { claims: { iat: NOW_SEC + 4, nbf: NOW_SEC + 4, exp: NOW_SEC + 124 } });
      // Act
      const session = await verifier.verify(`Bearer ${token}`, []);
      // Assess
      expect(session.subject).toBe('user-42');
    });

    it('refuses the same session with a tolerance of 0', async () => {
      // Prepare
      const { verifier } = sessionVerifier(jwks.origin, { clockToleranceSec: 0 });
      const token = await mintSession(rs, { claims: { iat: NOW_SEC - 124, nbf: NOW_SEC - 124, exp: NOW_SEC - 4 } });
      // Act
      const act = verifier.verify(`Bearer ${token}`, []);
      // Assess
      await expect(act).rejects.toMatchObject({ code: 'ERR_SESSION_EXPIRED', status: 401 });
    });
  });

  describe('option: maxTokenAgeSec', () => {
    it('accepts a lifetime of exactly 300 s by default', async () => {
      // Prepare
      const { verifier } = sessionVerifier(jwks.origin);
      // Act
      const session = await verifier.verify(`Bearer ${await mintSession(rs, { claims: { exp: NOW_SEC + 300 } })}`, []);
      // Assess
      expect(session.subject).toBe('user-42');
    });

    it('refuses a 61 s lifetime when capped at 60 s', async () => {
      // Prepare
      const { verifier } = sessionVerifier(jwks.origin, { maxTokenAgeSec: 60 });
      // Act
      const act = verifier.verify(`Bearer ${await mintSession(rs, { claims: { exp: NOW_SEC + 61 } })}`, []);
      // Assess
      await expect(act).rejects.toMatchObject({ code: 'ERR_SESSION_INVALID', status: 401 });
    });
  });

  describe('option: algorithms', () => {
    it('refuses ES256 when pinned to RS256', async () => {
      // Prepare
      const { verifier } = sessionVerifier(jwks.origin, { algorithms: ['RS256'] });
      // Act
      const act = verifier.verify(`Bearer ${await mintSession(es)}`, []);
      // Assess
      await expect(act).rejects.toMatchObject({ code: 'ERR_SESSION_INVALID', status: 401 });
    });
  });
});
