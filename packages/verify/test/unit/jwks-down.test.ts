/** A slow, huge, failing or redirecting JWKS: the verifier fails closed with 503, quickly, and never hangs or follows. */
import type { ServerResponse } from 'node:http';
import type { VerifyError } from '../../../protocol/src/errors.js';
import { startRecorder, type Recorder } from '../../../../test/helpers/http-recorder.js';
import { NOW_MS, expectRefusal } from './_helpers.js';
import { appKey, keyVerifier, mintSigned, startJwks, until, type AppKey } from './_asymmetric-helpers.js';

let jwks: Awaited<ReturnType<typeof startJwks>>;
let elsewhere: Recorder;
let es: AppKey;

beforeAll(async () => {
  es = appKey('ES256', 'es-1');
  [jwks, elsewhere] = await Promise.all([startJwks([es.jwk]), startRecorder()]);
});
afterEach(() => {
  jest.useRealTimers();
  jwks.serve([es.jwk]);
});
afterAll(() => Promise.all([jwks.close(), elsewhere.close()]));

const answers: [string, (res: ServerResponse) => void][] = [
  ['answers 500', (res) => res.writeHead(500).end()],
  ['answers 302 to another host', (res) => res.writeHead(302, { location: `${elsewhere.origin}/jwks.json` }).end()],
  ['answers 301 with a JWKS body', (res) => res.writeHead(301, { location: '/x' }).end(JSON.stringify({ keys: [es.jwk] }))],
  ['declares 300 KiB', (res) => res.writeHead(200, { 'content-length': String(300 * 1024) }).end()],
  ['streams 300 KiB', (res) => res.end(`{"keys":[],"pad":"${'x'.repeat(300 * 1024)}"}`)],
  ['answers HTML', (res) => res.end('<html>down for maintenance</html>')],
  ['answers JSON that is not a JWK Set', (res) => res.end('{"keys":"none"}')],
  ['answers a JSON array', (res) => res.end('[]')],
  ['answers bytes that are not UTF-8', (res) => res.end(Buffer.from([0x7b, 0xff, 0x7d]))],
  ['drops the connection', (res) => res.socket?.destroy()],
];

const jwksOptions = () => ({ algorithms: ['ES256'], jwksUrl: jwks.url, allowLoopbackHttp: true });

