/** verifyNodeRequest and sendVerifyError on a plain node:http server over a real socket. */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyHash } from '../../../protocol/src/index.js';
import { createVerifier, sendVerifyError, verifyNodeRequest, type Verifier } from '../../src/index.js';
import {
  ALL_SECRETS,
  APP_ID,
  CURRENT_SECRET,
  INSTALLATION_ID,
  ORIGIN,
  REQUEST,
  bearer,
  capturedLogger,
  frozenClock,
  mintToken,
} from '../unit/_helpers.js';

let server: Server;
let base: string;
let lines: string[];

/** The HS256 verifier every test here serves, logging into `captured`. */
const jwtVerifier = (captured: ReturnType<typeof capturedLogger>) =>
  createVerifier({ mode: 'jwt', secrets: [CURRENT_SECRET], issuer: APP_ID, publicOrigin: ORIGIN, logger: captured.logger, now: frozenClock().now });

beforeEach(async () => {
  const captured = capturedLogger();
  lines = captured.lines;
  const verifier = jwtVerifier(captured);
  server = createServer(async (req, res) => {
    try {
      const { body, verified } = await verifyNodeRequest(req, verifier, { maxBodyBytes: 1024 });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ installationId: verified.installationId, body: body.toString('utf8') }));
    } catch (err) {
      sendVerifyError(res, err);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

const post = (token: string, body: Buffer = REQUEST.body) => fetch(base + REQUEST.url, { method: 'POST', headers: bearer(token), body });

describe('verifyNodeRequest', () => {
  it('returns the exact body and what the token proved', async () => {
    // Prepare
    const token = await mintToken();

    // Act
    const res = await post(token);

    // Assess
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ installationId: INSTALLATION_ID, body: REQUEST.body.toString('utf8') });
  });

  it('verifies a request framed with no body (GET, no Content-Length) as the empty body', async () => {
    // Prepare
    const token = await mintToken({ claims: { htm: 'GET', bh: bodyHash(undefined) } });

    // Act
    const res = await fetch(base + REQUEST.url, { headers: bearer(token) });

    // Assess
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ installationId: INSTALLATION_ID, body: '' });
  });

  it('reads a chunked body, which declares no length, in full before binding it', async () => {
    // Prepare
    const chunks = ['{"note":', '"call ', 'back"}'];
    const token = await mintToken({ claims: { bh: bodyHash(Buffer.from(chunks.join(''))) } });
    const { port } = server.address() as AddressInfo;

    // Act
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: REQUEST.url, headers: bearer(token) }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });

    // Assess
    expect(status).toBe(200);
    expect(JSON.parse(text)).toEqual({ installationId: INSTALLATION_ID, body: chunks.join('') });
  });

  it('refuses a replayed token over the wire with 401 ERR_VERIFY_REPLAYED', async () => {
    // Prepare
    const token = await mintToken();
    await post(token);

    // Act
    const res = await post(token);

    // Assess
    const text = await res.text();
    expect(res.status).toBe(401);
    expect(JSON.parse(text)).toEqual({ error: { code: 'ERR_VERIFY_REPLAYED', message: 'Token already used' } });
    for (const secret of ALL_SECRETS) expect(text + lines.join('\n')).not.toContain(secret);
    expect(text + lines.join('\n')).not.toContain(token);
  });

  it('refuses a body over maxBodyBytes with 413 and logs the refusal', async () => {
    // Prepare
    const token = await mintToken();

    // Act
    const res = await post(token, Buffer.alloc(2048, 'a'));

    // Assess
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ERR_BODY_TOO_LARGE');
    expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ event: 'verify.refused', code: 'ERR_BODY_TOO_LARGE' })]);
  });

  it('stops reading a chunked body once it passes maxBodyBytes and still answers 413', async () => {
    // Prepare
    const token = await mintToken();
    const { port } = server.address() as AddressInfo;

    // Act
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: REQUEST.url, headers: bearer(token) }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 4; i++) req.write(Buffer.alloc(512, 'a'));
      req.end();
    });

    // Assess
    expect(status).toBe(413);
  });
});

describe('verifyNodeRequest with a hand-made verifier', () => {
  it('gives the same answers as the verifier it wraps, which it awaits instead of calling directly', async () => {
    // Prepare
    const captured = capturedLogger();
    const inner = jwtVerifier(captured);
    const wrapped: Verifier = { mode: 'jwt', verify: (input) => inner.verify(input) };
    const wrapping = createServer((req, res) => {
      verifyNodeRequest(req, wrapped).then(
        ({ verified }) => res.end(verified.installationId),
        (err: unknown) => sendVerifyError(res, err),
      );
    });
    await new Promise<void>((resolve) => wrapping.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(wrapping.address() as AddressInfo).port}${REQUEST.url}`;
    const token = await mintToken();
    const send = () => fetch(url, { method: 'POST', headers: bearer(token), body: REQUEST.body });

    // Act
    const first = await send();
    const replayed = await send();
    await new Promise<void>((resolve) => wrapping.close(() => resolve()));

    // Assess
    expect([first.status, await first.text()]).toEqual([200, INSTALLATION_ID]);
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toEqual({ error: { code: 'ERR_VERIFY_REPLAYED', message: 'Token already used' } });
    expect(captured.lines.map((l) => JSON.parse(l).code)).toEqual(['ERR_VERIFY_REPLAYED']);
  });
});

describe('sendVerifyError', () => {
  it('answers 500 ERR_INTERNAL for a foreign error without its message', async () => {
    // Prepare
    const leaky = createServer((_req, res) => sendVerifyError(res, new Error(`db password ${CURRENT_SECRET}`)));
    await new Promise<void>((resolve) => leaky.listen(0, '127.0.0.1', resolve));
    const { port } = leaky.address() as AddressInfo;

    // Act
    const res = await fetch(`http://127.0.0.1:${port}/`);
    const text = await res.text();
    await new Promise<void>((resolve) => leaky.close(() => resolve()));

    // Assess
    expect(res.status).toBe(500);
    expect(JSON.parse(text)).toEqual({ error: { code: 'ERR_INTERNAL', message: 'Internal error' } });
    expect(text).not.toContain(CURRENT_SECRET);
  });
});
