/**
 * A key rotation while requests flow: the app signs with the key its provider picks, a verifier checks each request
 * against the JWKS function over real HTTP, both reading real ssm-local. One injected clock drives the manager, the
 * provider, the JWKS function and the verifier, so half an hour of rotation runs in about a second.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createJwksHandler,
  createKeyManager,
  createSigningKeyProvider,
  MIN_RETIRE_AFTER_SEC,
  SsmKeyStore,
  type KeySetDocument,
  type SigningKey,
} from '../../../packages/runtime/src/keys/index.js';
import { silentLogger } from '../../../packages/protocol/src/log.js';
import { createEdDsaSigner, createEs256Signer, newJti, type TokenSigner } from '../../../packages/runtime/src/outbound/index.js';
import { bodyHash } from '../../../packages/protocol/src/index.js';
import { createVerifier, type Verifier } from '../../../packages/verify/src/index.js';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';

const APP = 'order-lookup';
const ORIGIN = 'https://acme.orders.example.com';
const STEP_SEC = 5;
let ssm: LocalSsm;
let server: Server;
let clockMs: number;
let jwksFetches: number;
/** Seconds since the first request at which the verifier fetched the JWKS. */
let jwksFetchTimes: number[];
let startMs: number;

function world() {
  const store = new SsmKeyStore({ client: ssm.client().client });
  const now = () => clockMs;
  const manager = createKeyManager({ appId: APP, store, logger: silentLogger, now });
  const provider = createSigningKeyProvider({ appId: APP, store, logger: silentLogger, now });
  return { store, manager, provider };
}

