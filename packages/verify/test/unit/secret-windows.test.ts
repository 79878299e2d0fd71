/** Rotation windows: a previous secret with a notAfter matches until then and never after, in both secret modes. */
import { createVerifier, type VerifierOptions } from '../../src/index.js';
import {
  ALL_SECRETS,
  APP_ID,
  CURRENT_SECRET,
  NOW_MS,
  ORIGIN,
  PREVIOUS_SECRET,
  REQUEST,
  bearer,
  capturedLogger,
  expectRefusal,
  frozenClock,
  mintToken,
} from './_helpers.js';

/** The grace window closes one hour after the frozen "now". */
const NOT_AFTER_MS = NOW_MS + 3_600_000;
const NOT_AFTER_ISO = new Date(NOT_AFTER_MS).toISOString();

type Mode = 'shared-secret' | 'jwt';

function setup(mode: Mode, secrets: VerifierOptions['secrets']) {
  const { logger, lines } = capturedLogger();
  const clock = frozenClock();
  const verifier = createVerifier({
    mode,
    secrets,
    publicOrigin: ORIGIN,
    logger,
    now: clock.now,
    ...(mode === 'jwt' ? { issuer: APP_ID } : {}),
  } as VerifierOptions);
  /** A request carrying `secret`: as the header, or as the key of an HS256 token issued at the clock's time. */
  const send = async (secret: string) => {
    const nowSec = Math.floor(clock.now() / 1000);
    const headers =
      mode === 'shared-secret'
        ? { 'x-tessera-secret': secret }
        : bearer(await mintToken({ secret, claims: { iat: nowSec, nbf: nowSec, exp: nowSec + 30 } }));
    return verifier.verify({ ...REQUEST, headers });
  };
  return { send, lines, clock };
}

const refusalOf: Record<Mode, 'ERR_VERIFY_SECRET' | 'ERR_VERIFY_SIGNATURE'> = {
  'shared-secret': 'ERR_VERIFY_SECRET',
  jwt: 'ERR_VERIFY_SIGNATURE',
};

