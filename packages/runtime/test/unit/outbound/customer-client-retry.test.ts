/** The customer client's one retry after the verifier refuses its credential, and everything it must not do. */
import { createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { decodeJwt, jwtVerify } from 'jose';
import type { OutboundError } from '../../../../protocol/src/errors.js';
import {
  createCustomerClient,
  CustomerHttpError,
  type CustomerAuthConfig,
  type CustomerClientOptions,
  type OnAuthRejected,
} from '../../../src/outbound/index.js';
import { captureLogger, startRecorder, type Recorder } from '../../../../../test/helpers/http-recorder.js';

const OLD = 'retry-Old-secret-0123456789abcdef0123456789abc';
const NEW = 'retry-New-secret-fedcba9876543210fedcba98765432';
const CUSTOMER_BODY_MARKER = 'customer-internal-detail-7f3a';
let server: Recorder;

beforeEach(async () => {
  server = await startRecorder();
});
afterEach(() => server.close());

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const refusal = (code: string) => ({ error: { code, message: `refused ${CUSTOMER_BODY_MARKER}` } });

/** Answers 401 with `code` to every credential but the one made with `accepted`. */
function acceptOnly(accepted: string, code = 'ERR_VERIFY_SIGNATURE'): void {
  server.respond((req, res) => {
    const auth = String(req.headers.authorization ?? '');
    const presented = String(req.headers['x-tessera-secret'] ?? '');
    const ok = presented === accepted || (auth.startsWith('Bearer ') && verifiesWith(auth.slice(7), accepted));
    if (ok) answer(res, 200, { ok: true });
    else answer(res, 401, refusal(code));
  });
}

/** Synchronous HS256 check for the test server (the real verifier is exercised in the integration tests). */
function verifiesWith(token: string, secret: string): boolean {
  const [h, p, sig] = token.split('.');
  return createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url') === sig;
}

function setup(overrides: Partial<CustomerClientOptions> & { hook?: OnAuthRejected } = {}) {
  const log = captureLogger();
  const calls: { code: string }[] = [];
  const { hook, ...rest } = overrides;
  const onAuthRejected: OnAuthRejected =
    hook ??
    (async (rejection) => {
      calls.push(rejection);
      return { mode: 'jwt', alg: 'HS256', secret: NEW };
    });
  const client = createCustomerClient({
    baseUrl: `${server.origin}/api`,
    allowedHosts: [`127.0.0.1:${server.port}`],
    auth: { mode: 'jwt', alg: 'HS256', secret: OLD },
    appId: 'order-lookup',
    installationId: 'acme',
    offline: true,
    logger: log.logger,
    onAuthRejected,
    ...rest,
  });
  return { client, calls, lines: log.lines };
}

describe('option: onAuthRejected', () => {
  it.each(['ERR_VERIFY_SIGNATURE', 'ERR_VERIFY_SECRET'])(
    'retries a POST once after a 401 %s, freshly signed with the returned secret over the same body bytes',
    async (code) => {
      // Prepare
      acceptOnly(NEW, code);
      const { client, calls, lines } = setup();
      // Act
      const res = await client.post('/orders', { item: 'x', qty: 2 });
      // Assess
      expect(res.status).toBe(200);
      expect(calls).toEqual([{ code }]);
      const [first, retry] = server.requests;
      expect(server.requests).toHaveLength(2);
      expect(retry!.body.equals(first!.body)).toBe(true);
      const token = String(retry!.headers.authorization).slice(7);
      const { payload } = await jwtVerify(token, new TextEncoder().encode(NEW), { algorithms: ['HS256'] });
      expect(payload.jti).not.toBe(decodeJwt(String(first!.headers.authorization).slice(7)).jti);
      expect(payload).toMatchObject({ htm: 'POST', sub: 'acme' });
      expect(lines.join('\n')).toContain('"event":"outbound.auth_rejected"');
      expect(lines.join('\n')).not.toContain(OLD);
      expect(lines.join('\n')).not.toContain(NEW);
      expect(lines.join('\n')).not.toContain(CUSTOMER_BODY_MARKER);
    },
  );

  it('sends the new secret in shared-secret mode, and the refused one is not carried into the retry', async () => {
    // Prepare
    acceptOnly(NEW, 'ERR_VERIFY_SECRET');
    const { client } = setup({
      auth: { mode: 'shared-secret', secret: OLD, header: 'X-Old-Header' },
      hook: async () => ({ mode: 'shared-secret', secret: NEW }),
    });
    // Act
    const res = await client.get('/orders/1');
    // Assess
    expect(res.status).toBe(200);
    expect(server.requests[0]!.headers['x-old-header']).toBe(OLD);
    expect(server.requests[1]!.headers['x-tessera-secret']).toBe(NEW);
    expect(server.requests[1]!.headers).not.toHaveProperty('x-old-header');
  });

  it('retries at most once per call: a second refusal is the answer', async () => {
    // Prepare
    acceptOnly('neither-of-them');
    const { client, calls } = setup();
    // Act
    const err = (await client.post('/orders', { a: 1 }).catch((e: unknown) => e)) as CustomerHttpError;
    // Assess
    expect(err).toBeInstanceOf(CustomerHttpError);
    expect(err.code).toBe('ERR_OUTBOUND_REFUSED');
    expect(err.status).toBe(502);
    expect(err.upstreamStatus).toBe(401);
    expect(calls).toHaveLength(1);
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry when the hook has nothing newer', async () => {
    acceptOnly(NEW);
    const { client } = setup({ hook: async () => undefined });
    const err = (await client.get('/orders/1').catch((e: unknown) => e)) as CustomerHttpError;
    expect(err.upstreamStatus).toBe(401);
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ['another verifier code', 401, refusal('ERR_VERIFY_EXPIRED')],
    ['a 403 with a credential code', 403, refusal('ERR_VERIFY_SIGNATURE')],
    ['a 401 that is not JSON', 401, 'ERR_VERIFY_SIGNATURE'],
    ['a 401 with the code elsewhere', 401, { code: 'ERR_VERIFY_SIGNATURE' }],
    ['a 401 over 1 KiB', 401, { ...refusal('ERR_VERIFY_SIGNATURE'), pad: 'x'.repeat(1024) }],
  ])('does not call the hook for %s', async (_what, status, body) => {
    // Prepare
    server.respond((_req, res) => answer(res, status, body));
    const { client, calls } = setup();
    // Act
    const err = (await client.get('/orders/1').catch((e: unknown) => e)) as CustomerHttpError;
    // Assess
    expect(err.upstreamStatus).toBe(status);
    expect(calls).toHaveLength(0);
    expect(server.requests).toHaveLength(1);
  });

  it('never relays the customer body, on the first refusal or the second', async () => {
    acceptOnly('neither-of-them');
    const { client } = setup();
    const err = (await client.get('/orders/1').catch((e: unknown) => e)) as OutboundError;
    expect(JSON.stringify(err.toJSON()) + err.message + String(err.cause ?? '')).not.toContain(CUSTOMER_BODY_MARKER);
  });

  it('answers with the 401 when the hook fails, and logs its code but nothing it carried', async () => {
    // Prepare
    acceptOnly(NEW);
    const failing: OnAuthRejected = async () => {
      throw Object.assign(new Error(`store said ${NEW}`), { code: 'ERR_STORE_UNAVAILABLE' });
    };
    const { client, lines } = setup({ hook: failing });
    // Act
    const err = (await client.get('/orders/1').catch((e: unknown) => e)) as CustomerHttpError;
    // Assess
    expect(err.upstreamStatus).toBe(401);
    expect(server.requests).toHaveLength(1);
    expect(lines.join('\n')).toContain('"event":"outbound.auth_refresh_failed"');
    expect(lines.join('\n')).toContain('ERR_STORE_UNAVAILABLE');
    expect(lines.join('\n')).not.toContain(NEW);
  });

  it('does not retry with credentials the client would refuse at construction', async () => {
    acceptOnly(NEW);
    const { client } = setup({ hook: async () => ({ mode: 'jwt', alg: 'HS256', secret: 'too-short' }) as CustomerAuthConfig });
    const err = (await client.get('/orders/1').catch((e: unknown) => e)) as CustomerHttpError;
    expect(err.upstreamStatus).toBe(401);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps its own credentials for the next call: the retry credentials are for that call only', async () => {
    acceptOnly(NEW);
    const { client, calls } = setup();
    await client.get('/orders/1');
    await client.get('/orders/2');
    expect(calls).toHaveLength(2);
    expect(server.requests).toHaveLength(4);
  });

  it('without the option, a credential refusal is answered as before, with one request', async () => {
    acceptOnly(NEW);
    const { client } = setup({ onAuthRejected: undefined });
    const err = (await client.get('/orders/1').catch((e: unknown) => e)) as CustomerHttpError;
    expect(err.upstreamStatus).toBe(401);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps the retry inside the deadline of the call: a hook answering after it sends nothing more', async () => {
    // Prepare
    acceptOnly(NEW);
    const { client } = setup({
      timeoutMs: 100,
      hook: () => new Promise((r) => setTimeout(() => r({ mode: 'jwt', alg: 'HS256', secret: NEW }), 200)),
    });
    // Act
    const err = (await client.get('/orders/1').catch((e: unknown) => e)) as OutboundError;
    // Assess
    expect(err.code).toBe('ERR_OUTBOUND_TIMEOUT');
    expect(server.requests).toHaveLength(1);
  });

  it('fails the call at its deadline while the hook still runs, and sends nothing more when it answers', async () => {
    // Prepare
    acceptOnly(NEW);
    let hookDone = false;
    const { client } = setup({
      timeoutMs: 100,
      hook: () =>
        new Promise((r) =>
          setTimeout(() => {
            hookDone = true;
            r({ mode: 'jwt', alg: 'HS256', secret: NEW });
          }, 1_000),
        ),
    });
    // Act
    const err = (await client.get('/orders/1').catch((e: unknown) => e)) as OutboundError;
    const doneWhenRefused = hookDone;
    await new Promise((r) => setTimeout(r, 1_100));
    // Assess
    expect(err.code).toBe('ERR_OUTBOUND_TIMEOUT');
    expect(doneWhenRefused).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects an onAuthRejected that is not a function at construction', () => {
    expect(() => setup({ onAuthRejected: 'refresh' as unknown as OnAuthRejected })).toThrow(TypeError);
  });
});
