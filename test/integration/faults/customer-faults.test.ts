/**
 * A function calling a customer server that stalls, trickles, floods, resets or redirects, over real sockets, with
 * its iparams in a real ssm-local: each call is refused within the configured timeout with its code, nothing of the
 * customer's body reaches the browser or a log line, the response cap holds while the body streams, and no redirect
 * is followed, so the signed credential never reaches another host.
 */
import { HOSTILE_MARKER, HUGE_BYTES, startHostileCustomer, type HostileCustomer, type HostileRequest } from '../../helpers/hostile-customer.js';
import { startRecorder, type Recorder } from '../../helpers/http-recorder.js';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';
import { callEvent, callFunction, errorOf, install, MAX_RESPONSE_BYTES, SECRET, TIMEOUT_MS } from './customer-fixture.js';

jest.setTimeout(20_000);

/** Generous: the machine is shared. Without a total deadline a trickled body would take about a minute. */
const MARGIN_MS = 2_500;

let ssm: LocalSsm;
let hostile: HostileCustomer;
/** A second, well-behaved server a redirect points at: it must never be reached. */
let elsewhere: Recorder;
let allowedHosts: string[];

beforeAll(async () => {
  ssm = await startLocalSsm();
  hostile = await startHostileCustomer();
  elsewhere = await startRecorder();
  allowedHosts = [hostile.host, `127.0.0.1:${elsewhere.port}`, `localhost:${elsewhere.port}`];
  await install(ssm, hostile.origin, allowedHosts, 'jwt');
});
afterAll(async () => {
  await hostile.close();
  await elsewhere.close();
  await ssm.stop();
});

/** Resolves false if `p` has not settled within `ms`. */
const within = (p: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);

async function call(path: string) {
  const { fn, lines } = callFunction(ssm, allowedHosts);
  const before = hostile.requests.length;
  const started = performance.now();
  const res = await fn(callEvent(path));
  const elapsedMs = performance.now() - started;
  const served = hostile.requests.slice(before);
  // Each call reaches the customer once: no retry, no redirect followed back to it.
  expect(served).toHaveLength(1);
  return { res, lines, elapsedMs, served: served[0] as HostileRequest };
}

describe('a hostile customer server', () => {
  describe.each([
    ['stalls before its headers', '/stall', 'ERR_OUTBOUND_TIMEOUT', 504, true],
    ['trickles its headers', '/trickle-headers', 'ERR_OUTBOUND_TIMEOUT', 504, true],
    ['trickles its body, each byte inside the idle timeout', '/trickle-body', 'ERR_OUTBOUND_TIMEOUT', 504, true],
    ['resets the connection mid-headers', '/reset-headers', 'ERR_OUTBOUND_UNREACHABLE', 502, true],
    ['resets the connection mid-body', '/reset-body', 'ERR_OUTBOUND_UNREACHABLE', 502, true],
    ['answers 50 MB with a Content-Length', '/huge', 'ERR_OUTBOUND_RESPONSE_TOO_LARGE', 502, true],
    ['answers 50 MB chunked', '/huge-chunked', 'ERR_OUTBOUND_RESPONSE_TOO_LARGE', 502, true],
    ['answers a gzip bomb inflating to 50 MB', '/gzip-bomb', 'ERR_OUTBOUND_RESPONSE_TOO_LARGE', 502, true],
    // A whole answer was read: its connection may stay in the keep-alive pool.
    ['answers 401 to everything', '/unauthorized-text', 'ERR_OUTBOUND_REFUSED', 502, false],
  ])('that %s', (_what, path, code, status, abandoned) => {
    it(`is refused with ${status} ${code} within the timeout, and nothing of its body is passed on`, async () => {
      // Act
      const { res, lines, elapsedMs, served } = await call(path);
      // Assess
      expect(res.statusCode).toBe(status);
      expect(errorOf(res).code).toBe(code);
      expect(elapsedMs).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      // An abandoned answer's connection is closed: nothing stays open behind the refused call.
      if (abandoned) expect(await within(served.closed, MARGIN_MS)).toBe(true);
      expect(String(res.body)).not.toContain(HOSTILE_MARKER);
      expect(lines.join('\n')).not.toContain(HOSTILE_MARKER);
      expect(lines.join('\n')).not.toContain(SECRET);
      expect(lines.some((l) => l.includes('"outbound.failed"') || l.includes('"function.refused"'))).toBe(true);
    });
  });

  describe.each(['/huge', '/huge-chunked', '/gzip-bomb'])('answering %s', (path) => {
    it('is cut off once the cap is crossed: neither read nor buffered whole', async () => {
      // Prepare: sample off-heap buffers (where response chunks live) while the call runs
      const baseline = process.memoryUsage().arrayBuffers;
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers);
      }, 1);
      // Act
      const { res, served } = await call(path);
      clearInterval(sampler);
      await served.closed;
      // Assess
      expect(errorOf(res).code).toBe('ERR_OUTBOUND_RESPONSE_TOO_LARGE');
      // Socket buffers on both ends hold a few MB at most; the rest was never sent.
      expect(served.bodyBytesWritten).toBeLessThan(HUGE_BYTES / 4);
      // What the client holds is about the cap (it reads the gzip bomb inflated), loosely bounded.
      expect(peak - baseline).toBeLessThan(8 * MAX_RESPONSE_BYTES);
    });
  });

  describe('redirects', () => {
    const targets: [string, () => string][] = [
      ['another host', () => 'http://evil.example.com/collect'],
      ['an allowed host', () => `${elsewhere.origin}/orders`],
      ['a loopback name', () => `http://localhost:${elsewhere.port}/orders`],
      ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
    ];
    describe.each([301, 302, 303, 307, 308])('a %i', (redirectStatus) => {
      it.each(targets)('to %s is refused with 502 ERR_OUTBOUND_REDIRECT and never followed', async (_to, target) => {
        // Prepare
        const to = target();
        const connectionsBefore = elsewhere.connections;
        // Act
        const { res, lines, served } = await call(`/redirect/${redirectStatus}?to=${encodeURIComponent(to)}`);
        // Assess
        expect(res.statusCode).toBe(502);
        expect(errorOf(res).code).toBe('ERR_OUTBOUND_REDIRECT');
        // The signed token went only to the server that answered 3xx; nothing reached the target.
        expect(served.headers.authorization).toMatch(/^Bearer /);
        expect(elsewhere.connections).toBe(connectionsBefore);
        expect(String(res.body)).not.toContain(HOSTILE_MARKER);
        expect(String(res.body)).not.toContain(new URL(to).host);
        expect(lines.join('\n')).not.toContain(HOSTILE_MARKER);
      });
    });
  });
});
