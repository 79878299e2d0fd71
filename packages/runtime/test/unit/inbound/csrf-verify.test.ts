/** CsrfGuard.verify: the forged-request catalogue, each refused with its code and no secret in answer or logs. */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { InboundError } from '../../../../protocol/src/errors.js';
import { createCsrfGuard, type CsrfGuardOptions } from '../../../src/inbound/csrf.js';
import { captureLogger } from '../../../../../test/helpers/http-recorder.js';

const SECRET = randomBytes(32).toString('base64url');
const COOKIE = '__Host-tessera-csrf';
const BINDING = JSON.stringify(['acme-1', 'user-7']);
const OTHER_BINDING = JSON.stringify(['acme-1', 'user-8']);
/** 2026-11-22T12:00:00Z. */
const NOW_MS = Date.UTC(2026, 10, 22, 12, 0, 0);

interface Request {
  method?: string;
  headers?: Record<string, string>;
  cookies?: string[];
  version?: string;
}

function event({ method = 'POST', headers = {}, cookies, version = '2.0' }: Request): APIGatewayProxyEventV2 {
  return {
    version,
    routeKey: '$default',
    rawPath: '/addNote',
    rawQueryString: '',
    headers,
    ...(cookies ? { cookies } : {}),
    isBase64Encoded: false,
    requestContext: { http: { method, path: '/addNote', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' } },
  } as unknown as APIGatewayProxyEventV2;
}

function setup(overrides: Partial<CsrfGuardOptions> = {}) {
  let nowMs = NOW_MS;
  const { logger, lines } = captureLogger();
  const guard = createCsrfGuard({ secret: SECRET, now: () => nowMs, logger, ...overrides });
  return { guard, lines, logger, advanceSec: (sec: number) => (nowMs += sec * 1000) };
}

/** The cookie's `name=value` pair as a browser sends it back. */
const cookiePair = (setCookie: string): string => setCookie.split(';')[0] as string;
const cookieValueOf = (setCookie: string): string => cookiePair(setCookie).slice(COOKIE.length + 1);

describe('createCsrfGuard', () => {
  describe('verify', () => {
    describe('refusals', () => {
      interface Attack {
        name: string;
        /** Builds the forged request from a genuine issue for BINDING; may move the clock or use other guards. */
        forge: (genuine: { token: string; setCookie: string }, ctx: ReturnType<typeof setup>) => APIGatewayProxyEventV2;
        reason: string;
      }
      const attacks: Attack[] = [
        { name: 'the X-CSRF-Token header is missing', forge: (g) => event({ cookies: [cookiePair(g.setCookie)] }), reason: 'header missing' },
        {
          name: 'the header is empty',
          forge: (g) => event({ headers: { 'x-csrf-token': ' ' }, cookies: [cookiePair(g.setCookie)] }),
          reason: 'header missing',
        },
        { name: 'the cookie is missing', forge: (g) => event({ headers: { 'x-csrf-token': g.token } }), reason: 'cookie missing' },
        {
          name: 'the header carries another token',
          forge: (g, ctx) => event({ headers: { 'x-csrf-token': ctx.guard.issue(BINDING).token }, cookies: [cookiePair(g.setCookie)] }),
          reason: 'header and cookie differ',
        },
        {
          name: 'the header is sent twice (joined by API Gateway)',
          forge: (g) => event({ headers: { 'x-csrf-token': `${g.token},${g.token}` }, cookies: [cookiePair(g.setCookie)] }),
          reason: 'header malformed',
        },
        {
          name: 'the pair was issued to another session',
          forge: (_g, ctx) => {
            const planted = ctx.guard.issue(OTHER_BINDING);
            return event({ headers: { 'x-csrf-token': planted.token }, cookies: [cookiePair(planted.setCookie)] });
          },
          reason: 'signature invalid for this session',
        },
        {
          name: 'the pair was signed with another secret',
          forge: () => {
            const foreign = createCsrfGuard({ secret: randomBytes(32).toString('hex'), now: () => NOW_MS }).issue(BINDING);
            return event({ headers: { 'x-csrf-token': foreign.token }, cookies: [cookiePair(foreign.setCookie)] });
          },
          reason: 'signature invalid for this session',
        },
        {
          name: 'the HMAC is tampered with',
          forge: (g) => {
            const [token, expiry, mac] = cookieValueOf(g.setCookie).split('.') as [string, string, string];
            const flipped = `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
            return event({ headers: { 'x-csrf-token': g.token }, cookies: [`${COOKIE}=${token}.${expiry}.${flipped}`] });
          },
          reason: 'signature invalid for this session',
        },
        {
          name: 'the expiry is pushed later',
          forge: (g) => {
            const [token, expiry, mac] = cookieValueOf(g.setCookie).split('.') as [string, string, string];
            return event({ headers: { 'x-csrf-token': g.token }, cookies: [`${COOKIE}=${token}.${Number(expiry) + 86_400}.${mac}`] });
          },
          reason: 'signature invalid for this session',
        },
        {
          name: 'the token has expired',
          forge: (g, ctx) => {
            ctx.advanceSec(7200);
            return event({ headers: { 'x-csrf-token': g.token }, cookies: [cookiePair(g.setCookie)] });
          },
          reason: 'expired',
        },
        {
          name: 'the cookie lacks the __Host- prefix (planted from a subdomain)',
          forge: (g) => event({ headers: { 'x-csrf-token': g.token }, cookies: [`tessera-csrf=${cookieValueOf(g.setCookie)}`] }),
          reason: 'cookie missing',
        },
        {
          name: 'the cookie name differs in case',
          forge: (g) => event({ headers: { 'x-csrf-token': g.token }, cookies: [`__host-tessera-csrf=${cookieValueOf(g.setCookie)}`] }),
          reason: 'cookie missing',
        },
        {
          name: 'a second, different cookie of the same name is added',
          forge: (g, ctx) =>
            event({ headers: { 'x-csrf-token': g.token }, cookies: [cookiePair(g.setCookie), cookiePair(ctx.guard.issue(BINDING).setCookie)] }),
          reason: 'cookie sent twice',
        },
        {
          name: 'the cookie holds only the bare token (unsigned double-submit)',
          forge: (g) => event({ headers: { 'x-csrf-token': g.token }, cookies: [`${COOKIE}=${g.token}`] }),
          reason: 'cookie malformed',
        },
        {
          name: 'the request is a lower-case "post" with no token',
          forge: (g) => event({ method: 'post', cookies: [cookiePair(g.setCookie)] }),
          reason: 'header missing',
        },
      ];

      it.each(attacks)('refuses when $name', ({ forge, reason }) => {
        // Prepare
        const ctx = setup();
        const genuine = ctx.guard.issue(BINDING);
        const request = forge(genuine, ctx);
        // Act
        let caught: unknown;
        try {
          ctx.guard.verify(request, BINDING);
        } catch (err) {
          caught = err;
        }
        // Assess
        expect(caught).toBeInstanceOf(InboundError);
        const err = caught as InboundError;
        expect(err.code).toBe('ERR_CSRF_INVALID');
        expect(err.status).toBe(400);
        expect(err.cause).toBe(reason);
        const response = err.toResponse();
        expect(response.statusCode).toBe(400);
        expect(JSON.parse(response.body)).toEqual({ error: { code: 'ERR_CSRF_INVALID', message: 'CSRF token missing or invalid' } });
        // As the runtime logs a refusal, besides the guard's own record.
        ctx.logger.log('warn', 'function.refused', { code: err.code, cause: err.cause });
        const everything = [response.body, JSON.stringify(response.headers), ...ctx.lines].join('\n');
        for (const secret of [SECRET, genuine.token, cookieValueOf(genuine.setCookie)]) expect(everything).not.toContain(secret);
        expect(ctx.lines.some((l) => JSON.parse(l).event === 'csrf.refused' && JSON.parse(l).reason === reason)).toBe(true);
      });

      it.each(['PUT', 'PATCH', 'DELETE', 'OPTIONS'])('requires a token for %s', (method) => {
        // Prepare
        const { guard } = setup();
        // Act
        const act = () => guard.verify(event({ method }), BINDING);
        // Assess
        expect(act).toThrow(expect.objectContaining({ code: 'ERR_CSRF_INVALID', status: 400 }));
      });
    });

    describe('acceptance', () => {
      it.each(['GET', 'HEAD', 'get'])('lets the safe method %s through with no token or cookie', (method) => {
        // Prepare
        const { guard } = setup();
        // Act
        const act = () => guard.verify(event({ method }), BINDING);
        // Assess
        expect(act).not.toThrow();
      });

      it('accepts the header and cookie it issued to the same session, from the cookies array', () => {
        // Prepare
        const { guard, lines } = setup();
        const { token, setCookie } = guard.issue(BINDING);
        // Act
        const act = () => guard.verify(event({ headers: { 'x-csrf-token': token }, cookies: ['theme=dark', cookiePair(setCookie)] }), BINDING);
        // Assess
        expect(act).not.toThrow();
        expect(lines).toEqual([]);
      });

      it('accepts the cookie from a Cookie header among others', () => {
        // Prepare
        const { guard } = setup();
        const { token, setCookie } = guard.issue(BINDING);
        const headers = { 'x-csrf-token': token, cookie: `theme=dark; ${cookiePair(setCookie)}; lang=en` };
        // Act
        const act = () => guard.verify(event({ headers }), BINDING);
        // Assess
        expect(act).not.toThrow();
      });

      it('accepts the same cookie sent both in the array and the header (serverless-offline)', () => {
        // Prepare
        const { guard } = setup();
        const { token, setCookie } = guard.issue(BINDING);
        const headers = { 'x-csrf-token': token, cookie: cookiePair(setCookie) };
        // Act
        const act = () => guard.verify(event({ headers, cookies: [cookiePair(setCookie)] }), BINDING);
        // Assess
        expect(act).not.toThrow();
      });

      it('reads mixed-case header names in a payload 1.0 event', () => {
        // Prepare
        const { guard } = setup();
        const { token, setCookie } = guard.issue(BINDING);
        const headers = { 'X-CSRF-Token': token, Cookie: cookiePair(setCookie) };
        // Act
        const act = () => guard.verify(event({ version: '1.0', headers }), BINDING);
        // Assess
        expect(act).not.toThrow();
      });

      it('accepts a token one second before it expires, and reuses it within its lifetime', () => {
        // Prepare
        const { guard, advanceSec } = setup();
        const { token, setCookie } = guard.issue(BINDING);
        const request = event({ headers: { 'x-csrf-token': token }, cookies: [cookiePair(setCookie)] });
        // Act
        guard.verify(request, BINDING);
        advanceSec(7199);
        const act = () => guard.verify(request, BINDING);
        // Assess
        expect(act).not.toThrow();
      });
    });

    describe('option: tokenLifetimeSec', () => {
      it('refuses a token signed under a longer lifetime than the one now configured', () => {
        // Prepare
        const long = setup({ tokenLifetimeSec: 86_400 });
        const { token, setCookie } = long.guard.issue(BINDING);
        const short = setup({ tokenLifetimeSec: 600 });
        // Act
        const act = () => short.guard.verify(event({ headers: { 'x-csrf-token': token }, cookies: [cookiePair(setCookie)] }), BINDING);
        // Assess
        expect(act).toThrow(expect.objectContaining({ code: 'ERR_CSRF_INVALID', cause: 'lifetime over the configured one' }));
      });
    });
  });
});
