/** A verifier fleet sharing one Redis replay store, so a token replayed to another instance is refused too. */
import express from 'express';
import Redis from 'ioredis';
import { RedisReplayStore, tesseraExpress } from '@tessera/verify';

// Configuration picks the store: TESSERA_REDIS_URL set → shared Redis store, unset → in-memory (single process).
const redisUrl = process.env.TESSERA_REDIS_URL; // e.g. rediss://replay.internal:6380
const replayStore = redisUrl
  ? new RedisReplayStore({
      client: new Redis(redisUrl, { maxRetriesPerRequest: 1 }).on('error', (err) => console.warn('redis', err.name)),
      keyPrefix: 'orders:tessera:', // default 'tessera:replay:'
      timeoutMs: 500, // default 1000
    })
  : undefined;

const app = express();
app.use(
  '/orders',
  tesseraExpress({
    mode: 'jwt',
    secrets: [process.env.TESSERA_SECRET!],
    publicOrigin: 'https://orders.acme.com',
    issuer: 'order-lookup',
    replayStore,
  }),
);
