/** SSM round trips per 1,000 invocations over 10 installations: real SDK, ssm-local, the runtime's cache. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createApp } from '@tessera/runtime';
import { createInstaller, SsmIparamStore } from '@tessera/runtime/iparams';
import { silentLogger } from '@tessera/protocol/log';
import { startSsmLocal } from '@tessera/offline';
import { countingClient } from '../test/helpers/ssm.js';
import { table } from './_measure.js';

const manifest = {
  app: { id: 'order-lookup', version: '1.0.0' },
  functions: { getOrder: { methods: ['GET'] } },
  customer: { baseUrl: '{{iparams.server_url}}', allowedHosts: ['*.orders.example.com'], auth: { mode: 'jwt', secretIparam: 'shared_secret' } },
};
const schema = {
  server_url: { display_name: 'Server', type: 'url' as const, required: true },
  shared_secret: { display_name: 'Secret', type: 'text' as const, secure: true, required: true },
};

export async function benchSsmTrips(): Promise<Record<string, number>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-bench-ssm-'));
  const server = await startSsmLocal({ dataDir, port: 0, logger: silentLogger });
  try {
    const admin = createInstaller({
      manifest,
      schema,
      store: new SsmIparamStore({ client: countingClient(server.url).client }),
      logger: silentLogger,
    });
    const ids = Array.from({ length: 10 }, (_, i) => `tenant-${i}`);
    for (const id of ids) await admin.install(id, { server_url: `https://${id}.orders.example.com`, shared_secret: 's'.repeat(43) });

    const rows: (string | number)[][] = [];
    const result: Record<string, number> = {};
    for (const [label, concurrent] of [
      ['sequential', false],
      ['10 concurrent per batch', true],
    ] as const) {
      const { client, total } = countingClient(server.url);
      const app = createApp({
        manifest,
        store: new SsmIparamStore({ client }),
        identify: (e) => e.headers['x-installation'] as string,
        logger: silentLogger,
      });
      const fn = app.defineFunction('getOrder', ({ installationId }) => ({ body: { installationId } }));
      const ev = (id: string) =>
        ({
          headers: { 'x-installation': id },
          requestContext: { http: { method: 'GET' } },
          rawPath: '/getOrder',
          rawQueryString: '',
        }) as unknown as APIGatewayProxyEventV2;
      for (let batch = 0; batch < 100; batch++) {
        const calls = ids.map((id) => () => fn(ev(id)));
        if (concurrent) await Promise.all(calls.map((c) => c()));
        else for (const c of calls) await c();
      }
      rows.push([label, 1000, total(), (total() / 1000).toFixed(3)]);
      result[concurrent ? 'concurrentTrips' : 'sequentialTrips'] = total();
    }
    table(
      'SSM round trips, 1,000 invocations over 10 installations, one warm instance (TTL 60 s)',
      ['pattern', 'invocations', 'SSM round trips', 'per invocation'],
      rows,
    );
    console.log("  At SSM's standard 40 GetParameter/s per account and region and a 60 s TTL, one account sustains 2,400 warm");
    console.log('  (instance, installation) pairs; each cold start adds one read per installation it serves.');
    return result;
  } finally {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
