/** Child process of the verifier benchmark: a node:http server with no auth, a shared secret, HS256 or ES256. */
import { createServer } from 'node:http';
import { silentLogger } from '@tessera/protocol/log';
import { createVerifier, sendVerifyError, verifyNodeRequest, type PublicJwk, type Verifier } from '@tessera/verify';

const [mode = 'none', port = '0'] = process.argv.slice(2);
const secret = process.env.BENCH_SECRET as string;
const publicOrigin = `http://127.0.0.1:${port}`;
function verifierFor(name: string): Verifier | undefined {
  if (name === 'none') return undefined;
  if (name === 'shared-secret') return createVerifier({ mode: 'shared-secret', secrets: [secret], publicOrigin, logger: silentLogger });
  if (name === 'es256') {
    // The app's public key, as its JWKS would publish it: static here, which is also the JWKS path once cached.
    const keys = [JSON.parse(process.env.BENCH_JWK as string) as PublicJwk];
    return createVerifier({
      mode: 'jwt',
      algorithms: ['ES256'],
      keys,
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

const server = createServer((req, res) => {
  if (!verifier) {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(ORDER);
    });
    return;
  }
  verifyNodeRequest(req, verifier).then(
    () => {
      res.setHeader('content-type', 'application/json');
      res.end(ORDER);
    },
    (err: unknown) => sendVerifyError(res, err),
  );
});
server.listen(Number(port), '127.0.0.1');
let served = 0;
server.on('request', () => served++);
const cpu0 = process.cpuUsage();
process.on('SIGTERM', () => {
  if (process.env.BENCH_CPU) {
    const u = process.cpuUsage(cpu0);
    process.stderr.write(`server ${mode}: ${served} requests, ${((u.user + u.system) / served).toFixed(1)} µs CPU each\n`);
  }
  server.close(() => process.exit(0));
});
