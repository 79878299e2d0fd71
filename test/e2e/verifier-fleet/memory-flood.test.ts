/** One verifier on its MemoryReplayStore flooded with unique live tokens: it answers 503 when full and never evicts a live entry. */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createVerifier, MemoryReplayStore, sendVerifyError, verifyNodeRequest } from '../../../packages/verify/src/index.js';
import { captureLogger } from '../../helpers/logs.js';
import { freePort } from '../../helpers/ports.js';
import { countByAnswer, createMinter, PUBLIC_ORIGIN, QueuedTokens, runLoad, type Shot } from './_load.js';

const CAPACITY = 1_000;
const FLOOD = 2_500;
/** 2026-11-22T12:00:00Z; the verifier and its store read this clock, moved by hand. */
const START_MS = Date.UTC(2026, 10, 22, 12, 0, 0);

interface FloodedVerifier {
  store: MemoryReplayStore;
  port: number;
  lines: string[];
  secret: string;
  clock: { ms: number };
  mint: ReturnType<typeof createMinter>;
}

const servers: Server[] = [];

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

/** A node:http verifier whose memory store holds {@link CAPACITY} entries, on a free port. */
async function startVerifier(): Promise<FloodedVerifier> {
  const clock = { ms: START_MS };
  const now = () => clock.ms;
  const secret = randomBytes(32).toString('base64url');
  const store = new MemoryReplayStore({ maxEntries: CAPACITY, now });
  const { logger, lines } = captureLogger();
  const verifier = createVerifier({
    mode: 'jwt',
    secrets: [secret],
    issuer: 'order-lookup',
    installationId: 'acme',
    publicOrigin: PUBLIC_ORIGIN,
    replayStore: store,
    logger,
    now,
  });
  const server = createServer((req, res) => {
    verifyNodeRequest(req, verifier).then(
      () => res.end('{}'),
      (err: unknown) => sendVerifyError(res, err),
    );
  });
  servers.push(server);
  const port = await freePort();
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return { store, port, lines, secret, clock, mint: createMinter(secret, { nowSec: () => Math.floor(clock.ms / 1000) }) };
}

/** Sends each token once, 10 connections at a time; resolves with the answered shots. */
async function send(target: FloodedVerifier, tokens: readonly { jti: string; token: string }[]): Promise<Shot[]> {
  const source = new QueuedTokens(tokens, 'fresh', 1);
  await runLoad(source, { ports: [target.port], requestsPerTarget: tokens.length, connections: 10 });
  return source.shots;
}

/** {@link FLOOD} unique tokens, alternately valid for 10 s and 30 s (entries live 5 s longer: the clock tolerance). */
async function flood(target: FloodedVerifier): Promise<{ shots: Shot[]; shortLived: Set<string> }> {
  const tokens = Array.from({ length: FLOOD }, (_, i) => target.mint('fresh', i % 2 === 0 ? 10 : 30));
  const shortLived = new Set(tokens.filter((_, i) => i % 2 === 0).map((t) => t.jti));
  return { shots: await send(target, tokens), shortLived };
}

describe('MemoryReplayStore under a flood of unique tokens', () => {
  it('answers 503 ERR_REPLAY_STORE_FULL with Retry-After once full of live entries, and still refuses every accepted token as replayed', async () => {
    // Prepare
    const target = await startVerifier();

    // Act
    const { shots: flooded } = await flood(target);
    const accepted = flooded.filter((s) => s.status === 200);
    const replayed = await send(target, accepted);

    // Assess
    expect(countByAnswer(flooded)).toEqual({ '200': CAPACITY, '503 ERR_REPLAY_STORE_FULL': FLOOD - CAPACITY });
    expect(new Set(flooded.filter((s) => s.status === 503).map((s) => s.retryAfter))).toEqual(new Set(['5']));
    expect(countByAnswer(replayed)).toEqual({ '401 ERR_VERIFY_REPLAYED': CAPACITY });
    expect(target.store.size).toBe(CAPACITY);
    const logs = target.lines.join('\n');
    expect(logs.match(/"code":"ERR_REPLAY_STORE_FULL"/g)?.length).toBe(FLOOD - CAPACITY);
    expect(logs).not.toContain(target.secret);
    expect(logs).not.toMatch(/eyJ[\w-]{8}/);
  }, 30_000);

  it('makes room as entries expire, exactly as many as expired, and never by dropping a live one', async () => {
    // Prepare
    const target = await startVerifier();
    const { shots: flooded, shortLived } = await flood(target);
    const accepted = flooded.filter((s) => s.status === 200);
    const shortAccepted = accepted.filter((s) => shortLived.has(s.jti)).length;
    const longAccepted = accepted.filter((s) => !shortLived.has(s.jti));
    target.clock.ms += 20_000; // the 10 s tokens' entries are gone (exp + 5 s), the 30 s ones live until +35 s

    // Act
    const afterExpiry = await send(
      target,
      Array.from({ length: shortAccepted + 200 }, () => target.mint('fresh', 30)),
    );
    const longReplayed = await send(target, longAccepted);
    target.clock.ms += 36_000; // past every entry made so far
    const afterAll = await send(
      target,
      Array.from({ length: CAPACITY }, () => target.mint('fresh', 30)),
    );

    // Assess
    expect(shortAccepted).toBeGreaterThan(300);
    expect(longAccepted.length).toBeGreaterThan(300);
    expect(countByAnswer(afterExpiry)).toEqual({ '200': shortAccepted, '503 ERR_REPLAY_STORE_FULL': 200 });
    expect(countByAnswer(longReplayed)).toEqual({ '401 ERR_VERIFY_REPLAYED': longAccepted.length });
    expect(countByAnswer(afterAll)).toEqual({ '200': CAPACITY });
    expect(target.store.size).toBe(CAPACITY);
  }, 30_000);
});
