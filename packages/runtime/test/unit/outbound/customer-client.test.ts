import { randomBytes } from 'node:crypto';
import axios from 'axios';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { createCustomerClient, CustomerHttpError, type CustomerClientOptions } from '../../../src/outbound/index.js';
import { OutboundError } from '../../../../protocol/src/errors.js';
import { bodyHash } from '../../../../protocol/src/index.js';
import { captureLogger, startRecorder, type Recorder } from '../../../../../test/helpers/http-recorder.js';

const SECRET = randomBytes(32).toString('base64url');
let server: Recorder;

beforeEach(async () => {
  server = await startRecorder();
});
afterEach(() => server.close());

function client(overrides: Partial<CustomerClientOptions> = {}) {
  return createCustomerClient({
    baseUrl: `${server.origin}/api`,
    allowedHosts: [`127.0.0.1:${server.port}`],
    auth: { mode: 'jwt', alg: 'HS256', secret: SECRET },
    appId: 'order-lookup',
    installationId: 'acme',
    offline: true,
    logger: captureLogger().logger,
    ...overrides,
  });
}

describe('createCustomerClient', () => {
  describe('auth: shared-secret', () => {
    it('sends the secret in the configured header and nothing in Authorization', async () => {
      // Act
      await client({ auth: { mode: 'shared-secret', secret: SECRET, header: 'X-Acme-Key' } }).get('/orders/1');
      // Assess
      const [req] = server.requests;
      expect(req?.headers['x-acme-key']).toBe(SECRET);
      expect(req?.headers.authorization).toBeUndefined();
    });
  });

  describe('auth: jwt HS256', () => {
    it('signs a tessera+jwt bound to the method, URL and exact body bytes', async () => {
      // Act
      await client().post('/orders/1/notes?x=1', { text: 'héllo' });
      // Assess
      const req = server.requests[0]!;
      const token = String(req.headers.authorization).replace(/^Bearer /, '');
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'tessera+jwt' });
      const { payload } = await jwtVerify(token, Buffer.from(SECRET), { algorithms: ['HS256'], typ: 'tessera+jwt' });
      expect(payload).toMatchObject({
        iss: 'order-lookup',
        sub: 'acme',
        aud: server.origin,
        htm: 'POST',
        htu: `${server.origin}/api/orders/1/notes?x=1`,
        bh: bodyHash(req.body),
      });
      expect(req.url).toBe('/api/orders/1/notes?x=1');
      expect(payload.exp! - payload.iat!).toBe(30);
      expect(payload.nbf).toBe(payload.iat);
      expect(Buffer.from(String(payload.jti), 'base64url').length).toBeGreaterThanOrEqual(16);
      expect(JSON.parse(req.body.toString('utf8'))).toEqual({ text: 'héllo' });
    });

    it('gives every request a fresh jti', async () => {
      const c = client();
      await c.get('/a');
      await c.get('/a');
      const jtis = await Promise.all(
        server.requests.map(async (r) => {
          const t = String(r.headers.authorization).slice(7);
          return (await jwtVerify(t, Buffer.from(SECRET))).payload.jti;
        }),
      );
      expect(new Set(jtis).size).toBe(2);
    });

    it('cannot be overridden by a header the function passes', async () => {
      await client().get('/a', { Authorization: 'Bearer forged' });
      expect(server.requests[0]?.headers.authorization).not.toContain('forged');
    });
  });

  describe('host allowlist', () => {
    it.each([
      ['an absolute URL to another host', 'https://evil.example.com/x'],
      ['a protocol-relative URL', '//evil.example.com/x'],
      ['an absolute URL on another port', 'http://127.0.0.1:1/x'],
      ['credentials in the URL', 'http://user:pw@127.0.0.1/x'],
    ])('refuses %s before connecting', async (_name, url) => {
      // Act
      const err = await client()
        .get(url)
        .catch((e: unknown) => e);
      // Assess
      expect(err).toBeInstanceOf(OutboundError);
      expect((err as OutboundError).code).toBe('ERR_OUTBOUND_HOST_NOT_ALLOWED');
      expect((err as OutboundError).status).toBe(502);
      expect(server.connections).toBe(0);
    });

    it('keeps a path that starts with a backslash on the base host', async () => {
      await client().get('/\\evil.example.com/x');
      expect(server.requests[0]?.url).toBe('/api/evil.example.com/x'.replace('/evil', '//evil'));
    });

    it('refuses a base URL whose host is not allowed at construction', () => {
      expect(() => client({ baseUrl: 'https://evil.example.com' })).toThrow(OutboundError);
    });

    it('refuses plain HTTP outside offline mode', () => {
      expect(() => client({ offline: false })).toThrow(OutboundError);
    });
  });

  describe('responses', () => {
    it('does not follow a redirect', async () => {
      // Prepare
      server.respond((_req, res) => {
        res.statusCode = 302;
        res.setHeader('location', '/elsewhere');
        res.end();
      });
      // Act
      const err = (await client()
        .get('/a')
        .catch((e: unknown) => e)) as OutboundError;
      // Assess
      expect(err.code).toBe('ERR_OUTBOUND_REDIRECT');
      expect(server.requests).toHaveLength(1);
    });

    it('caps the response size', async () => {
      server.respond((_req, res) => res.end('x'.repeat(4096)));
      const err = (await client({ maxResponseBytes: 1024 })
        .get('/a')
        .catch((e: unknown) => e)) as OutboundError;
      expect(err.code).toBe('ERR_OUTBOUND_RESPONSE_TOO_LARGE');
    });

    it('times out', async () => {
      server.respond(() => undefined);
      const err = (await client({ timeoutMs: 100 })
        .get('/a')
        .catch((e: unknown) => e)) as OutboundError;
      expect(err.code).toBe('ERR_OUTBOUND_TIMEOUT');
      expect(err.status).toBe(504);
    });

    it('times out a body trickled a byte at a time, each gap inside the idle timeout', async () => {
      // Prepare: headers at once, then one byte per 20 ms of a 100-byte body (2 s)
      const timers: NodeJS.Timeout[] = [];
      server.respond((_req, res) => {
        res.writeHead(200, { 'content-length': 100 });
        timers.push(setInterval(() => res.write('x'), 20));
      });
      // Act
      const err = (await client({ timeoutMs: 150 })
        .get('/a')
        .catch((e: unknown) => e)) as OutboundError;
      for (const t of timers) clearInterval(t);
      // Assess
      expect(err.code).toBe('ERR_OUTBOUND_TIMEOUT');
      expect(err.cause).toEqual({ code: 'DEADLINE' });
    });

    it('maps a refusal to CustomerHttpError without keeping its body', async () => {
      server.respond((_req, res) => {
        res.statusCode = 404;
        res.end('internal detail: db=orders-7');
      });
      const err = (await client()
        .get('/a')
        .catch((e: unknown) => e)) as CustomerHttpError;
      expect(err).toBeInstanceOf(CustomerHttpError);
      expect(err.upstreamStatus).toBe(404);
      expect(JSON.stringify(err.toJSON())).not.toContain('orders-7');
    });

    it('parses JSON answers', async () => {
      const res = await client().get<{ ok: boolean }>('/a');
      expect(res).toMatchObject({ status: 200, data: { ok: true } });
    });
  });

  describe('secrecy', () => {
    it.each(['shared-secret', 'jwt'] as const)('never puts the %s credential in an error or a log line', async (mode) => {
      // Prepare
      const { logger, lines } = captureLogger();
      const auth = mode === 'jwt' ? { mode, alg: 'HS256' as const, secret: SECRET } : { mode, secret: SECRET };
      const c = client({ auth, logger, baseUrl: 'http://127.0.0.1:1/', allowedHosts: ['127.0.0.1:1'] });
      // Act
      const err = (await c.get('/a').catch((e: unknown) => e)) as OutboundError;
      // Assess
      expect(err.code).toBe('ERR_OUTBOUND_UNREACHABLE');
      const everything = [JSON.stringify(err), JSON.stringify(err.cause), err.message, String(err.stack), ...lines].join('\n');
      expect(everything).not.toContain(SECRET);
      expect(everything).not.toMatch(/Bearer/);
      expect(lines.length).toBeGreaterThan(0);
    });
  });

  describe('option: http', () => {
    it('sends through the injected axios instance and its adapter', async () => {
      // Prepare
      const seen: string[] = [];
      const http = axios.create({
        adapter: async (config) => {
          seen.push(String(config.url));
          return { data: Buffer.from('{"via":"adapter"}'), status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' }, config };
        },
      });
      // Act
      const res = await client({ http }).get('/orders/1');
      // Assess
      expect(res.data).toEqual({ via: 'adapter' });
      expect(seen).toEqual([`${server.origin}/api/orders/1`]);
      expect(server.connections).toBe(0);
    });
  });

  describe('options', () => {
    it.each([
      ['an unknown key', { retries: 3 }],
      ['a short HS256 secret', { auth: { mode: 'jwt', alg: 'HS256', secret: 'short' } }],
      ['a lifetime over 300 s', { auth: { mode: 'jwt', alg: 'HS256', secret: SECRET, tokenLifetimeSec: 3600 } }],
      ['an unknown mode', { auth: { mode: 'basic', secret: SECRET } }],
    ])('rejects %s with a TypeError', (_name, extra) => {
      expect(() => client(extra as Partial<CustomerClientOptions>)).toThrow(TypeError);
    });
  });
});
