/** Two verifier processes sharing one redis-server under a bounded mixed load, and through a Redis crash and restart. */
import Redis from 'ioredis';
import { type CrashMarks, type Fleet, inOutage, runThroughRedisCrash, startFleet, waitUntilAccepting } from './_fleet.js';
import { acceptancesByJti, createMinter, MixedTokens, QueuedTokens, runLoad, type Shot, type ShotKind } from './_load.js';
import { findLeaks } from '../../helpers/leak-scan.js';

const REQUESTS_PER_SERVER = 1_500;
/** Kinds whose refusal comes from the replay store: the token itself verifies. */
const STORE_KINDS: ReadonlySet<ShotKind> = new Set(['fresh', 'replay', 'race']);

let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet({ store: 'redis', verifiers: 2, persistence: 'aof-always' });
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
});

/** The shots of each jti the fleet could accept, in the order they were sent. */
function shotsByJti(shots: readonly Shot[]): Map<string, Shot[]> {
  const byJti = new Map<string, Shot[]>();
  for (const shot of shots) if (STORE_KINDS.has(shot.kind)) byJti.set(shot.jti, [...(byJti.get(shot.jti) ?? []), shot]);
  return byJti;
}

/** Answers as `status code`, so a failing assertion names the codes and no token. */
const answerOf = (shot: Shot) => `${shot.status ?? 'unanswered'} ${shot.code ?? ''}`.trim();

/** Nothing of the fleet's secret, a token or a jti in any refusal the shots met, nor in the verifiers' logs since. */
function expectNothingLeaked(shots: Shot[], secret: string, logs: string): void {
  const secrets = [
    { name: 'the fleet secret', value: secret },
    ...shots.flatMap((s) => [
      { name: `token ${s.jti}`, value: s.token },
      { name: `jti ${s.jti}`, value: s.jti },
    ]),
  ];
  const refusals = shots.map((s) => s.refusal ?? '').join('\n');
  expect([...findLeaks(refusals, 'refusals', secrets), ...findLeaks(logs, 'logs', secrets)]).toEqual([]);
}

