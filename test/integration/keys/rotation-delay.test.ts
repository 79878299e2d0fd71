/**
 * The key-rotation delay against the caches it must outlast, measured on the real parts: the JWKS function's cache,
 * an HTTP cache honouring its Cache-Control, and the customer's verifier. A verifier whose cache outlived the figure
 * the rotation policy sums would still hold the old key set when the next key starts signing.
 */
import type { ServerResponse } from 'node:http';
import {
  createJwksHandler,
  createKeyManager,
  createSigningKeyProvider,
  JWKS_FUNCTION_MAX_TTL_MS,
  JWKS_MAX_CACHE_CONTROL_SEC,
  MIN_ROTATION_DELAY_SEC,
  VERIFIER_JWKS_MAX_AGE_SEC,
} from '@tessera/runtime/keys';
import { createEs256Signer } from '@tessera/runtime/outbound';
import type { RequestClaims } from '@tessera/protocol';
import { createVerifier, JWKS_MAX_AGE_MS } from '@tessera/verify';
import { MemoryKeyStore } from '../../../packages/runtime/test/unit/keys/memory-key-store.js';
import { APP_ID, INSTALLATION_ID, ORIGIN, REQUEST, bearer, goodClaims } from '../../../packages/verify/test/unit/_helpers.js';
import { startRecorder, type Recorder } from '../../helpers/http-recorder.js';
import { captureLogger } from '../../helpers/logs.js';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const GET = { requestContext: { http: { method: 'GET' } } };

let t = T0 - 3_600_000;
const now = (): number => t;
let edge: Recorder;

/** Lets the verifier's background refresh run for up to a second of real time; false when it never settled. */
async function settles(done: () => boolean): Promise<boolean> {
  const giveUpAt = Date.now() + 1000;
  while (!done() && Date.now() < giveUpAt) await new Promise((r) => setTimeout(r, 5));
  return done();
}

/** The chain store → JWKS function → HTTP cache (the `edge` server) → verifier, all on one hand-moved clock. */
function setup() {
  const store = new MemoryKeyStore();
  const { logger } = captureLogger();
  const manager = createKeyManager({ appId: APP_ID, store, logger, now });
  const jwksFunction = createJwksHandler({ appId: APP_ID, store, logger, now, ttlMs: JWKS_FUNCTION_MAX_TTL_MS });
  const signer = createSigningKeyProvider({ appId: APP_ID, store, logger, now, ttlMs: 0 });
  let cached: { body: string; expiresAtMs: number } | undefined;
  const fromFunction = async (): Promise<string> => {
    const res = await jwksFunction(GET);
    const maxAgeSec = Number(/max-age=(\d+)/.exec(res.headers['cache-control'] ?? '')?.[1] ?? 0);
    cached = { body: res.body, expiresAtMs: t + maxAgeSec * 1000 };
    return res.body;
  };
  edge.respond((_req, res: ServerResponse) => {
    const answer = cached !== undefined && t < cached.expiresAtMs ? Promise.resolve(cached.body) : fromFunction();
    void answer.then((body) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
  });
  const verifierLog = captureLogger();
  const verifier = createVerifier({
    mode: 'jwt',
    issuer: APP_ID,
    installationId: INSTALLATION_ID,
    publicOrigin: ORIGIN,
    algorithms: ['ES256'],
    jwksUrl: `${edge.origin}/.well-known/jwks.json`,
    allowLoopbackHttp: true,
    logger: verifierLog.logger,
    now,
  });
  const loads = (): number => verifierLog.lines.filter((l) => JSON.parse(l).event === 'verify.jwks_loaded').length;
  const send = async (): Promise<string> => {
    const key = await signer.current();
    const sec = Math.floor(t / 1000);
    const token = createEs256Signer(key.privateKey, key.kid)(goodClaims({ iat: sec, nbf: sec, exp: sec + 30 }) as unknown as RequestClaims);
    await verifier.verify({ ...REQUEST, headers: bearer(token) });
    return key.kid;
  };
  return { manager, jwksFunction, fromFunction, verifier, loads, send };
}

beforeAll(async () => {
  edge = await startRecorder();
});
afterAll(() => edge.close());

describe('the rotation delay', () => {
  it('sums the caches the verifier is built on: its own age is the one the verifier exports', () => {
    expect(VERIFIER_JWKS_MAX_AGE_SEC * 1000).toBe(JWKS_MAX_AGE_MS);
    expect(MIN_ROTATION_DELAY_SEC).toBe(JWKS_FUNCTION_MAX_TTL_MS / 1000 + JWKS_MAX_CACHE_CONTROL_SEC + VERIFIER_JWKS_MAX_AGE_SEC);
  });

  it('lets the verifier hold the next key before it signs, on the worst schedule of every cache', async () => {
    // Prepare: the current key signs; then each cache reads just before the one in front of it expires.
    const { manager, jwksFunction, fromFunction, loads, send } = setup();
    const current = await manager.generate({ alg: 'ES256' });
    t = T0 - 1;
    await jwksFunction(GET); // the function holds the set without the next key until T0 + 60 s - 1 ms
    t = T0;
    const next = await manager.rotate({ alg: 'ES256', delaySec: MIN_ROTATION_DELAY_SEC });
    t = T0 + JWKS_FUNCTION_MAX_TTL_MS - 2;
    await fromFunction(); // the HTTP cache takes that set for its max-age
    t = T0 + JWKS_FUNCTION_MAX_TTL_MS + JWKS_MAX_CACHE_CONTROL_SEC * 1000 - 3;
    expect(await send()).toBe(current.kid); // the verifier loads it from the HTTP cache
    expect(loads()).toBe(1);

    // Act: the verifier's own cache runs out, and a request on the current key triggers its refresh.
    t += JWKS_MAX_AGE_MS - 1;
    await send();
    const beforeRefresh = loads();
    t += 1;
    await send();
    const refreshed = await settles(() => loads() === 2);

    // Assess: when the next key activates it is already held; its first token is accepted without a fetch.
    expect(beforeRefresh).toBe(1);
    expect(refreshed).toBe(true);
    t = T0 + MIN_ROTATION_DELAY_SEC * 1000;
    const requestsBefore = edge.requests.length;
    expect(await send()).toBe(next.kid);
    expect(edge.requests.length).toBe(requestsBefore);
    expect(loads()).toBe(2);
  });
});
