/** Verifier requests per second on loopback (autocannon, bounded), as ratios to baselines measured in the same run. */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { createEs256Signer, createHs256Signer, newJti } from '@tessera/runtime/outbound';
import { bodyHash, normalizeHtu, type RequestClaims } from '@tessera/protocol';
import { freePorts, waitForPort } from '../test/helpers/ports.js';
import { fmt, median, table } from './_measure.js';
import { bundledVerifier } from './verifier-per-request.js';

export const SECRET = randomBytes(32).toString('base64url');
/** The app's ES256 key: the server gets the public half as a JWK, the load generator signs with the private half. */
const APP_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const APP_JWK = JSON.stringify({ ...APP_KEY.publicKey.export({ format: 'jwk' }), kid: 'bench-1' });
/**
 * The servers in the order of a round; each round starts one further along, so every server takes every place equally
 * often (run backwards on odd rounds instead, the last and first servers each ran twice in a row and came out ~5 %
 * slower here, whatever they were) and the two of a compared pair stay neighbours in time.
 */
const MODES = ['none', 'jwt', 'shared-secret', 'es256-bound', 'es256'] as const;
type Mode = (typeof MODES)[number];

interface Server {
  child: ChildProcess;
  port: number;
  url: string;
}

/** CPU time and requests served so far, asked of the server over IPC. */
function usage(server: Server): Promise<{ cpuUs: number; served: number }> {
  return new Promise((done) => {
    server.child.once('message', (m) => done(m as { cpuUs: number; served: number }));
    server.child.send('usage');
  });
}

/** A real ES256 token's signing input and signature: what the bound server verifies on every request. */
function boundToken(): Record<string, string> {
  const token = createEs256Signer(APP_KEY.privateKey, 'bench-1')(claimsFor('http://127.0.0.1:1/orders/1001'));
  const dot = token.lastIndexOf('.');
  return { BENCH_ES256_INPUT: token.slice(0, dot), BENCH_ES256_SIGNATURE: token.slice(dot + 1) };
}

async function startServer(mode: Mode, port: number, bundle: string): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '_verifier-server.ts'), mode, String(port)], {
    env: { ...process.env, BENCH_SECRET: SECRET, BENCH_JWK: APP_JWK, BENCH_VERIFY_BUNDLE: bundle, ...boundToken() },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await waitForPort(port, 30_000);
  return { child, port, url: `http://127.0.0.1:${port}/orders/1001` };
}

function claimsFor(url: string): RequestClaims {
  const iat = Math.floor(Date.now() / 1000);
  return {
    iss: 'order-lookup',
    sub: 'acme',
    aud: new URL(url).origin,
    iat,
    nbf: iat,
    exp: iat + 60,
    jti: newJti(),
    htm: 'GET',
    htu: normalizeHtu(url),
    bh: bodyHash(undefined),
  };
}

/** Headers for one run: used from `start` on, wrapping around only when `reusable` (headers no server remembers). */
interface Pool {
  name: string;
  values: readonly string[];
  start: number;
  reusable: boolean;
}

/**
 * Fresh tokens for one mode, signed between runs: no token is sent twice to a server (its replay store outlives the
 * run), none is older than 30 s when sent, and at least `perRun` are left before each run.
 */
function tokenSupply(sign: () => string, chunk: number, perRun: number) {
  let tokens: string[] = [];
  let next = 0;
  let signedAtMs = 0;
  return {
    pool(): Pool {
      if (tokens.length - next < perRun || Date.now() - signedAtMs > 30_000) {
        tokens = Array.from({ length: chunk }, sign);
        next = 0;
        signedAtMs = Date.now();
      }
      return { name: 'authorization', values: tokens, start: next, reusable: false };
    },
    used(count: number): void {
      next += count;
    },
  };
}

/** Sends `pool`'s headers, one per request; resolves the result and how many headers were sent. */
async function load(url: string, pool: Pool, durationSec: number): Promise<{ result: autocannon.Result; sent: number }> {
  const { name, values, reusable } = pool;
  let next = pool.start;
  const result = await autocannon({
    url,
    connections: 10,
    duration: durationSec,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          // Past the end of a token pool the header is missing: a refusal the table reports, never a replay.
          req.headers = { [name]: values[reusable ? next++ % values.length : next++]! };
          return req;
        },
      },
    ],
  });
  return { result, sent: next - pool.start };
}

/**
 * Each mode's headers, all of one length within a compared pair: the load generator shares the two cores with the
 * server, so its per-request work must not differ between the variants compared. The ES256 bound is sent the ES256
 * verifier's own tokens, which it ignores; HS256 and ES256 get tokens never sent before.
 */
function headerSources(urlOf: (m: Mode) => string): Record<Mode, { pool(): Pool; used(count: number): void }> {
  const hs256 = createHs256Signer(SECRET);
  const es256 = createEs256Signer(APP_KEY.privateKey, 'bench-1');
  const bearer = (sign: (claims: RequestClaims) => string, m: Mode) => () => `Bearer ${sign(claimsFor(urlOf(m)))}`;
  const width = bearer(hs256, 'jwt')().length;
  const fixed = (name: string, values: string[]) => ({ pool: (): Pool => ({ name, values, start: 0, reusable: true }), used: () => {} });
  const esTokens = tokenSupply(bearer(es256, 'es256'), ES256_CHUNK, ES256_PER_RUN);
  return {
    none: fixed(
      'x-padding',
      Array.from({ length: 10_000 }, () => randomBytes(width).toString('base64url').slice(0, width)),
    ),
    'shared-secret': fixed('x-tessera-secret', [SECRET]),
    jwt: tokenSupply(bearer(hs256, 'jwt'), HS256_CHUNK, HS256_PER_RUN),
    // The bound reads the tokens the ES256 verifier is about to use (or just skipped), and never consumes any.
    'es256-bound': { pool: esTokens.pool, used: () => {} },
    es256: esTokens,
  };
}

