/**
 * Child process of the verifier benchmark: a node:http server with no auth, a shared secret, HS256, ES256, or the
 * ES256 bound (no auth plus one bare node:crypto ES256 verification per request).
 */
import { createPublicKey, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { silentLogger } from '@tessera/protocol/log';
import type * as Verify from '@tessera/verify';
import type { PublicJwk, Verifier } from '@tessera/verify';

// The verifier as a customer's server loads it: the bundle the parent built (tsx's import interop is not Tessera's).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createVerifier, sendVerifyError, verifyNodeRequest } = require(process.env.BENCH_VERIFY_BUNDLE as string) as typeof Verify;

const [mode = 'none', port = '0'] = process.argv.slice(2);
const secret = process.env.BENCH_SECRET as string;
const publicOrigin = `http://127.0.0.1:${port}`;
const appJwk = () => JSON.parse(process.env.BENCH_JWK as string) as PublicJwk;
function verifierFor(name: string): Verifier | undefined {
  if (name === 'none' || name === 'es256-bound') return undefined;
  if (name === 'shared-secret') return createVerifier({ mode: 'shared-secret', secrets: [secret], publicOrigin, logger: silentLogger });
  if (name === 'es256') {
    // The app's public key, as its JWKS would publish it: static here, which is also the JWKS path once cached.
    return createVerifier({
      mode: 'jwt',
      algorithms: ['ES256'],
      keys: [appJwk()],
      publicOrigin,
      issuer: 'order-lookup',
      installationId: 'acme',
      logger: silentLogger,
    });
  }
  return createVerifier({ mode: 'jwt', secrets: [secret], publicOrigin, issuer: 'order-lookup', installationId: 'acme', logger: silentLogger });
}
const verifier = verifierFor(mode);
const ORDER = JSON.stringify({ id: '1001', status: 'shipped', total: 129.9 });

/** The bound's one verification: a real token's signing input and signature, the key imported once. */
function signatureCheck(): () => boolean {
  const key = { key: createPublicKey({ key: appJwk(), format: 'jwk' }), dsaEncoding: 'ieee-p1363' as const };
  const input = Buffer.from(process.env.BENCH_ES256_INPUT as string, 'latin1');
  const signature = Buffer.from(process.env.BENCH_ES256_SIGNATURE as string, 'base64url');
  return () => verify('sha256', input, key, signature);
}
const check = mode === 'es256-bound' ? signatureCheck() : () => true;

function answer(res: ServerResponse): void {
  res.setHeader('content-type', 'application/json');
  res.end(ORDER);
}

/** No auth: the body is read (the verifier's own rule: HTTP/1.x framing with no length has none), then answered. */
function noAuth(req: IncomingMessage, res: ServerResponse): void {
  const framedEmpty = req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined;
  const reply = () => {
    if (check()) answer(res);
    else sendVerifyError(res, undefined);
  };
  if (framedEmpty) {
    reply();
    return;
  }
  req.resume();
  req.on('end', reply);
}

const server = createServer((req, res) => {
  if (!verifier) {
    noAuth(req, res);
    return;
  }
  verifyNodeRequest(req, verifier).then(
    () => answer(res),
    (err: unknown) => sendVerifyError(res, err),
  );
});
server.listen(Number(port), '127.0.0.1');
let served = 0;
server.on('request', () => served++);
// The parent asks for CPU time and requests served before and after each measured run.
process.on('message', () => {
  const cpu = process.cpuUsage();
  process.send?.({ cpuUs: cpu.user + cpu.system, served });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
