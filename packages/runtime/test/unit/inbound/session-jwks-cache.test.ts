/** The session guard's JWKS cache, proved by counting real requests to a loopback JWKS: coalescing, max age, cooldown. */
import { NOW_SEC, expectRefusal, mintSession, platformKey, sessionVerifier, startJwks, type PlatformKey } from './_session-helpers.js';

let jwks: Awaited<ReturnType<typeof startJwks>>;
let rs: PlatformKey;
let rotated: PlatformKey;
let stranger: PlatformKey;

beforeAll(async () => {
  [rs, rotated, stranger] = await Promise.all([platformKey('RS256', 'rs-1'), platformKey('ES256', 'es-2'), platformKey('ES256', 'nobody')]);
  jwks = await startJwks([rs]);
});
beforeEach(() => jwks.serve([rs]));
afterAll(() => jwks.close());

/** A session minted at the verifier's current time, so the clock can move without expiring it. */
const sessionAt = (key: PlatformKey, nowMs: number, header: Record<string, unknown> = {}) => {
  const sec = nowMs / 1000;
  return mintSession(key, { claims: { iat: sec, nbf: sec, exp: sec + 120 }, header }).then((t) => `Bearer ${t}`);
};

describe('createSessionVerifier', () => {
  describe('JWKS cache', () => {
    it('fetches the JWKS once for many sessions', async () => {
      // Prepare
      const { verifier, clock } = sessionVerifier(jwks.origin);
      const before = jwks.requests.length;
      // Act
      for (let i = 0; i < 3; i++) await verifier.verify(await sessionAt(rs, clock.now()), []);
      // Assess
      expect(jwks.requests.length - before).toBe(1);
    });

    it('coalesces concurrent first loads into one request', async () => {
      // Prepare
      const { verifier, clock } = sessionVerifier(jwks.origin);
      const header = await sessionAt(rs, clock.now());
      const before = jwks.requests.length;
      // Act
      await Promise.all(Array.from({ length: 5 }, () => verifier.verify(header, [])));
      // Assess
      expect(jwks.requests.length - before).toBe(1);
    });

    it('refetches after the 5 min max age, not before', async () => {
      // Prepare
      const { verifier, clock } = sessionVerifier(jwks.origin);
      const before = jwks.requests.length;
      await verifier.verify(await sessionAt(rs, clock.now()), []);
      // Act
      clock.advanceSec(299);
      await verifier.verify(await sessionAt(rs, clock.now()), []);
      const atMaxAgeMinus1 = jwks.requests.length - before;
      clock.advanceSec(1);
      await verifier.verify(await sessionAt(rs, clock.now()), []);
      // Assess
      expect(atMaxAgeMinus1).toBe(1);
      expect(jwks.requests.length - before).toBe(2);
    });

    it('fails closed with 503 when the JWKS is down past the max age', async () => {
      // Prepare
      const { verifier, clock, lines } = sessionVerifier(jwks.origin);
      await verifier.verify(await sessionAt(rs, clock.now()), []);
      jwks.respond((_req, res) => res.writeHead(500).end());
      clock.advanceSec(301);
      const header = await sessionAt(rs, clock.now());
      // Act
      const act = verifier.verify(header, []);
      // Assess
      await expectRefusal(act, { code: 'ERR_SESSION_KEYS_UNAVAILABLE', status: 503, lines, token: header.slice(7) });
      expect(lines.some((l) => JSON.parse(l).event === 'session.jwks_unavailable')).toBe(true);
    });
  });

  describe('unknown kid', () => {
    it('does not refetch right after the first load', async () => {
      // Prepare
      const { verifier, clock, lines } = sessionVerifier(jwks.origin);
      const header = await sessionAt(stranger, clock.now());
      const before = jwks.requests.length;
      // Act
      const act = verifier.verify(header, []);
      // Assess
      await expectRefusal(act, { code: 'ERR_SESSION_INVALID', status: 401, lines, token: header.slice(7) });
      expect(jwks.requests.length - before).toBe(1);
    });

    it('refetches once, then waits out the 30 s cooldown', async () => {
      // Prepare
      const { verifier, clock } = sessionVerifier(jwks.origin);
      const before = jwks.requests.length;
      await verifier.verify(await sessionAt(rs, clock.now()), []);
      clock.advanceSec(31);
      // Act
      const counts: number[] = [];
      for (const kid of ['k1', 'k2', 'k3']) {
        await expect(verifier.verify(await sessionAt(stranger, clock.now(), { kid }), [])).rejects.toMatchObject({ code: 'ERR_SESSION_INVALID' });
        counts.push(jwks.requests.length - before);
      }
      clock.advanceSec(30);
      await expect(verifier.verify(await sessionAt(stranger, clock.now()), [])).rejects.toMatchObject({ code: 'ERR_SESSION_INVALID' });
      counts.push(jwks.requests.length - before);
      // Assess
      expect(counts).toEqual([2, 2, 2, 3]);
    });

    it('coalesces concurrent unknown-kid refetches into one request', async () => {
      // Prepare
      const { verifier, clock } = sessionVerifier(jwks.origin);
      await verifier.verify(await sessionAt(rs, clock.now()), []);
      clock.advanceSec(31);
      const headers = await Promise.all(['a', 'b', 'c', 'd'].map((kid) => sessionAt(stranger, clock.now(), { kid })));
      const before = jwks.requests.length;
      // Act
      const results = await Promise.allSettled(headers.map((h) => verifier.verify(h, [])));
      // Assess
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      expect(jwks.requests.length - before).toBe(1);
    });

    it('accepts a key the platform rotated in, after one refetch', async () => {
      // Prepare
      const { verifier, clock } = sessionVerifier(jwks.origin);
      await verifier.verify(await sessionAt(rs, clock.now()), []);
      jwks.serve([rs, rotated]);
      clock.advanceSec(31);
      const before = jwks.requests.length;
      // Act
      const session = await verifier.verify(await sessionAt(rotated, clock.now()), []);
      // Assess
      expect(session.subject).toBe('user-42');
      expect(jwks.requests.length - before).toBe(1);
    });

    it('keeps the keys it holds when the refetch fails', async () => {
      // Prepare
      const { verifier, clock } = sessionVerifier(jwks.origin);
      await verifier.verify(await sessionAt(rs, clock.now()), []);
      jwks.respond((_req, res) => res.writeHead(503).end());
      clock.advanceSec(31);
      // Act
      const unknown = verifier.verify(await sessionAt(stranger, clock.now()), []);
      await expect(unknown).rejects.toMatchObject({ code: 'ERR_SESSION_INVALID', status: 401 });
      const known = await verifier.verify(await sessionAt(rs, clock.now()), []);
      // Assess
      expect(known.subject).toBe('user-42');
    });
  });

  it('uses the frozen clock, not the wall clock', async () => {
    // Prepare: a session valid only around NOW_SEC, which the wall clock has left behind
    const { verifier } = sessionVerifier(jwks.origin);
    // Act
    const session = await verifier.verify(`Bearer ${await mintSession(rs)}`, []);
    // Assess
    expect(session.claims.iat).toBe(NOW_SEC);
  });
});