describe('a verifier fleet sharing one Redis', () => {
  describe('under a mixed load of fresh, replayed, raced, expired and forged tokens', () => {
    it('accepts every fresh token exactly once across both servers and refuses every other use as replayed', async () => {
      // Prepare
      const mix = new MixedTokens(createMinter(fleet.secret), { seed: 1 });

      // Act
      const run = await runLoad(mix, { ports: fleet.ports, requestsPerTarget: REQUESTS_PER_SERVER });

      // Assess
      expect({ errors: run.errors, timeouts: run.timeouts }).toEqual({ errors: 0, timeouts: 0 });
      expect(mix.shots.filter((s) => s.status === undefined).length).toBe(0);
      const byJti = shotsByJti(mix.shots);
      const wrong = [...byJti.values()]
        .map((shots) => shots.map(answerOf))
        .filter((answers) => answers.filter((a) => a === '200').length !== 1 || answers.some((a) => a !== '200' && a !== '401 ERR_VERIFY_REPLAYED'));
      expect(wrong).toEqual([]);
      const acceptedAt = new Map(mix.shots.filter((s) => s.status === 200).map((s) => [s.jti, s.target]));
      const replays = mix.shots.filter((s) => s.kind === 'replay');
      expect(replays.filter((s) => s.target !== acceptedAt.get(s.jti)).length).toBeGreaterThan(50);
      expect(mix.shots.filter((s) => s.kind === 'race').length).toBeGreaterThan(20);
      expect(byJti.size).toBeGreaterThan(2_000);
    }, 60_000);

    it('refuses expired tokens with ERR_VERIFY_EXPIRED and forged ones with ERR_VERIFY_SIGNATURE, leaking no token to the logs', async () => {
      // Prepare
      const mix = new MixedTokens(createMinter(fleet.secret), { seed: 2, shares: { replay: 0.1, race: 0, expired: 0.3, forged: 0.3 } });
      const logged = fleet.verifiers.map((v) => v.output.length);

      // Act
      await runLoad(mix, { ports: fleet.ports, requestsPerTarget: 500 });

      // Assess
      const answersOf = (kind: ShotKind) => new Set(mix.shots.filter((s) => s.kind === kind).map(answerOf));
      expect(answersOf('expired')).toEqual(new Set(['401 ERR_VERIFY_EXPIRED']));
      expect(answersOf('forged')).toEqual(new Set(['401 ERR_VERIFY_SIGNATURE']));
      const logs = fleet.verifiers.map((v, i) => v.output.slice(logged[i]).join('')).join('');
      expect(logs.match(/"code":"ERR_VERIFY_(EXPIRED|SIGNATURE)"/g)?.length).toBeGreaterThan(500);
      expect(logs).not.toContain(fleet.secret);
      expect(logs).not.toMatch(/eyJ[\w-]{8}/);
      const jtis = new Set(mix.shots.map((s) => s.jti));
      expect((logs.match(/[\w-]{22,}/g) ?? []).filter((word) => jtis.has(word))).toEqual([]);
    }, 60_000);
  });

  describe('when Redis is out of memory under maxmemory-policy noeviction', () => {
    it('answers 503 ERR_REPLAY_STORE_UNAVAILABLE instead of accepting, and drops no live entry', async () => {
      // Prepare
      const mint = createMinter(fleet.secret);
      const before = new MixedTokens(mint, { shares: { replay: 0, race: 0, expired: 0, forged: 0 } });
      await runLoad(before, { ports: fleet.ports, requestsPerTarget: 50 });
      const admin = new Redis({ host: '127.0.0.1', port: fleet.redis?.port as number, lazyConnect: true });
      await admin.connect();
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      await admin.config('SET', 'maxmemory', '1');

      // Act
      const freshWhileFull = new QueuedTokens(
        Array.from({ length: 20 }, () => mint('fresh')),
        'fresh',
      );
      await runLoad(freshWhileFull, { ports: fleet.ports, requestsPerTarget: 20 });
      const replaysWhileFull = new QueuedTokens(before.shots, 'replay');
      await runLoad(replaysWhileFull, { ports: fleet.ports, requestsPerTarget: before.shots.length });
      await admin.config('SET', 'maxmemory', '0');
      admin.disconnect();
      const replaysAfter = new QueuedTokens(before.shots, 'replay');
      await runLoad(replaysAfter, { ports: fleet.ports, requestsPerTarget: before.shots.length });

      // Assess
      expect(new Set(before.shots.map(answerOf))).toEqual(new Set(['200']));
      expect(new Set(freshWhileFull.shots.map(answerOf))).toEqual(new Set(['503 ERR_REPLAY_STORE_UNAVAILABLE']));
      expect(new Set(replaysWhileFull.shots.map(answerOf))).toEqual(new Set(['503 ERR_REPLAY_STORE_UNAVAILABLE']));
      expect(new Set(replaysAfter.shots.map(answerOf))).toEqual(new Set(['401 ERR_VERIFY_REPLAYED']));
      expect(replaysAfter.shots.length).toBe(200);
      expectNothingLeaked([...freshWhileFull.shots, ...replaysWhileFull.shots], fleet.secret, fleet.verifiers.map((v) => v.output.join('')).join(''));
    }, 30_000);
  });

  describe('when Redis is killed mid-run and restarted on the same port and data', () => {
    /** Redis is killed once this many answers have come back. */
    const KILL_AFTER_ANSWERS = 600;
    /** It comes back once the fleet has refused this many requests for want of it. */
    const OUTAGE_REFUSALS = 60;
    const mint = () => createMinter(fleet.secret);
    let marks: CrashMarks;
    let during: MixedTokens;
    let sweep: QueuedTokens;
    let retried: QueuedTokens;
    let fresh: MixedTokens;

    // One run, then three follow-ups that read its outcome: the tests below assert on each.
    beforeAll(async () => {
      during = new MixedTokens(mint(), { seed: 3 });
      ({ marks } = await runThroughRedisCrash(fleet, during, {
        requestsPerTarget: REQUESTS_PER_SERVER,
        killAfterAnswers: KILL_AFTER_ANSWERS,
        outageRefusals: OUTAGE_REFUSALS,
      }));
      await waitUntilAccepting(fleet.ports, mint());
      // Every token the run got accepted, replayed to both servers once Redis is back from its append-only file.
      const accepted = during.shots.filter((s) => s.status === 200);
      sweep = new QueuedTokens(accepted, 'replay');
      await runLoad(sweep, { ports: fleet.ports, requestsPerTarget: accepted.length });
      // What a client does with a 503: retry the same token later.
      const acceptedJtis = new Set(accepted.map((s) => s.jti));
      const unavailable = [...new Map(during.shots.filter((s) => s.status === 503 && !acceptedJtis.has(s.jti)).map((s) => [s.jti, s])).values()];
      retried = new QueuedTokens(unavailable, 'replay');
      await runLoad(retried, { ports: fleet.ports, requestsPerTarget: unavailable.length });
      fresh = new MixedTokens(mint(), { seed: 4, shares: { replay: 0, race: 0, expired: 0, forged: 0 } });
      await runLoad(fresh, { ports: fleet.ports, requestsPerTarget: 300 });
    }, 60_000);

    it('answers 503 ERR_REPLAY_STORE_UNAVAILABLE with Retry-After while Redis is down, and never accepts a token', () => {
      // Assess
      const down = inOutage(during.shots, marks);
      expect(marks.outageRefusals).toBeGreaterThanOrEqual(OUTAGE_REFUSALS);
      expect(down.length).toBeGreaterThanOrEqual(OUTAGE_REFUSALS);
      const storeAnswers = new Set(down.filter((s) => STORE_KINDS.has(s.kind)).map((s) => `${answerOf(s)}, Retry-After ${s.retryAfter}`));
      expect(storeAnswers).toEqual(new Set(['503 ERR_REPLAY_STORE_UNAVAILABLE, Retry-After 5']));
      // Expired and forged tokens are refused before the replay store is asked.
      const otherAnswers = new Set(down.filter((s) => !STORE_KINDS.has(s.kind)).map(answerOf));
      expect([...otherAnswers].filter((a) => !/^401 ERR_VERIFY_(EXPIRED|SIGNATURE)$/.test(a))).toEqual([]);
      expectNothingLeaked(down, fleet.secret, fleet.verifiers.map((v) => v.output.join('')).join(''));
    });

    it('answers every request, and never accepts a token twice, before, during or after the outage', () => {
      // Assess
      const all = [during, sweep, retried, fresh].flatMap((load) => load.shots);
      expect(all.filter((s) => s.status === undefined).length).toBe(0);
      const answers = new Set(all.filter((s) => STORE_KINDS.has(s.kind)).map(answerOf));
      expect([...answers].sort()).toEqual(['200', '401 ERR_VERIFY_REPLAYED', '503 ERR_REPLAY_STORE_UNAVAILABLE']);
      const twice = [...acceptancesByJti(all).values()].filter((n) => n > 1);
      expect(twice).toEqual([]);
    });

    it('still refuses as replayed, after the restart, every token accepted before the outage', () => {
      // Assess
      const before = new Set(during.shots.filter((s) => s.status === 200 && (s.answeredAtMs as number) < marks.killedAtMs).map((s) => s.jti));
      expect(before.size).toBeGreaterThan(200);
      const replays = sweep.shots.filter((s) => before.has(s.jti));
      expect(replays.length).toBe(before.size * 2);
      expect(new Set(replays.map(answerOf))).toEqual(new Set(['401 ERR_VERIFY_REPLAYED']));
      expect(new Set(sweep.shots.map(answerOf))).toEqual(new Set(['401 ERR_VERIFY_REPLAYED']));
    });

    it('accepts fresh tokens again after the restart, and a token refused with 503 at most once when retried', () => {
      // Assess
      expect(new Set(fresh.shots.map(answerOf))).toEqual(new Set(['200']));
      expect(fresh.shots.length).toBe(600);
      expect(retried.shots.length).toBeGreaterThan(0);
      const retriedAnswers = [...shotsByJti(retried.shots).values()].map((shots) => shots.map(answerOf).sort().join(', '));
      // Both answers refused only where Redis applied a SET whose reply the crash lost: fail closed, never twice open.
      const allowed = new Set(['200, 401 ERR_VERIFY_REPLAYED', '401 ERR_VERIFY_REPLAYED, 401 ERR_VERIFY_REPLAYED']);
      expect(retriedAnswers.filter((a) => !allowed.has(a))).toEqual([]);
      expect(retriedAnswers).toContain('200, 401 ERR_VERIFY_REPLAYED');
    });
  });
});
