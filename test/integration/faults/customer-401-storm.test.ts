/**
 * A customer server answering 401 to everything, hundreds of times, to a real function reading its iparams from a
 * real ssm-local: every call is refused with 502 ERR_OUTBOUND_REFUSED, none relays the body, and the refusals cost
 * at most one SSM read per installation per `refreshMinIntervalMs` (5 s) on top of the first read.
 */
import { HOSTILE_MARKER, startHostileCustomer, type HostileCustomer } from '../../helpers/hostile-customer.js';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';
import { callEvent, callFunction, errorOf, install, SECRET } from './customer-fixture.js';

jest.setTimeout(30_000);

/** The reader's default, which `createApp` keeps. */
const REFRESH_MIN_INTERVAL_MS = 5_000;
const CALLS = 500;
const CONCURRENCY = 20;
/** The app's clock moves on this much per batch, so the storm spans 12.5 s of app time without sleeping. */
const STEP_MS = 500;

let ssm: LocalSsm;
let hostile: HostileCustomer;

beforeAll(async () => {
  ssm = await startLocalSsm();
  hostile = await startHostileCustomer();
});
afterAll(async () => {
  await hostile.close();
  await ssm.stop();
});

describe('a 401 storm', () => {
  describe.each(['jwt', 'shared-secret'] as const)('(%s)', (mode) => {
    it.each([
      ["the verifier's ERR_VERIFY_SECRET", '/unauthorized', true],
      ['a body that is not the verifier’s', '/unauthorized-text', false],
    ])('answered with %s costs at most 1 + window / 5 s SSM reads', async (_body, path, refreshes) => {
      // Prepare: a cold app on a clock the test moves
      await install(ssm, hostile.origin, [hostile.host], mode);
      let nowMs = Date.parse('2026-12-01T00:00:00Z');
      const startMs = nowMs;
      const { fn, lines, reads } = callFunction(ssm, [hostile.host], () => nowMs);
      const before = hostile.requests.length;
      // Act
      const answers = [];
      for (let sent = 0; sent < CALLS; sent += CONCURRENCY) {
        answers.push(...(await Promise.all(Array.from({ length: CONCURRENCY }, () => fn(callEvent(path))))));
        nowMs += STEP_MS;
      }
      const windowMs = nowMs - startMs;
      // Assess
      const bound = 1 + Math.floor(windowMs / REFRESH_MIN_INTERVAL_MS);
      expect(answers.map((a) => `${a.statusCode} ${errorOf(a).code}`)).toEqual(Array(CALLS).fill('502 ERR_OUTBOUND_REFUSED'));
      expect(reads()).toBeLessThanOrEqual(bound);
      // Only the verifier's refusal asks for a re-read, and then the rate limit, not a lucky cache, bounds it.
      expect(reads()).toBe(refreshes ? bound : 1);
      // The secret did not change, so no call was sent twice.
      expect(hostile.requests.length - before).toBe(CALLS);
      const all = `${answers.map((a) => String(a.body)).join('\n')}\n${lines.join('\n')}`;
      expect(all).not.toContain(HOSTILE_MARKER);
      expect(all).not.toContain(SECRET);
    });
  });
});
