/** createBasicGuard: options, accepted credentials, and the malformed or wrong ones refused with a challenge. */
import { randomBytes } from 'node:crypto';
import { InboundError, TesseraError } from '../../../../protocol/src/errors.js';
import { createBasicGuard, type BasicGuardOptions, type BasicUsers } from '../../../src/inbound/basic.js';
import { captureLogger } from '../../../../../test/helpers/http-recorder.js';

const PASSWORD = randomBytes(24).toString('base64url');
const USERS: BasicUsers = { backend: PASSWORD, 'jobs-runner': randomBytes(24).toString('base64url') };
const REALM = 'order-lookup';
const CHALLENGE = 'Basic realm="order-lookup", charset="UTF-8"';

const basic = (credentials: string | Buffer): string => `Basic ${Buffer.from(credentials).toString('base64')}`;

function setup(overrides: Partial<BasicGuardOptions> = {}) {
  const { logger, lines } = captureLogger();
  const guard = createBasicGuard({ users: () => USERS, realm: REALM, now: () => Date.UTC(2026, 10, 22, 12), logger, ...overrides });
  return { guard, logger, lines };
}

/** The refusal as the runtime answers and logs it: code, status, challenge, and no credential anywhere. */
async function expectBasicRefusal(run: Promise<unknown>, ctx: ReturnType<typeof setup>, header: string | undefined): Promise<InboundError> {
  const err = await run.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InboundError);
  const refusal = err as InboundError;
  expect(refusal.code).toBe('ERR_BASIC_INVALID');
  expect(refusal.status).toBe(401);
  const response = refusal.toResponse({ vary: 'Origin' });
  expect(response.statusCode).toBe(401);
  expect(response.headers['www-authenticate']).toBe(CHALLENGE);
  expect(response.headers.vary).toBe('Origin');
  expect(JSON.parse(response.body)).toEqual({ error: { code: 'ERR_BASIC_INVALID', message: 'Credentials invalid' } });
  ctx.logger.log('warn', 'function.refused', { code: refusal.code, cause: refusal.cause });
  const everything = [response.body, JSON.stringify(response.headers), ...ctx.lines].join('\n');
  for (const secret of [PASSWORD, ...Object.values(USERS)]) expect(everything).not.toContain(secret);
  if (header !== undefined && header.length > 6) expect(everything).not.toContain(header.slice(6));
  expect(ctx.lines.some((l) => JSON.parse(l).event === 'basic.refused')).toBe(true);
  return refusal;
}

