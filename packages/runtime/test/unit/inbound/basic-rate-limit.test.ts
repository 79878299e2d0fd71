/** createBasicGuard's failure limit: 10 bad attempts per minute per user, then 429 with Retry-After, in bounded memory. */
import { randomBytes } from 'node:crypto';
import { InboundError } from '../../../../protocol/src/errors.js';
import { createBasicGuard, type BasicGuardOptions } from '../../../src/inbound/basic.js';
import { captureLogger } from '../../../../../test/helpers/http-recorder.js';

const PASSWORD = randomBytes(24).toString('base64url');
const OTHER_PASSWORD = randomBytes(24).toString('base64url');
const NOW_MS = Date.UTC(2026, 10, 22, 12, 0, 0);

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function setup(overrides: Partial<BasicGuardOptions> = {}) {
  let nowMs = NOW_MS;
  const { logger, lines } = captureLogger();
  const guard = createBasicGuard({
    users: () => ({ backend: PASSWORD, other: OTHER_PASSWORD }),
    realm: 'orders',
    now: () => nowMs,
    logger,
    ...overrides,
  });
  return { guard, logger, lines, advanceSec: (sec: number) => (nowMs += sec * 1000) };
}

async function failTimes(guard: ReturnType<typeof setup>['guard'], user: string, times: number): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 0; i < times; i++) {
    codes.push(
      await guard.verify(basic(user, `wrong-${i}`)).then(
        () => 'OK',
        (e: InboundError) => e.code,
      ),
    );
  }
  return codes;
}

async function refusalOf(run: Promise<unknown>): Promise<InboundError> {
  const err = await run.then(
    () => new Error('expected a refusal'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InboundError);
  return err as InboundError;
}

describe('createBasicGuard', () => {
  describe('option: maxFailuresPerMinute', () => {
    it('answers 401 to the first 10 bad attempts and 429 to the 11th within a minute', async () => {
      // Prepare
      const { guard, advanceSec } = setup();
      // Act
      const first = await failTimes(guard, 'backend', 9);
      advanceSec(50);
      const rest = await failTimes(guard, 'backend', 2);
      // Assess
      expect([...first, ...rest]).toEqual([...Array(10).fill('ERR_BASIC_INVALID'), 'ERR_RATE_LIMITED']);
    });

    it('refuses even the right password with 429, Retry-After and no secret while the user is limited', async () => {
      // Prepare
      const ctx = setup();
      await failTimes(ctx.guard, 'backend', 10);
      ctx.advanceSec(15);
      // Act
      const err = await refusalOf(ctx.guard.verify(basic('backend', PASSWORD)));
      // Assess
      expect(err.code).toBe('ERR_RATE_LIMITED');
      expect(err.status).toBe(429);
      const response = err.toResponse({ vary: 'Origin' });
      expect(response.statusCode).toBe(429);
      expect(response.headers['retry-after']).toBe('45');
      expect(response.headers.vary).toBe('Origin');
      expect(JSON.parse(response.body)).toEqual({ error: { code: 'ERR_RATE_LIMITED', message: 'Too many attempts' } });
      ctx.logger.log('warn', 'function.refused', { code: err.code, cause: err.cause });
      const everything = [response.body, JSON.stringify(response.headers), ...ctx.lines].join('\n');
      expect(everything).not.toContain(PASSWORD);
      expect(everything).not.toContain(Buffer.from(`backend:${PASSWORD}`).toString('base64'));
      expect(ctx.lines.some((l) => JSON.parse(l).event === 'basic.rate_limited')).toBe(true);
    });

    it('recovers once the oldest failure is a minute old', async () => {
      // Prepare
      const { guard, advanceSec } = setup();
      await failTimes(guard, 'backend', 10);
      advanceSec(59);
      await expect(guard.verify(basic('backend', PASSWORD))).rejects.toMatchObject({ code: 'ERR_RATE_LIMITED' });
      advanceSec(1);
      // Act
      const result = await guard.verify(basic('backend', PASSWORD));
      // Assess
      expect(result).toEqual({ user: 'backend' });
    });

    it('does not count 429 answers, so a patient caller is not locked out for longer', async () => {
      // Prepare
      const { guard, advanceSec } = setup();
      await failTimes(guard, 'backend', 10);
      // Act
      for (let i = 0; i < 30; i++) {
        advanceSec(1);
        await guard.verify(basic('backend', 'still-wrong')).catch(() => undefined);
      }
      advanceSec(30);
      // Assess
      await expect(guard.verify(basic('backend', PASSWORD))).resolves.toEqual({ user: 'backend' });
    });

    it('counts per user: another user is not limited', async () => {
      // Prepare
      const { guard } = setup();
      await failTimes(guard, 'backend', 10);
      // Act
      const result = await guard.verify(basic('other', OTHER_PASSWORD));
      // Assess
      expect(result).toEqual({ user: 'other' });
    });

    it('limits guesses at an unknown user the same way', async () => {
      // Prepare
      const { guard } = setup();
      // Act
      const codes = await failTimes(guard, 'nobody', 11);
      // Assess
      expect(codes.at(-1)).toBe('ERR_RATE_LIMITED');
    });

    it('forgets earlier failures after a success', async () => {
      // Prepare
      const { guard } = setup();
      await failTimes(guard, 'backend', 9);
      await guard.verify(basic('backend', PASSWORD));
      // Act
      const codes = await failTimes(guard, 'backend', 10);
      // Assess
      expect(codes).toEqual(Array(10).fill('ERR_BASIC_INVALID'));
    });

    it('honours a configured limit of 3', async () => {
      // Prepare
      const { guard } = setup({ maxFailuresPerMinute: 3 });
      // Act
      const codes = await failTimes(guard, 'backend', 4);
      // Assess
      expect(codes).toEqual(['ERR_BASIC_INVALID', 'ERR_BASIC_INVALID', 'ERR_BASIC_INVALID', 'ERR_RATE_LIMITED']);
    });
  });

  describe('option: maxTrackedUsers', () => {
    it('forgets the least recently failing user first when the cap is reached', async () => {
      // Prepare
      const { guard } = setup({ maxTrackedUsers: 2, maxFailuresPerMinute: 1 });
      await failTimes(guard, 'backend', 1);
      await failTimes(guard, 'a', 1);
      // Act
      await failTimes(guard, 'b', 1);
      // Assess
      expect(await failTimes(guard, 'backend', 1)).toEqual(['ERR_BASIC_INVALID']);
      expect(await failTimes(guard, 'b', 1)).toEqual(['ERR_RATE_LIMITED']);
    });
  });
});
