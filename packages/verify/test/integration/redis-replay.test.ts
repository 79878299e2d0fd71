/** Two verifier processes sharing a real redis-server through RedisReplayStore: a token is used once across the fleet. */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import Redis from 'ioredis';
import { freePort, waitForPort } from '../../../../test/helpers/ports.js';
import { APP_ID, ORIGIN, REQUEST, mintToken } from '../unit/_helpers.js';
import { type Proc, REDIS_SERVER, requireRedisServer, startProcess as start, stopProcess as stop } from './_processes.js';

const CHILD = resolve(__dirname, '../../../../test/fixtures/verify-redis-child.ts');
const SECRET = randomBytes(32).toString('base64url');

/** A request token for {@link REQUEST} issued now (the children run on the real clock). */
function freshToken(): Promise<string> {
  const nowSec = Math.floor(Date.now() / 1000);
  return mintToken({ secret: SECRET, claims: { iat: nowSec, nbf: nowSec, exp: nowSec + 30 } });
}

async function post(
  proc: Proc,
  token: string,
): Promise<{ status: number; body: { error?: { code: string } } & Record<string, unknown>; text: string }> {
  const res = await fetch(`http://127.0.0.1:${proc.port}${REQUEST.url}`, {
    method: REQUEST.method,
    headers: { authorization: `Bearer ${token}` },
    body: REQUEST.body,
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}

let redis: Proc | undefined;
let first: Proc;
let second: Proc;
let redisPort: number;

beforeAll(async () => {
  requireRedisServer();
  redisPort = await freePort();
  redis = await start(REDIS_SERVER, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {}, redisPort);
  const [port1, port2] = [await freePort(), await freePort()];
  const env = (name: string, port: number) => ({
    SERVER_NAME: name,
    PORT: String(port),
    REDIS_PORT: String(redisPort),
    TESSERA_SECRET: SECRET,
    PUBLIC_ORIGIN: ORIGIN,
  });
  [first, second] = await Promise.all([
    start(process.execPath, ['--import', 'tsx', CHILD], env('first', port1), port1),
    start(process.execPath, ['--import', 'tsx', CHILD], env('second', port2), port2),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([stop(first), stop(second), stop(redis)]);
});

describe('RedisReplayStore across two verifier processes', () => {
  it('accepts a token at one server and refuses the same token at the other as replayed', async () => {
    // Prepare
    const token = await freshToken();

    // Act
    const atFirst = await post(first, token);
    const atSecond = await post(second, token);

    // Assess
    expect(atFirst).toMatchObject({ status: 200, body: { server: 'first', installationId: 'acme-1' } });
    expect(atSecond.status).toBe(401);
    expect(atSecond.body).toEqual({ error: { code: 'ERR_VERIFY_REPLAYED', message: 'Token already used' } });
    expect(atSecond.text).not.toContain(token);
    expect(second.output.join('')).not.toContain(token);
  });

  it('keeps the token id in Redis until exp plus the tolerance, under the key prefix', async () => {
    // Prepare
    const token = await freshToken();
    const { jti, exp } = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as { jti: string; exp: number };
    const inspector = new Redis({ host: '127.0.0.1', port: redisPort, lazyConnect: true });
    await inspector.connect();

    // Act
    const accepted = await post(second, token);
    const expiresAt = await inspector.call('EXPIRETIME', `tessera:replay:${APP_ID}:${jti}`);
    inspector.disconnect();

    // Assess
    expect(accepted.status).toBe(200);
    expect(expiresAt).toBe(exp + 5);
  });

  it('answers 503 ERR_REPLAY_STORE_UNAVAILABLE while Redis is down, with no token or secret in the answer or logs', async () => {
    // Prepare
    await stop(redis, 'SIGKILL');
    await waitForPort(redisPort, 10_000, false);
    const token = await freshToken();

    // Act
    const started = Date.now();
    const answer = await post(first, token);
    const tookMs = Date.now() - started;

    // Assess
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ error: { code: 'ERR_REPLAY_STORE_UNAVAILABLE', message: 'Replay store unavailable' } });
    expect(tookMs).toBeLessThan(5_000);
    const logs = first.output.join('');
    expect(logs).toContain('"code":"ERR_REPLAY_STORE_UNAVAILABLE"');
    for (const visible of [answer.text, logs]) {
      expect(visible).not.toContain(token);
      expect(visible).not.toContain(token.split('.')[1]);
      expect(visible).not.toContain(SECRET);
    }
  });
});