describe('createVerifier', () => {
  describe.each<Mode>(['shared-secret', 'jwt'])('option: secrets with notAfter, mode %s', (mode) => {
    it('accepts the previous secret up to and including its notAfter', async () => {
      // Prepare
      const { send, clock, lines } = setup(mode, [CURRENT_SECRET, { secret: PREVIOUS_SECRET, notAfter: NOT_AFTER_ISO }]);
      clock.set(NOT_AFTER_MS);

      // Act
      const verified = await send(PREVIOUS_SECRET);

      // Assess
      expect(verified.mode).toBe(mode);
      expect(lines).toHaveLength(0);
    });

    it('refuses the previous secret once its notAfter has passed, and says why in the log only', async () => {
      // Prepare
      const { send, clock, lines } = setup(mode, [CURRENT_SECRET, { secret: PREVIOUS_SECRET, notAfter: new Date(NOT_AFTER_MS) }]);
      clock.set(NOT_AFTER_MS + 1);

      // Act
      const act = send(PREVIOUS_SECRET);

      // Assess
      const refusal = await expectRefusal(act, { code: refusalOf[mode], status: 401, lines });
      expect(refusal.reason).toMatch(/past its notAfter/);
      expect(refusal.message).not.toMatch(/notAfter/);
    });

    it('keeps accepting the current secret after the window closed', async () => {
      // Prepare
      const { send, clock } = setup(mode, [CURRENT_SECRET, { secret: PREVIOUS_SECRET, notAfter: NOT_AFTER_ISO }]);
      clock.set(NOT_AFTER_MS + 86_400_000);

      // Act
      const verified = await send(CURRENT_SECRET);

      // Assess
      expect(verified.mode).toBe(mode);
    });

    it('logs once that the previous secret expired, with its position and notAfter, never its value', async () => {
      // Prepare
      const { send, clock, lines } = setup(mode, [CURRENT_SECRET, { secret: PREVIOUS_SECRET, notAfter: NOT_AFTER_ISO }]);
      clock.set(NOT_AFTER_MS + 1);

      // Act
      await send(CURRENT_SECRET);
      await send(CURRENT_SECRET);

      // Assess
      const expired = lines.map((l) => JSON.parse(l)).filter((r) => r.event === 'verify.secret_expired');
      expect(expired).toEqual([
        expect.objectContaining({ level: 'warn', mode, index: 1, notAfter: NOT_AFTER_ISO, message: 'the previous secret is past its notAfter' }),
      ]);
      for (const secret of ALL_SECRETS) expect(lines.join('\n')).not.toContain(secret);
    });

    it('refuses a stranger as before, without blaming a closed window', async () => {
      // Prepare
      const { send, clock, lines } = setup(mode, [CURRENT_SECRET, { secret: PREVIOUS_SECRET, notAfter: NOT_AFTER_ISO }]);
      clock.set(NOT_AFTER_MS + 1);

      // Act
      const act = send(ALL_SECRETS[2] as string);

      // Assess
      const refusal = await expectRefusal(act, { code: refusalOf[mode], status: 401, lines });
      expect(refusal.reason).not.toMatch(/notAfter/);
    });
  });

  describe('option: secrets, window entries', () => {
    const jwt = { mode: 'jwt', issuer: APP_ID, publicOrigin: ORIGIN, now: () => NOW_MS } as const;

    it.each<[string, unknown[], RegExp]>([
      [
        'a notAfter without a time zone',
        [CURRENT_SECRET, { secret: PREVIOUS_SECRET, notAfter: '2026-12-01T00:00:00' }],
        /notAfter" must be a Date or an ISO 8601/,
      ],
      ['a notAfter that is a date only', [CURRENT_SECRET, { secret: PREVIOUS_SECRET, notAfter: '2026-12-01' }], /ISO 8601/],
      ['an invalid Date', [CURRENT_SECRET, { secret: PREVIOUS_SECRET, notAfter: new Date('nope') }], /ISO 8601/],
      ['a notAfter in epoch milliseconds', [CURRENT_SECRET, { secret: PREVIOUS_SECRET, notAfter: NOT_AFTER_MS }], /ISO 8601/],
      ['an entry with a misspelt key', [CURRENT_SECRET, { secret: PREVIOUS_SECRET, notafter: NOT_AFTER_ISO }], /unknown key "notafter"/],
      ['an entry without its secret', [CURRENT_SECRET, { notAfter: NOT_AFTER_ISO }], /secrets\[1\]" must be a string of at least 32 bytes/],
      ['an entry with a short secret', [{ secret: 'short', notAfter: NOT_AFTER_ISO }], /secrets\[0\]"/],
      ['only secrets whose windows have closed', [{ secret: PREVIOUS_SECRET, notAfter: new Date(NOW_MS - 1) }], /past its notAfter/],
    ])('throws a TypeError for %s', (_name, secrets, message) => {
      // Prepare
      const options = { ...jwt, secrets } as unknown as VerifierOptions;

      // Act
      let thrown: unknown;
      try {
        createVerifier(options);
      } catch (err) {
        thrown = err;
      }

      // Assess
      expect(thrown).toBeInstanceOf(TypeError);
      expect((thrown as Error).message).toMatch(message);
      for (const secret of ALL_SECRETS) expect((thrown as Error).message).not.toContain(secret);
    });

    it('reads an ISO date-time with an offset and fractional seconds to the millisecond', async () => {
      // Prepare: 13:00:00.500+01:00 is 500 ms after the frozen now
      const clock = frozenClock();
      const { logger, lines } = capturedLogger();
      const verifier = createVerifier({
        ...jwt,
        now: clock.now,
        logger,
        secrets: [CURRENT_SECRET, { secret: PREVIOUS_SECRET, notAfter: '2026-11-22T13:00:00.500+01:00' }],
      });
      const send = async () => verifier.verify({ ...REQUEST, headers: bearer(await mintToken({ secret: PREVIOUS_SECRET })) });

      // Act
      clock.set(NOW_MS + 500);
      const atTheEdge = await send();
      clock.set(NOW_MS + 501);
      const after = send();

      // Assess
      expect(atTheEdge.mode).toBe('jwt');
      await expectRefusal(after, { code: 'ERR_VERIFY_SIGNATURE', status: 401, lines });
    });
  });
});
