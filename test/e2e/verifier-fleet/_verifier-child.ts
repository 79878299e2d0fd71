/** One verifier of the fleet: node:http answering HS256 requests, its replay store shared on Redis or held in memory. */
import { createServer } from 'node:http';
import Redis from 'ioredis';
import { createJsonLogger, silentLogger } from '../../../packages/protocol/src/log.js';
import { createVerifier, MemoryReplayStore, RedisReplayStore, sendVerifyError, verifyNodeRequest } from '../../../packages/verify/src/index.js';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new Error(`verifier-fleet child: ${name} is not set`);
  return value;
}
const name = env('SERVER_NAME');
// The bench runs silent, so that writing log lines is not part of what it measures.
const logger = process.env.FLEET_LOGS === 'silent' ? silentLogger : createJsonLogger({ base: { component: 'verifier', server: name } });

function redisStore(): { store: RedisReplayStore; client: Redis } {
  // Commands fail after one retry while Redis is down (a fast 503), and reconnection is tried every 100 ms.
  const client = new Redis({ host: '127.0.0.1', port: Number(env('REDIS_PORT')), maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  client.on('error', (err: Error) => logger.log('warn', 'redis.error', { name: err.name }));
  return { store: new RedisReplayStore({ client, timeoutMs: 1_000 }), client };
}
const redis = env('FLEET_STORE') === 'redis' ? redisStore() : undefined;

const verifier = createVerifier({
  mode: 'jwt',
  secrets: [env('TESSERA_SECRET')],
  issuer: 'order-lookup',
  installationId: 'acme',
  publicOrigin: env('PUBLIC_ORIGIN'),
  logger,
  replayStore: redis?.store ?? new MemoryReplayStore(),
});

const ANSWER = JSON.stringify({ server: name });
const server = createServer((req, res) => {
  verifyNodeRequest(req, verifier).then(
    () => {
      res.setHeader('content-type', 'application/json');
      res.end(ANSWER);
    },
    (err: unknown) => sendVerifyError(res, err),
  );
});
server.listen(Number(env('PORT')), '127.0.0.1');
process.on('SIGTERM', () => {
  redis?.client.disconnect();
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
