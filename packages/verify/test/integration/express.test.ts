/** tesseraExpress over a real socket: body capture before and after express.json(), refusals, misconfiguration. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { captureRawBody, tesseraExpress, type TesseraExpressOptions } from '../../src/index.js';
import {
  ALL_SECRETS,
  APP_ID,
  CURRENT_SECRET,
  INSTALLATION_ID,
  ORIGIN,
  PREVIOUS_SECRET,
  REQUEST,
  STRANGER_SECRET,
  bearer,
  capturedLogger,
  frozenClock,
  mintToken,
} from '../unit/_helpers.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

/** What the echo handler answers, or the error body. */
interface Answer {
  tessera?: unknown;
  body?: unknown;
  rawBytes?: number | null;
  error?: { code: string; message: string };
}
const answer = async (res: Response): Promise<Answer> => (await res.json()) as Answer;

type Layout = 'verifier only' | 'verifier then json' | 'json then verifier' | 'json with captureRawBody then verifier';

/** Serves an express app on 127.0.0.1:0 whose handler echoes what the middleware gave it. */
async function serve(layout: Layout, overrides: Partial<TesseraExpressOptions> = {}, mountPath = '/') {
  const { logger, lines } = capturedLogger();
  const options = {
    mode: 'jwt',
    secrets: [CURRENT_SECRET, PREVIOUS_SECRET],
    issuer: APP_ID,
    publicOrigin: ORIGIN,
    logger,
    now: frozenClock().now,
    ...overrides,
  } as TesseraExpressOptions;
  const app = express();
  const verifier = tesseraExpress(options);
  const handled: string[] = [];
  if (layout === 'verifier only') app.use(mountPath, verifier);
  if (layout === 'verifier then json') app.use(mountPath, verifier, express.json());
  if (layout === 'json then verifier') app.use(express.json()).use(mountPath, verifier);
  if (layout === 'json with captureRawBody then verifier') app.use(express.json({ verify: captureRawBody })).use(mountPath, verifier);
  app.all('/{*path}', (req, res) => {
    handled.push(req.originalUrl);
    res.json({ tessera: req.tessera, body: req.body ?? null, rawBytes: req.rawBody?.length ?? null });
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, lines, handled, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const servers: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function started(...args: Parameters<typeof serve>) {
  const s = await serve(...args);
  servers.push(s);
  return s;
}

function expectNothingSecret(text: string, token?: string): void {
  for (const secret of ALL_SECRETS) expect(text).not.toContain(secret);
  if (token) expect(text).not.toContain(token);
}

describe('tesseraExpress', () => {
  describe('mounted before the body parser', () => {
    it.each<Layout>(['verifier only', 'verifier then json'])('verifies and parses the JSON body (%s)', async (layout) => {
      // Prepare
      const { base, lines } = await started(layout);
      const token = await mintToken();

      // Act
      const res = await fetch(base + REQUEST.url, { method: 'POST', headers: { ...bearer(token), ...JSON_HEADERS }, body: REQUEST.body });

      // Assess
      expect(res.status).toBe(200);
      const echoed = await answer(res);
      expect(echoed).toMatchObject({ tessera: { mode: 'jwt', installationId: INSTALLATION_ID }, body: { note: 'call back' } });
      expect(echoed.rawBytes).toBe(REQUEST.body.length);
      expect(lines).toHaveLength(0);
    });

    it('uses the original URL when mounted under a path', async () => {
      // Prepare
      const { base } = await started('verifier only', {}, '/orders');
      const token = await mintToken();

      // Act
      const res = await fetch(base + REQUEST.url, { method: 'POST', headers: bearer(token), body: REQUEST.body });

      // Assess
      expect(res.status).toBe(200);
    });

    it.each([
      ['no token', async () => ({ headers: {} as Record<string, string>, token: '' }), 'ERR_VERIFY_MISSING'],
      [
        'a stranger secret',
        async () => {
          const token = await mintToken({ secret: STRANGER_SECRET });
          return { headers: bearer(token), token };
        },
        'ERR_VERIFY_SIGNATURE',
      ],
      [
        'a token bound to another body',
        async () => {
          const token = await mintToken({ claims: { bh: 'x' } });
          return { headers: bearer(token), token };
        },
        'ERR_VERIFY_BINDING',
      ],
    ])('answers 401 JSON for %s and never reaches the handler', async (_name, build, code) => {
      // Prepare
      const { base, lines, handled } = await started('verifier then json');
      const { headers, token } = await build();

      // Act
      const res = await fetch(base + REQUEST.url, { method: 'POST', headers: { ...headers, ...JSON_HEADERS }, body: REQUEST.body });

      // Assess
      const text = await res.text();
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(text)).toEqual({ error: { code, message: expect.any(String) } });
      expect(handled).toHaveLength(0);
      expectNothingSecret(text + lines.join('\n'), token);
      expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ event: 'verify.refused', code })]);
    });

    it('answers 413 for a body over maxBodyBytes', async () => {
      // Prepare
      const { base, lines, handled } = await started('verifier only', { maxBodyBytes: 1024 });
      const token = await mintToken();

      // Act
      const res = await fetch(base + REQUEST.url, { method: 'POST', headers: bearer(token), body: Buffer.alloc(4096, 'a') });

      // Assess
      expect(res.status).toBe(413);
      expect(await answer(res)).toEqual({ error: { code: 'ERR_BODY_TOO_LARGE', message: expect.any(String) } });
      expect(handled).toHaveLength(0);
      expectNothingSecret(lines.join('\n'), token);
    });

    it('answers 400 for a verified JSON body that does not parse', async () => {
      // Prepare
      const { base } = await started('verifier then json');
      const body = Buffer.from('{not json');
      const token = await mintToken({ claims: { bh: (await import('../../../protocol/src/index.js')).bodyHash(body) } });

      // Act
      const res = await fetch(base + REQUEST.url, { method: 'POST', headers: { ...bearer(token), ...JSON_HEADERS }, body });

      // Assess
      expect(res.status).toBe(400);
      expect((await answer(res)).error?.code).toBe('ERR_BAD_REQUEST');
    });

    it('verifies a shared secret and answers 401 for a wrong one', async () => {
      // Prepare
      const { base, lines } = await started('verifier then json', {
        mode: 'shared-secret',
        issuer: undefined,
        secrets: [CURRENT_SECRET],
      } as Partial<TesseraExpressOptions>);

      // Act
      const good = await fetch(`${base}/ping`, { headers: { 'x-tessera-secret': CURRENT_SECRET } });
      const bad = await fetch(`${base}/ping`, { headers: { 'x-tessera-secret': STRANGER_SECRET } });

      // Assess
      expect(good.status).toBe(200);
      expect((await answer(good)).tessera).toEqual({ mode: 'shared-secret' });
      expect(bad.status).toBe(401);
      const text = await bad.text();
      expect(JSON.parse(text).error.code).toBe('ERR_VERIFY_SECRET');
      expectNothingSecret(text + lines.join('\n'));
    });
  });

  describe('mounted after the body parser', () => {
    it('answers 500 ERR_VERIFY_MISCONFIGURED and logs why when the raw bytes are gone', async () => {
      // Prepare
      const { base, lines, handled } = await started('json then verifier');
      const token = await mintToken();

      // Act
      const res = await fetch(base + REQUEST.url, { method: 'POST', headers: { ...bearer(token), ...JSON_HEADERS }, body: REQUEST.body });

      // Assess
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(JSON.parse(text).error.code).toBe('ERR_VERIFY_MISCONFIGURED');
      expect(handled).toHaveLength(0);
      expect(lines.map((l) => JSON.parse(l))).toEqual([
        expect.objectContaining({ level: 'error', event: 'verify.misconfigured', reason: expect.stringMatching(/captureRawBody/) }),
      ]);
      expectNothingSecret(text + lines.join('\n'), token);
    });

    it('verifies the bytes kept by captureRawBody', async () => {
      // Prepare
      const { base } = await started('json with captureRawBody then verifier');
      const token = await mintToken();

      // Act
      const res = await fetch(base + REQUEST.url, { method: 'POST', headers: { ...bearer(token), ...JSON_HEADERS }, body: REQUEST.body });

      // Assess
      expect(res.status).toBe(200);
      expect(await answer(res)).toMatchObject({ tessera: { installationId: INSTALLATION_ID }, body: { note: 'call back' } });
    });

    it('still verifies a request the parser left unread (no JSON body)', async () => {
      // Prepare
      const { base } = await started('json then verifier');
      const token = await mintToken({ claims: { htm: 'GET', bh: (await import('../../../protocol/src/index.js')).bodyHash('') } });

      // Act
      const res = await fetch(base + REQUEST.url, { headers: bearer(token) });

      // Assess
      expect(res.status).toBe(200);
    });
  });
});
