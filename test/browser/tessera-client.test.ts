/** The product page's browser client (demo/product/tessera-client.js) against a scripted fetch: session caching,
 *  request shapes, errors by code, and the CSRF and expired-session retries. */
// @ts-expect-error plain browser JavaScript without type declarations
import { createTesseraClient } from '../../demo/product/tessera-client.js';

type Call = { url: string; init: { method?: string; headers?: Record<string, string>; body?: string; credentials?: string } };
type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

/** A fetch that answers from a queue and records every call. */
function scriptedFetch(answers: Answer[]) {
  const calls: Call[] = [];
  const fetch = async (url: string, init: Call['init'] = {}) => {
    calls.push({ url, init });
    const a = answers.shift();
    if (a === undefined) throw new TypeError('Failed to fetch');
    return new Response(a.body === undefined ? null : JSON.stringify(a.body), { status: a.status, headers: a.headers });
  };
  return { calls, fetch };
}

// Only a URL: every test injects its own fetch, and `.test` names never resolve (RFC 6761), so no port is touched.
const FUNCTIONS = 'http://functions.test';
const session = (token: string) => ({ status: 200, body: { token, expiresInSec: 300 } });

describe('createTesseraClient', () => {
  describe('invoke', () => {
    it('calls a GET function with a query and the session as a Bearer token', async () => {
      // Prepare
      const { calls, fetch } = scriptedFetch([session('t1'), { status: 200, body: { order: { id: '1001' } } }]);
      const client = createTesseraClient({ functionsUrl: FUNCTIONS, fetch });
      // Act
      const result = await client.invoke('getOrder', { id: '1001' });
      // Assess
      expect(result).toEqual({ order: { id: '1001' } });
      expect(calls[0]).toMatchObject({ url: '/session', init: { method: 'POST' } });
      expect(calls[1]!.url).toBe(`${FUNCTIONS}/getOrder?id=1001`);
      expect(calls[1]!.init).toMatchObject({ method: 'GET', headers: { authorization: 'Bearer t1' }, credentials: 'omit' });
    });

    it('posts JSON to a POST function and reuses the cached session', async () => {
      // Prepare
      const { calls, fetch } = scriptedFetch([session('t1'), { status: 200, body: {} }, { status: 201, body: { ok: true } }]);
      const client = createTesseraClient({ functionsUrl: FUNCTIONS, fetch });
      // Act
      await client.invoke('getOrder', { id: '1' });
      await client.invoke('addNote', { orderId: '1', text: 'hi' });
      // Assess
      expect(calls.filter((c) => c.url === '/session')).toHaveLength(1);
      expect(calls[2]!.init).toMatchObject({ method: 'POST', body: '{"orderId":"1","text":"hi"}', headers: { 'content-type': 'application/json' } });
    });

    it('renews the session when it is within 30 s of expiry', async () => {
      // Prepare
      let nowMs = 0;
      const { calls, fetch } = scriptedFetch([session('t1'), { status: 200, body: {} }, session('t2'), { status: 200, body: {} }]);
      const client = createTesseraClient({ functionsUrl: FUNCTIONS, fetch, now: () => nowMs });
      await client.invoke('getOrder', { id: '1' });
      // Act
      nowMs = 271_000;
      await client.invoke('getOrder', { id: '1' });
      // Assess
      expect(calls[3]!.init.headers!.authorization).toBe('Bearer t2');
    });

    it.each([
      [
        'a function refusal',
        { status: 403, body: { error: { code: 'ERR_SCOPE_MISSING', message: 'Session lacks a required scope' } } },
        'ERR_SCOPE_MISSING',
        403,
      ],
      ['an app error', { status: 404, body: { error: { code: 'ORDER_NOT_FOUND', message: 'No such order' } } }, 'ORDER_NOT_FOUND', 404],
      ['a body that is not an error', { status: 502, body: 'upstream exploded' }, 'ERR_HTTP', 502],
    ])('rejects %s with an Error carrying its code and status', async (_, answer, code, status) => {
      // Prepare
      const { fetch } = scriptedFetch([session('t1'), answer]);
      const client = createTesseraClient({ functionsUrl: FUNCTIONS, fetch });
      // Act
      const err = await client.invoke('getOrder', { id: '1' }).catch((e: unknown) => e);
      // Assess
      expect(err).toMatchObject({ code, status });
      expect(String((err as Error).message)).not.toContain('t1');
    });

    it('rejects with ERR_NETWORK when the browser gives no answer (a CORS refusal looks the same)', async () => {
      // Prepare
      const { fetch } = scriptedFetch([session('t1')]);
      const client = createTesseraClient({ functionsUrl: FUNCTIONS, fetch });
      // Act
      const err = await client.invoke('getOrder', { id: '1' }).catch((e: unknown) => e);
      // Assess
      expect(err).toMatchObject({ code: 'ERR_NETWORK', status: 0 });
    });
  });

  describe('hook: ERR_CSRF_INVALID', () => {
    it('fetches a CSRF token with credentials and retries once with X-CSRF-Token', async () => {
      // Prepare
      const { calls, fetch } = scriptedFetch([
        session('t1'),
        { status: 400, body: { error: { code: 'ERR_CSRF_INVALID', message: 'CSRF token missing or invalid' } } },
        { status: 200, body: { token: 'c1' } },
        { status: 201, body: { ok: true } },
      ]);
      const client = createTesseraClient({ functionsUrl: FUNCTIONS, fetch });
      // Act
      const result = await client.invoke('addNote', { orderId: '1', text: 'x' });
      // Assess
      expect(result).toEqual({ ok: true });
      expect(calls[2]).toMatchObject({
        url: `${FUNCTIONS}/csrf`,
        init: { method: 'GET', credentials: 'include', headers: { authorization: 'Bearer t1' } },
      });
      expect(calls[3]!.init).toMatchObject({ credentials: 'include', headers: { 'x-csrf-token': 'c1', authorization: 'Bearer t1' } });
    });

    it('does not loop: a second ERR_CSRF_INVALID is the answer', async () => {
      // Prepare
      const refusal = { status: 400, body: { error: { code: 'ERR_CSRF_INVALID', message: 'CSRF token missing or invalid' } } };
      const { calls, fetch } = scriptedFetch([session('t1'), refusal, { status: 200, body: { token: 'c1' } }, refusal]);
      const client = createTesseraClient({ functionsUrl: FUNCTIONS, fetch });
      // Act
      const err = await client.invoke('addNote', { orderId: '1', text: 'x' }).catch((e: unknown) => e);
      // Assess
      expect(err).toMatchObject({ code: 'ERR_CSRF_INVALID', status: 400 });
      expect(calls).toHaveLength(4);
    });
  });

  describe('hook: ERR_SESSION_EXPIRED', () => {
    it('drops the cached session, gets a new one and retries once', async () => {
      // Prepare
      const { calls, fetch } = scriptedFetch([
        session('t1'),
        { status: 401, body: { error: { code: 'ERR_SESSION_EXPIRED', message: 'Session token expired' } } },
        session('t2'),
        { status: 200, body: { ok: 1 } },
      ]);
      const client = createTesseraClient({ functionsUrl: FUNCTIONS, fetch });
      // Act
      await client.invoke('getOrder', { id: '1' });
      // Assess
      expect(calls[3]!.init.headers!.authorization).toBe('Bearer t2');
    });
  });
});
