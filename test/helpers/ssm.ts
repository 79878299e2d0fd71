/** A real ssm-local on a temp dir and real SDK clients that count their HTTP round trips. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSMClient } from '@aws-sdk/client-ssm';
import { silentLogger } from '../../packages/protocol/src/log.js';
import { startSsmLocal, type SsmLocalServer } from '../../packages/offline/src/index.js';

export interface LocalSsm {
  server: SsmLocalServer;
  dataDir: string;
  /** A client with one attempt per call and a per-operation count of HTTP round trips. */
  client(): { client: SSMClient; trips: Record<string, number>; total(): number };
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Counts each attempt the SDK sends, at the deserialize step (after retries fan out), as Powertools does. */
export function countingClient(endpoint: string): { client: SSMClient; trips: Record<string, number>; total(): number } {
  const trips: Record<string, number> = {};
  const client = new SSMClient({ endpoint, maxAttempts: 1 });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String(context.commandName).replace(/Command$/, '');
      trips[op] = (trips[op] ?? 0) + 1;
      return next(args);
    },
    { step: 'deserialize', name: 'roundTripCounter' },
  );
  return { client, trips, total: () => Object.values(trips).reduce((a, b) => a + b, 0) };
}

export async function startLocalSsm(dataDir = mkdtempSync(join(tmpdir(), 'tessera-ssm-'))): Promise<LocalSsm> {
  let server = await startSsmLocal({ dataDir, port: 0, logger: silentLogger });
  const local: LocalSsm = {
    get server() {
      return server;
    },
    dataDir,
    client: () => countingClient(server.url),
    async restart() {
      await server.close();
      server = await startSsmLocal({ dataDir, port: 0, logger: silentLogger });
    },
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return local;
}
