/**
 * What a refused client sees over a real socket: status, the `{"error":{"code","message"}}` envelope, the RFC 6750
 * challenge on every 401 (`invalid_request` for the header, `invalid_token` for the credential), `Retry-After` on a
 * 503, and nothing it presented (token, secret, claim) echoed in any header or the body.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StoreError } from '../../../protocol/src/errors.js';
import { silentLogger } from '../../../protocol/src/log.js';
import { createHs256Signer, newJti } from '../../../runtime/src/outbound/index.js';
import { bodyHash } from '../../../protocol/src/index.js';
import { createVerifier, sendVerifyError, verifyNodeRequest, type Verifier, type VerifierOptions } from '../../src/index.js';
import { freePort } from '../../../../test/helpers/ports.js';

const SECRET = randomBytes(32).toString('base64url');
const OTHER_SECRET = randomBytes(32).toString('base64url');
const APP = 'order-lookup';

interface Served {
  origin: string;
  close(): Promise<void>;
}

/** The verifier behind node:http on `port` (0: the OS picks). A JWT verifier must know its origin first, so its port is allocated before. */
async function serve(verifier: Verifier, port = 0): Promise<Served> {
  const server: Server = createServer((req, res) => {
    verifyNodeRequest(req, verifier).then(
      ({ verified }) => res.end(JSON.stringify({ ok: true, installationId: verified.installationId ?? null })),
      (err: unknown) => sendVerifyError(res, err),
    );
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise((r) => server.close(() => r())) };
}

function jwtVerifier(origin: string, extra: Partial<VerifierOptions> = {}): Verifier {
  return createVerifier({
    mode: 'jwt',
    secrets: [SECRET],
    issuer: APP,
    installationId: 'acme',
    publicOrigin: origin,
    logger: silentLogger,
    ...extra,
  } as VerifierOptions);
}

function token(origin: string, claims: Record<string, unknown> = {}, secret = SECRET): string {
  const iat = Math.floor(Date.now() / 1000);
  return createHs256Signer(secret)({
    iss: APP,
    sub: 'acme',
    aud: origin,
    iat,
    nbf: iat,
    exp: iat + 30,
    jti: newJti(),
    htm: 'GET',
    htu: `${origin}/orders/1`,
    bh: bodyHash(undefined),
    ...claims,
  } as never);
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function get(origin: string, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${origin}/orders/1`, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** Status, envelope and headers as the refusal needs them, and none of `presented` anywhere in the answer. */
function expectRefusal(
  answer: Answer,
  expected: { status: number; code: string; challenge?: string; retryAfter?: string },
  presented: string[],
): void {
  expect(answer.status).toBe(expected.status);
  const body = JSON.parse(answer.text) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(body.error.code).toBe(expected.code);
  expect(answer.headers.get('www-authenticate')).toBe(expected.challenge ?? null);
  expect(answer.headers.get('retry-after')).toBe(expected.retryAfter ?? null);
  const everything = `${answer.text}\n${[...answer.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}`;
  for (const value of [...presented, SECRET, OTHER_SECRET]) expect(everything).not.toContain(value);
}

const bearer = (error: string, description: string) => `Bearer error="${error}", error_description="${description}"`;

describe('verifier refusals over HTTP', () => {
  describe('JWT mode', () => {
    let served: Served;
    let origin: string;
    beforeAll(async () => {
      const port = await freePort();
      origin = `http://127.0.0.1:${port}`;
      served = await serve(jwtVerifier(origin), port);
    });
    afterAll(() => served.close());

    it.each([
      ['no Authorization header', () => ({}), 'ERR_VERIFY_MISSING', 'invalid_request', 'Credentials missing'],
      [
        'another scheme',
        () => ({ authorization: `Basic ${Buffer.from(`acme:${SECRET}`).toString('base64')}` }),
        'ERR_VERIFY_MALFORMED',
        'invalid_request',
        'Credentials malformed',
      ],
      [
        'a token over 8 KiB',
        () => ({ authorization: `Bearer ${'a'.repeat(9000)}` }),
        'ERR_VERIFY_MALFORMED',
        'invalid_request',
        'Credentials malformed',
      ],
      [
        'a token signed with another secret',
        () => ({ authorization: `Bearer ${token(origin, {}, OTHER_SECRET)}` }),
        'ERR_VERIFY_SIGNATURE',
        'invalid_token',
        'Token signature invalid',
      ],
      [
        'a token for another installation',
        () => ({ authorization: `Bearer ${token(origin, { sub: 'globex' })}` }),
        'ERR_VERIFY_INSTALLATION',
        'invalid_token',
        'Token is for another installation',
      ],
      [
        'an expired token',
        () => ({ authorization: `Bearer ${token(origin, { iat: 1_000, nbf: 1_000, exp: 1_030 })}` }),
        'ERR_VERIFY_EXPIRED',
        'invalid_token',
        'Token expired',
      ],
      [
        'a token for another audience',
        () => ({ authorization: `Bearer ${token(origin, { aud: 'https://evil.example' })}` }),
        'ERR_VERIFY_AUDIENCE',
        'invalid_token',
        'Token audience mismatch',
      ],
      [
        'a token bound to another path',
        () => ({ authorization: `Bearer ${token(origin, { htu: `${origin}/orders/2` })}` }),
        'ERR_VERIFY_BINDING',
        'invalid_token',
        'Token not bound to this request',
      ],
    ])('refuses %s with 401, its code and challenge, echoing nothing', async (_name, headers, code, error, description) => {
      const sent = headers();
      const answer = await get(origin, sent);
      expectRefusal(
        answer,
        { status: 401, code, challenge: bearer(error, description) },
        (Object.values(sent) as string[]).map((v) => v.replace(/^\w+ /, '')),
      );
    });

    it('refuses a replayed token with 401 invalid_token after accepting it once', async () => {
      const t = token(origin);
      const first = await get(origin, { authorization: `Bearer ${t}` });
      const second = await get(origin, { authorization: `Bearer ${t}` });
      expect(first.status).toBe(200);
      expectRefusal(second, { status: 401, code: 'ERR_VERIFY_REPLAYED', challenge: bearer('invalid_token', 'Token already used') }, [t]);
    });
  });

  it('answers a failing replay store with 503 and Retry-After, and no challenge', async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const replayStore = { remember: async () => Promise.reject(new StoreError('ERR_REPLAY_STORE_UNAVAILABLE', { cause: 'redis down' })) };
    const served = await serve(jwtVerifier(origin, { replayStore } as Partial<VerifierOptions>), port);
    try {
      const t = token(origin);
      expectRefusal(await get(origin, { authorization: `Bearer ${t}` }), { status: 503, code: 'ERR_REPLAY_STORE_UNAVAILABLE', retryAfter: '5' }, [t]);
    } finally {
      await served.close();
    }
  });

  it('answers keys it cannot fetch with 503 and the seconds left in the JWKS cooldown', async () => {
    const closedPort = await freePort();
    const verifier = createVerifier({
      mode: 'jwt',
      algorithms: ['ES256'],
      jwksUrl: `http://127.0.0.1:${closedPort}/jwks.json`,
      allowLoopbackHttp: true,
      issuer: APP,
      installationId: 'acme',
      publicOrigin: 'https://orders.example',
      logger: silentLogger,
    });
    const served = await serve(verifier);
    try {
      const header = Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'tessera+jwt', kid: 'k1' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ sub: 'acme' })).toString('base64url');
      const t = `${header}.${payload}.${'A'.repeat(86)}`;
      const answer = await get(served.origin, { authorization: `Bearer ${t}` });
      expectRefusal(answer, { status: 503, code: 'ERR_VERIFY_KEYS_UNAVAILABLE', retryAfter: '30' }, [t]);
    } finally {
      await served.close();
    }
  });

  describe('shared-secret mode', () => {
    let served: Served;
    beforeAll(async () => {
      served = await serve(
        createVerifier({ mode: 'shared-secret', secrets: [SECRET], publicOrigin: 'https://orders.example', logger: silentLogger }),
      );
    });
    afterAll(() => served.close());

    it.each([
      ['no secret header', {}, 'ERR_VERIFY_MISSING', 'invalid_request', 'Credentials missing'],
      ['a wrong secret', { 'x-tessera-secret': OTHER_SECRET }, 'ERR_VERIFY_SECRET', 'invalid_token', 'Shared secret does not match'],
    ])('refuses %s with 401 and a challenge naming the header', async (_name, headers, code, error, description) => {
      const answer = await get(served.origin, headers as Record<string, string>);
      expectRefusal(
        answer,
        { status: 401, code, challenge: `Tessera-Secret header="x-tessera-secret", error="${error}", error_description="${description}"` },
        [],
      );
    });

    it('accepts the right secret and says nothing about challenges', async () => {
      const answer = await get(served.origin, { 'x-tessera-secret': SECRET });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('www-authenticate')).toBeNull();
    });
  });
});