describe('createBasicGuard', () => {
  describe('options', () => {
    it.each<[string, Record<string, unknown>, RegExp]>([
      ['no users', { users: undefined }, /users/],
      ['users as a plain object', { users: USERS }, /users/],
      ['no realm', { realm: undefined }, /realm/],
      ['an empty realm', { realm: '' }, /realm/],
      ['a realm with a quote', { realm: 'a"b' }, /realm/],
      ['a realm with a line break', { realm: 'a\r\nSet-Cookie: x=y' }, /realm/],
      ['maxFailuresPerMinute 0', { maxFailuresPerMinute: 0 }, /maxFailuresPerMinute/],
      ['maxFailuresPerMinute 2.5', { maxFailuresPerMinute: 2.5 }, /maxFailuresPerMinute/],
      ['maxTrackedUsers 0', { maxTrackedUsers: 0 }, /maxTrackedUsers/],
      ['an unknown option (typo)', { maxFailurePerMinute: 5 }, /unknown option "maxFailurePerMinute"/],
    ])('throws TypeError at construction for %s', (_name, overrides, message) => {
      // Prepare
      const options = { users: () => USERS, realm: REALM, ...overrides } as unknown as BasicGuardOptions;
      // Act
      const act = () => createBasicGuard(options);
      // Assess
      expect(act).toThrow(TypeError);
      expect(act).toThrow(message);
    });
  });

  describe('verify', () => {
    it('accepts a known user with the right password', async () => {
      // Prepare
      const { guard, lines } = setup();
      // Act
      const result = await guard.verify(basic(`backend:${PASSWORD}`));
      // Assess
      expect(result).toEqual({ user: 'backend' });
      expect(lines).toEqual([]);
    });

    it.each([['basic'], ['BASIC'], ['bAsIc']])('matches the scheme %s case-insensitively', async (scheme) => {
      // Prepare
      const { guard } = setup();
      // Act
      const result = await guard.verify(`${scheme} ${Buffer.from(`backend:${PASSWORD}`).toString('base64')}`);
      // Assess
      expect(result.user).toBe('backend');
    });

    it('keeps colons after the first one in the password (RFC 7617 §2)', async () => {
      // Prepare
      const { guard } = setup({ users: () => ({ svc: 'pa:ss:word-with-colons-0123456789' }) });
      // Act
      const result = await guard.verify(basic('svc:pa:ss:word-with-colons-0123456789'));
      // Assess
      expect(result.user).toBe('svc');
    });

    it('compares UTF-8 names and passwords after NFC normalisation', async () => {
      // Prepare
      const { guard } = setup({ users: () => ({ zoë: 'pässwörd-0123456789' }) });
      // Act
      const result = await guard.verify(basic('zoe\u0308:pa\u0308sswo\u0308rd-0123456789'));
      // Assess
      expect(result.user).toBe('zoë');
    });

    it('reads users on every check, so a rotated password applies at once', async () => {
      // Prepare
      let users: BasicUsers = { backend: 'old-password-0123456789' };
      const ctx = setup({ users: async () => users });
      await ctx.guard.verify(basic('backend:old-password-0123456789'));
      users = { backend: PASSWORD };
      // Act
      const old = ctx.guard.verify(basic('backend:old-password-0123456789'));
      // Assess
      await expectBasicRefusal(old, ctx, undefined);
      await expect(ctx.guard.verify(basic(`backend:${PASSWORD}`))).resolves.toEqual({ user: 'backend' });
    });

    describe('refusals', () => {
      const attacks: [string, () => string | undefined, string][] = [
        ['a wrong password', () => basic(`backend:${PASSWORD}x`), 'user or password wrong'],
        ['another user’s password', () => basic(`jobs-runner:${PASSWORD}`), 'user or password wrong'],
        ['an unknown user with a real password', () => basic(`admin:${PASSWORD}`), 'user or password wrong'],
        ['the user name in another case', () => basic(`Backend:${PASSWORD}`), 'user or password wrong'],
        ['an empty password', () => basic('backend:'), 'user or password wrong'],
        ['no header', () => undefined, 'header missing'],
        ['a blank header', () => '   ', 'header missing'],
        [
          'a Bearer token',
          () => `Bearer ${Buffer.from(`backend:${PASSWORD}`).toString('base64')}`,
          'not the Basic scheme with one base64 credential',
        ],
        ['the scheme alone', () => 'Basic', 'not the Basic scheme with one base64 credential'],
        ['two credentials', () => `${basic(`backend:${PASSWORD}`)}, ${basic('a:b')}`, 'not the Basic scheme with one base64 credential'],
        [
          'base64url instead of base64',
          () => `Basic ${Buffer.from('backend:??>>??>>').toString('base64url')}`,
          'not the Basic scheme with one base64 credential',
        ],
        ['base64 without its padding', () => `Basic ${Buffer.from('backend:xy').toString('base64').replace(/=+$/, '')}`, 'base64 malformed'],
        ['non-canonical base64 bits', () => 'Basic YWI6Yx==', 'base64 malformed'],
        ['bytes that are not UTF-8', () => basic(Buffer.from([0x61, 0x3a, 0xff, 0xfe])), 'not UTF-8'],
        ['no colon', () => basic(`backend${PASSWORD}`), 'no colon'],
        ['an empty user', () => basic(`:${PASSWORD}`), 'empty user'],
        ['a NUL in the password', () => basic(`backend:${PASSWORD}\u0000`), 'control character'],
        ['a line break in the user', () => basic(`back\nend:${PASSWORD}`), 'control character'],
        ['a DEL in the user', () => basic(`backend\u007f:${PASSWORD}`), 'control character'],
        ['a header over 8 KiB', () => basic(`backend:${'x'.repeat(8 * 1024)}`), 'header over 8 KiB'],
      ];

      it.each(attacks)('refuses %s with 401 and WWW-Authenticate', async (_name, header, reason) => {
        // Prepare
        const ctx = setup();
        const sent = header();
        // Act
        const run = ctx.guard.verify(sent);
        // Assess
        const refusal = await expectBasicRefusal(run, ctx, sent);
        expect(refusal.cause).toBe(reason);
      });

      it('never matches a configured user whose password is empty', async () => {
        // Prepare
        const ctx = setup({ users: () => ({ open: '' }) });
        // Act
        const run = ctx.guard.verify(basic('open:'));
        // Assess
        await expectBasicRefusal(run, ctx, undefined);
      });

      it('answers 500 ERR_INTERNAL without the foreign message when the users source fails', async () => {
        // Prepare
        const ctx = setup({ users: () => Promise.reject(new Error(`could not parse ${PASSWORD}`)) });
        // Act
        const run = ctx.guard.verify(basic(`backend:${PASSWORD}`));
        // Assess
        const err = await run.catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TesseraError);
        expect(err).toMatchObject({ code: 'ERR_INTERNAL', status: 500 });
        expect(JSON.stringify([(err as TesseraError).toResponse(), (err as TesseraError).cause])).not.toContain(PASSWORD);
      });

      it('answers 500 ERR_INTERNAL when the users source gives a non-string password', async () => {
        // Prepare
        const ctx = setup({ users: () => ({ backend: 42 }) as unknown as BasicUsers });
        // Act
        const run = ctx.guard.verify(basic('backend:42'));
        // Assess
        await expect(run).rejects.toMatchObject({ code: 'ERR_INTERNAL', status: 500 });
      });
    });
  });
});