/** Headers a one-second run can use at most (twice the fastest server seen here), and how many are signed at once. */
const HS256_PER_RUN = 100_000;
const HS256_CHUNK = 300_000;
/** ES256 signing costs ~30 µs a token; a server verifying ES256 answers well under 20,000 req/s here. */
const ES256_PER_RUN = 20_000;
const ES256_CHUNK = 60_000;

const TARGETS = { hs256: 0.85, es256: 0.9 } as const;
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
const met = (ratio: number, target: number) => `${fmt.x(ratio)} (target ≥ ${target}×: ${ratio >= target ? 'met' : 'not met'})`;

/**
 * All five servers run for the whole benchmark; each round measures every one of them once, in rotating order,
 * and a variant's ratio to its baseline is taken per round (neighbours in time), then the median over rounds.
 */
export async function benchVerifier({ rounds = 15, durationSec = 1 } = {}): Promise<Record<string, number>> {
  const ports = await freePorts(MODES);
  const bundle = bundledVerifier().path;
  const servers = Object.fromEntries(await Promise.all(MODES.map(async (m) => [m, await startServer(m, ports[m], bundle)]))) as Record<Mode, Server>;
  const rps = Object.fromEntries(MODES.map((m) => [m, [] as number[]])) as Record<Mode, number[]>;
  const cpu = Object.fromEntries(MODES.map((m) => [m, [] as number[]])) as Record<Mode, number[]>;
  const refused = Object.fromEntries(MODES.map((m) => [m, 0])) as Record<Mode, number>;
  try {
    const sources = headerSources((m) => servers[m].url);
    const run = async (mode: Mode, durationSec: number) => {
      const source = sources[mode];
      const { result, sent } = await load(servers[mode].url, source.pool(), durationSec);
      source.used(sent);
      return result;
    };
    for (const mode of MODES) await run(mode, 1); // warm up the JIT
    for (let r = 0; r < rounds; r++) {
      for (const mode of MODES.map((_, i) => MODES[(i + r) % MODES.length] as Mode)) {
        const server = servers[mode];
        const before = await usage(server);
        const result = await run(mode, durationSec);
        const after = await usage(server);
        rps[mode].push(result.requests.total / result.duration);
        cpu[mode].push((after.cpuUs - before.cpuUs) / (after.served - before.served));
        refused[mode] += result.non2xx + result.errors;
      }
    }
  } finally {
    await Promise.all(
      Object.values(servers).map(({ child }) => {
        child.kill('SIGTERM');
        return new Promise((done) => child.once('exit', done));
      }),
    );
  }
  const perRound = (m: Mode, base: Mode) => rps[m].map((x, i) => x / (rps[base][i] as number));
  const ratios = {
    sharedSecret: perRound('shared-secret', 'none'),
    hs256: perRound('jwt', 'none'),
    es256Bound: perRound('es256-bound', 'none'),
    es256: perRound('es256', 'none'),
    es256VsBound: perRound('es256', 'es256-bound'),
  };
  const row = (label: string, m: Mode, vsNone: number[] | undefined, vsBound = '') => [
    label,
    median(rps[m]).toFixed(0),
    `${median(cpu[m]).toFixed(1)} µs`,
    vsNone === undefined ? fmt.x(1) : `${fmt.x(median(vsNone))} (${spread(vsNone)})`,
    vsBound,
    refused[m],
  ];
  table(
    `Verifier throughput, node:http on loopback, 10 connections, ${rounds} rotating rounds of ${durationSec} s per server (tokens signed before each run; ratios per round, median and range)`,
    ['server', 'req/s (median)', 'server CPU/req', 'vs no auth', 'vs the ES256 bound', 'non-2xx'],
    [
      row('no auth (baseline)', 'none', undefined),
      row('shared secret', 'shared-secret', ratios.sharedSecret),
      row('HS256 JWT (fresh jti each)', 'jwt', ratios.hs256, `HS256 vs no auth: ${met(median(ratios.hs256), TARGETS.hs256)}`),
      row('ES256 bound: no auth + one node:crypto ES256 verify', 'es256-bound', ratios.es256Bound, fmt.x(1)),
      row(
        'ES256 JWT (static key, fresh jti each)',
        'es256',
        ratios.es256,
        `${met(median(ratios.es256VsBound), TARGETS.es256)} (${spread(ratios.es256VsBound)})`,
      ),
    ],
  );
  // CPU per request is less exposed than req/s to what else runs on the two cores; it is the server's alone.
  const cpuShare = { hs256: median(cpu.none) / median(cpu.jwt), es256: median(cpu['es256-bound']) / median(cpu.es256) };
  console.log(`  server CPU per request as a share: HS256 ${fmt.x(cpuShare.hs256)} of no auth's, ES256 ${fmt.x(cpuShare.es256)} of the bound's`);
  return {
    noAuthRps: median(rps.none),
    sharedSecretRatio: median(ratios.sharedSecret),
    hs256Ratio: median(ratios.hs256),
    es256Ratio: median(ratios.es256),
    es256BoundRatio: median(ratios.es256Bound),
    es256VsBound: median(ratios.es256VsBound),
    hs256CpuShare: cpuShare.hs256,
    es256CpuShare: cpuShare.es256,
    refused: refused.jwt + refused['shared-secret'] + refused.es256 + refused['es256-bound'],
  };
}