describe('createVerifier', () => {
  describe('mode: jwt, JWKS endpoint down', () => {
    it.each(answers)('fails closed with 503 when the JWKS %s', async (_name, answer) => {
      // Prepare
      jwks.respond((_req, res) => answer(res));
      const { send, lines } = keyVerifier(jwksOptions());
      const token = await mintSigned(es);

      // Act
      const act = send(token);

      // Assess
      await expectRefusal(act, { code: 'ERR_VERIFY_KEYS_UNAVAILABLE', status: 503, lines, token });
      expect(elsewhere.connections).toBe(0);
      expect(lines.filter((l) => JSON.parse(l).event === 'verify.jwks_unavailable')).toHaveLength(1);
    });

    it('fails closed when nothing listens at the JWKS URL', async () => {
      // Prepare
      const closed = await startRecorder();
      const url = `${closed.origin}/jwks.json`;
      await closed.close();
      const { send, lines } = keyVerifier({ ...jwksOptions(), jwksUrl: url });
      const token = await mintSigned(es);

      // Act
      const act = send(token);

      // Assess
      await expectRefusal(act, { code: 'ERR_VERIFY_KEYS_UNAVAILABLE', status: 503, lines, token });
    });

    it('gives up on a JWKS that never answers after 3 s', async () => {
      // Prepare: only setTimeout is faked, so sockets keep running on real I/O
      jwks.respond(() => undefined);
      jest.useFakeTimers({
        doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'Date', 'hrtime', 'performance', 'setInterval', 'clearInterval'],
      });
      const { send, lines } = keyVerifier(jwksOptions());
      const token = await mintSigned(es);
      const before = jwks.requests.length;

      // Act
      const act = send(token);
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
      await expectRefusal(act, { code: 'ERR_VERIFY_KEYS_UNAVAILABLE', status: 503, lines, token });
    });

    it('gives up on a JWKS that sends its headers and then drips the body, after 3 s in all', async () => {
      // Prepare
      jwks.respond((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"keys":[');
      });
      jest.useFakeTimers({
        doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'Date', 'hrtime', 'performance', 'setInterval', 'clearInterval'],
      });
      const { send, lines } = keyVerifier(jwksOptions());
      const token = await mintSigned(es);
      const before = jwks.requests.length;

      // Act
      const act = send(token);
      await until(() => jwks.requests.length > before);
      jest.advanceTimersByTime(3_000);

      // Assess
      await expectRefusal(act, { code: 'ERR_VERIFY_KEYS_UNAVAILABLE', status: 503, lines, token });
    });

    it('answers at once, with Retry-After, for the 30 s cooldown after a failed fetch, then fetches again', async () => {
      // Prepare
      jwks.respond((_req, res) => res.writeHead(500).end());
      const { send, lines, clock } = keyVerifier(jwksOptions());
      await send(await mintSigned(es)).catch(() => undefined);
      const before = jwks.requests.length;

      // Act
      const token = await mintSigned(es);
      lines.length = 0;
      clock.set(NOW_MS + 29_000);
      const refused = await send(token).catch((e: VerifyError) => e);
      const duringBackoff = jwks.requests.length - before;
      jwks.serve([es.jwk]);
      clock.set(NOW_MS + 30_000);
      const at = (NOW_MS + 30_000) / 1000;
      const verified = await send(await mintSigned(es, { claims: { iat: at, nbf: at, exp: at + 30 } }));

      // Assess
      expect(refused).toMatchObject({ code: 'ERR_VERIFY_KEYS_UNAVAILABLE', status: 503, headers: { 'retry-after': '1' } });
      expect(duringBackoff).toBe(0);
      expect(verified.mode).toBe('jwt');
      expect(jwks.requests.length - before).toBe(1);
    });

    it('serves the keys it holds while the JWKS is down, and stops using them 10 min after loading them', async () => {
      // Prepare
      const { send, lines, clock } = keyVerifier(jwksOptions());
      await send(await mintSigned(es));
      jwks.respond((_req, res) => res.writeHead(503).end());
      clock.set(NOW_MS + 9 * 60_000);
      const stale = (NOW_MS + 9 * 60_000) / 1000;
      const servedStale = await send(await mintSigned(es, { claims: { iat: stale, nbf: stale, exp: stale + 30 } }));
      expect(servedStale.mode).toBe('jwt');
      clock.set(NOW_MS + 10 * 60_000);
      const later = (NOW_MS + 10 * 60_000) / 1000;
      const token = await mintSigned(es, { claims: { iat: later, nbf: later, exp: later + 30 } });

      // Act
      const act = send(token);

      // Assess
      await expectRefusal(act, { code: 'ERR_VERIFY_KEYS_UNAVAILABLE', status: 503, lines, token });
    });

    it('keeps verifying known kids when a refetch for an unknown kid fails', async () => {
      // Prepare
      const { send, lines, clock } = keyVerifier(jwksOptions());
      await send(await mintSigned(es));
      jwks.respond((_req, res) => res.writeHead(500).end());
      clock.set(NOW_MS + 30_000);
      const at = (NOW_MS + 30_000) / 1000;
      const unknown = await mintSigned(appKey('ES256', 'es-9'), { claims: { iat: at, nbf: at, exp: at + 30 } });

      // Act
      await expectRefusal(send(unknown), { code: 'ERR_VERIFY_SIGNATURE', status: 401, lines, token: unknown });
      const known = await send(await mintSigned(es, { claims: { iat: at, nbf: at, exp: at + 30 } }));

      // Assess
      expect(known.mode).toBe('jwt');
    });
  });
});