async function startJwksServer(handler: ReturnType<typeof createJwksHandler>): Promise<string> {
  server = createServer((req, res) => {
    jwksFetches++;
    jwksFetchTimes.push((clockMs - startMs) / 1000);
    void handler({ requestContext: { http: { method: req.method ?? 'GET' } } }).then((out) => {
      res.writeHead(out.statusCode, out.headers).end(out.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
}

function verifierFor(jwksUrl: string): Verifier {
  return createVerifier({
    mode: 'jwt',
    issuer: APP,
    installationId: 'acme',
    publicOrigin: ORIGIN,
    algorithms: ['ES256', 'EdDSA'],
    jwksUrl,
    allowLoopbackHttp: true,
    logger: silentLogger,
    now: () => clockMs,
  });
}

const signers = new WeakMap<SigningKey, TokenSigner>();
function signerOf(key: SigningKey): TokenSigner {
  let s = signers.get(key);
  if (!s) signers.set(key, (s = key.alg === 'ES256' ? createEs256Signer(key.privateKey, key.kid) : createEdDsaSigner(key.privateKey, key.kid)));
  return s;
}

/** One outbound request as the app would send it, checked by the customer's verifier. */
async function roundTrip(sign: TokenSigner, verifier: Verifier, n: number): Promise<void> {
  const body = Buffer.from(JSON.stringify({ note: `request ${n}` }));
  const path = `/orders/${n}`;
  const iat = Math.floor(clockMs / 1000);
  const token = sign({
    iss: APP,
    sub: 'acme',
    aud: ORIGIN,
    iat,
    nbf: iat,
    exp: iat + 30,
    jti: newJti(),
    htm: 'POST',
    htu: `${ORIGIN}${path}`,
    bh: bodyHash(body),
  });
  await verifier.verify({ method: 'POST', url: path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
}

beforeEach(async () => {
  ssm = await startLocalSsm();
  clockMs = Date.parse('2026-11-22T10:00:00.000Z');
  jwksFetches = 0;
  jwksFetchTimes = [];
  startMs = clockMs;
});
afterEach(async () => {
  await new Promise((r) => server?.close(r));
  await ssm.stop();
});

describe('key rotation under a stream of verified requests', () => {
  it.each([
    ['ES256', 'EdDSA'],
    ['EdDSA', 'ES256'],
  ] as const)('refuses none while %s is rotated to %s, published first, switched after the delay, then retired', async (fromAlg, toAlg) => {
    // Prepare
    const { store, manager, provider } = world();
    const first = await manager.generate({ alg: fromAlg });
    const verifier = verifierFor(await startJwksServer(createJwksHandler({ appId: APP, store, logger: silentLogger, now: () => clockMs })));
    const signedBy = new Map<string, number>();
    const refused: string[] = [];
    let rotatedKid: string | undefined;
    let retired = false;
    // Act: 40 min of traffic, one request per 5 s. The rotation comes right after the verifier fetched the JWKS
    // (at 300 s its 5-min cache expired), the worst moment: it then holds a key set without the next key longest.
    for (let t = STEP_SEC, n = 0; t <= 2400; t += STEP_SEC, n++) {
      clockMs = startMs + t * 1000;
      const key = await provider.current();
      signedBy.set(key.kid, (signedBy.get(key.kid) ?? 0) + 1);
      await roundTrip(signerOf(key), verifier, n).catch((err: { code?: string }) => refused.push(`${t}s ${key.kid}: ${err.code}`));
      if (t === 305) rotatedKid = (await manager.rotate({ alg: toAlg, delaySec: 600 })).kid;
      if (t === 905 + MIN_RETIRE_AFTER_SEC) retired = (await manager.retire()).some((k) => k.kid === first.kid);
    }
    // Assess
    expect(refused).toEqual([]);
    expect(retired).toBe(true);
    expect([...signedBy.keys()]).toEqual([first.kid, rotatedKid]);
    expect(signedBy.get(first.kid)).toBe((305 + 600) / STEP_SEC - 1); // t = 5 … 900 s
    // The refresh due at 605 s runs in the background (the request is served with the keys held), so the fake clock
    // may move on before the JWKS server sees it; it must still land before the next key activates at 905 s.
    expect(jwksFetchTimes.slice(0, 2)).toEqual([5, 305]);
    expect(jwksFetchTimes[2]).toBeGreaterThanOrEqual(605);
    expect(jwksFetchTimes[2]).toBeLessThan(905);
    const doc = (await store.get(APP))?.document as KeySetDocument;
    expect(doc.keys.map((k) => k.kid)).toEqual([rotatedKid]);
    expect(jwksFetches).toBeLessThan(20);
  });

  it('drops the retired key: a token signed with it is refused once the verifier has refetched', async () => {
    // Prepare
    const { store, manager, provider } = world();
    await manager.generate();
    const old = await provider.current();
    const verifier = verifierFor(await startJwksServer(createJwksHandler({ appId: APP, store, logger: silentLogger, now: () => clockMs })));
    await roundTrip(signerOf(old), verifier, 0);
    await manager.rotate({ delaySec: 600 });
    clockMs += (600 + MIN_RETIRE_AFTER_SEC) * 1000;
    await manager.retire({ kid: old.kid });
    clockMs += 301_000;
    // Act
    const act = roundTrip(signerOf(old), verifier, 1);
    // Assess
    await expect(act).rejects.toMatchObject({ code: 'ERR_VERIFY_SIGNATURE', reason: expect.stringContaining('kid names no known key') });
  });

  it('control: a key that signs before the JWKS caches have it is refused, which the delay rule prevents', async () => {
    // Prepare: bypass the manager's rule and activate the next key 5 s after it is written.
    const { store, manager, provider } = world();
    await manager.generate();
    const verifier = verifierFor(await startJwksServer(createJwksHandler({ appId: APP, store, logger: silentLogger, now: () => clockMs })));
    await roundTrip(signerOf(await provider.current()), verifier, 0);
    await manager.rotate({ delaySec: 600 });
    const doc = (await store.get(APP))?.document as KeySetDocument;
    doc.keys[1]!.activatesAt = new Date(clockMs + 5_000).toISOString();
    await store.put(APP, doc, { createOnly: false });
    clockMs += 10_000;
    provider.clearCache();
    // Act
    const key = await provider.current();
    const act = roundTrip(signerOf(key), verifier, 1);
    // Assess
    expect(key.kid).toBe(doc.keys[1]!.kid);
    await expect(act).rejects.toMatchObject({ code: 'ERR_VERIFY_SIGNATURE', reason: expect.stringContaining('kid names no known key') });
  });
});
