/** A slow, huge, failing or redirecting JWKS endpoint: the session guard fails closed with 503, fast, and never hangs. */
import type { ServerResponse } from 'node:http';
import type { InboundError } from '../../../../protocol/src/errors.js';
import { startRecorder, type Recorder } from '../../../../../test/helpers/http-recorder.js';
import { expectRefusal, mintSession, platformKey, sessionVerifier, type PlatformKey } from './_session-helpers.js';

let jwks: Recorder;
let elsewhere: Recorder;
let rs: PlatformKey;

beforeAll(async () => {
  [jwks, elsewhere, rs] = await Promise.all([startRecorder(), startRecorder(), platformKey('RS256', 'rs-1')]);
});
afterEach(() => jest.useRealTimers());
afterAll(async () => {
  await Promise.all([jwks.close(), elsewhere.close()]);
});

const answers: [string, (res: ServerResponse) => void][] = [
  ['answers 500', (res) => res.writeHead(500).end()],
  ['answers 302 to another host', (res) => res.writeHead(302, { location: `${elsewhere.origin}/jwks.json` }).end()],
  ['answers 300 KiB', (res) => res.end(`{"keys":[],"pad":"${'x'.repeat(300 * 1024)}"}`)],
  ['answers HTML', (res) => res.end('<html>down for maintenance</html>')],
  ['answers JSON that is not a JWK Set', (res) => res.end('{"keys":"none"}')],
  ['drops the connection', (res) => res.socket?.destroy()],
];

/** Lets real I/O run until `done()` holds; used where a fake clock is installed. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setImmediate(r));
}

describe('createSessionVerifier', () => {
  describe('JWKS endpoint down', () => {
    it.each(answers)('fails closed when the JWKS %s', async (_name, answer) => {
      // Prepare
      jwks.respond((_req, res) => answer(res));
      const { verifier, lines } = sessionVerifier(jwks.origin);
      const token = await mintSession(rs);
      // Act
      const act = verifier.verify(`Bearer ${token}`, []);
      // Assess
      await expectRefusal(act, { code: 'ERR_SESSION_KEYS_UNAVAILABLE', status: 503, lines, token });
      expect(elsewhere.connections).toBe(0);
      expect(lines.filter((l) => JSON.parse(l).event === 'session.jwks_unavailable')).toHaveLength(1);
    });

    it('gives up on a JWKS that never answers after 3 s', async () => {
      // Prepare: only setTimeout is faked, so sockets keep running on real I/O
      jwks.respond(() => undefined);
      jest.useFakeTimers({
        doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'Date', 'hrtime', 'performance', 'setInterval', 'clearInterval'],
      });
      const { verifier, lines } = sessionVerifier(jwks.origin);
      const token = await mintSession(rs);
      const before = jwks.requests.length;
      // Act
      const act = verifier.verify(`Bearer ${token}`, []);
      const settled = act.then(
        () => 'accepted',
        () => 'refused',
      );
      await until(() => jwks.requests.length > before);
      jest.advanceTimersByTime(2_999);
      const early = await Promise.race([settled, new Promise((r) => setImmediate(() => r('pending')))]);
      jest.advanceTimersByTime(1);
      // Assess
      expect(early).toBe('pending');
      await expectRefusal(act, { code: 'ERR_SESSION_KEYS_UNAVAILABLE', status: 503, lines, token });
    });

    it('gives up on an injected fetcher that ignores its abort signal', async () => {
      // Prepare
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'Date', 'hrtime', 'performance'] });
      let signal: AbortSignal | undefined;
      const { verifier, lines } = sessionVerifier(jwks.origin, {
        fetchJwks: (_url, init) => {
          signal = init.signal;
          return new Promise(() => undefined);
        },
      });
      const token = await mintSession(rs);
      // Act
      const act = verifier.verify(`Bearer ${token}`, []);
      await until(() => signal !== undefined);
      jest.advanceTimersByTime(3_000);
      // Assess
      await expectRefusal(act, { code: 'ERR_SESSION_KEYS_UNAVAILABLE', status: 503, lines, token });
      expect(signal?.aborted).toBe(true);
    });

    it('turns a throwing fetcher into 503 without its message', async () => {
      // Prepare
      const { verifier, lines } = sessionVerifier(jwks.origin, {
        fetchJwks: async () => {
          throw new Error('upstream said: internal-detail-xyz');
        },
      });
      const token = await mintSession(rs);
      // Act
      const act = verifier.verify(`Bearer ${token}`, []);
      // Assess
      const err = await expectRefusal(act, { code: 'ERR_SESSION_KEYS_UNAVAILABLE', status: 503, lines, token });
      expect([String(err.cause), ...lines].join('\n')).not.toContain('internal-detail-xyz');
    });

    it('answers at once within the 30 s cooldown after a failure, then tries again and recovers', async () => {
      // Prepare
      jwks.respond((_req, res) => res.writeHead(500).end());
      const { verifier, clock } = sessionVerifier(jwks.origin);
      const header = `Bearer ${await mintSession(rs)}`;
      await expect(verifier.verify(header, [])).rejects.toMatchObject({ code: 'ERR_SESSION_KEYS_UNAVAILABLE' });
      jwks.respond((_req, res) => res.end(JSON.stringify({ keys: [rs.publicJwk] })));
      const before = jwks.requests.length;
      // Act
      clock.advanceSec(29);
      const inCooldown = await verifier.verify(header, []).catch((e: InboundError) => e);
      const fetchedInCooldown = jwks.requests.length - before;
      clock.advanceSec(1);
      const session = await verifier.verify(header, []);
      // Assess
      expect(inCooldown).toMatchObject({ code: 'ERR_SESSION_KEYS_UNAVAILABLE', status: 503, headers: { 'retry-after': '1' } });
      expect(fetchedInCooldown).toBe(0);
      expect(session.subject).toBe('user-42');
    });
  });
});
