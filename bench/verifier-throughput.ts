/** Verifier requests per second on loopback (autocannon, bounded), as ratios to the same server with no auth. */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { createEs256Signer, createHs256Signer, newJti } from '@tessera/runtime/outbound';
import { bodyHash, normalizeHtu, type RequestClaims } from '@tessera/protocol';
import { freePort, waitForPort } from '../test/helpers/ports.js';
import { fmt, median, table } from './_measure.js';

export const SECRET = randomBytes(32).toString('base64url');
/** The app's ES256 key: the server gets the public half as a JWK, the load generator signs with the private half. */
const APP_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const APP_JWK = JSON.stringify({ ...APP_KEY.publicKey.export({ format: 'jwk' }), kid: 'bench-1' });
const MODES = ['none', 'shared-secret', 'jwt', 'es256'] as const;
type Mode = (typeof MODES)[number];

async function startServer(mode: Mode): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(__dirname, '_verifier-server.ts'), mode, String(port)], {
    env: { ...process.env, BENCH_SECRET: SECRET, BENCH_JWK: APP_JWK },
    stdio: 'ignore',
  });
  await waitForPort(port, 30_000);
  return { child, port };
}

const POOL = 150_000;
/** ES256 signing costs ~30 µs a token; a server verifying ES256 answers well under 10,000 req/s here. */
const ES256_POOL = 40_000;

/**
 * One header per request, from a pool made before the run, the same length in every mode: the load generator shares
 * the two cores with the server, so its per-request work must not differ between the variants measured.
 */
function headerPool(mode: Mode, url: string): [name: string, values: string[]] {
  const htu = normalizeHtu(url);
  const aud = new URL(url).origin;
  const bh = bodyHash(undefined);
  const iat = Math.floor(Date.now() / 1000);
  const tokenOf = (sign: (claims: RequestClaims) => string) => () =>
    `Bearer ${sign({ iss: 'order-lookup', sub: 'acme', aud, iat, nbf: iat, exp: iat + 60, jti: newJti(), htm: 'GET', htu, bh })}`;
  const token = tokenOf(createHs256Signer(SECRET));
  const width = token().length;
  if (mode === 'jwt') return ['authorization', Array.from({ length: POOL }, token)];
  // About 45 characters longer than the HS256 header (a kid and a 64-byte signature): the load generator's extra work
  // is a small fraction of what the verifier's ES256 check costs.
  if (mode === 'es256') return ['authorization', Array.from({ length: ES256_POOL }, tokenOf(createEs256Signer(APP_KEY.privateKey, 'bench-1')))];
  if (mode === 'shared-secret') return ['x-tessera-secret', Array.from({ length: POOL }, () => SECRET)];
  return ['x-padding', Array.from({ length: POOL }, () => randomBytes(width).toString('base64url').slice(0, width))];
}

export function load(mode: Mode, port: number, durationSec: number): Promise<autocannon.Result> {
  const url = `http://127.0.0.1:${port}/orders/1001`;
  const [name, values] = headerPool(mode, url);
  let next = 0;
  const size = values.length;
  return autocannon({
    url,
    connections: 10,
    duration: durationSec,
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => {
          req.headers = { [name]: values[next++ % size]! };
          return req;
        },
      },
    ],
  });
}

export async function benchVerifier({ rounds = 3, durationSec = 3 } = {}): Promise<Record<string, number>> {
  const rps: Record<Mode, number[]> = { none: [], 'shared-secret': [], jwt: [], es256: [] };
  const refused: Record<Mode, number> = { none: 0, 'shared-secret': 0, jwt: 0, es256: 0 };
  for (let r = 0; r < rounds; r++) {
    for (const mode of MODES) {
      const { child, port } = await startServer(mode);
      try {
        await load(mode, port, 1); // warm up the JIT
        const res = await load(mode, port, durationSec);
        rps[mode].push(res.requests.average);
        refused[mode] += res.non2xx + res.errors;
      } finally {
        child.kill('SIGTERM');
        await new Promise((done) => child.once('exit', done));
      }
    }
  }
  const base = median(rps.none);
  const ratio = (m: Mode) => median(rps[m]) / base;
  table(
    `Verifier throughput, node:http on loopback, 10 connections, ${rounds} interleaved rounds of ${durationSec} s (tokens signed before the run)`,
    ['server', 'req/s (median)', 'vs no auth', 'non-2xx'],
    [
      ['no auth (baseline)', median(rps.none).toFixed(0), fmt.x(1), refused.none],
      ['shared secret', median(rps['shared-secret']).toFixed(0), fmt.x(ratio('shared-secret')), refused['shared-secret']],
      ['HS256 JWT (fresh jti each)', median(rps.jwt).toFixed(0), `${fmt.x(ratio('jwt'))} (target ≥ 0.75×)`, refused.jwt],
      ['ES256 JWT (static key, fresh jti each)', median(rps.es256).toFixed(0), fmt.x(ratio('es256')), refused.es256],
    ],
  );
  return {
    noAuthRps: base,
    sharedSecretRatio: ratio('shared-secret'),
    hs256Ratio: ratio('jwt'),
    es256Ratio: ratio('es256'),
    refused: refused.jwt + refused['shared-secret'] + refused.es256,
  };
}
