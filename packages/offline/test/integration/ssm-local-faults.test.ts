import { rm } from 'node:fs/promises';
import { request } from 'node:http';
import { GetParameterCommand, type InternalServerError, PutParameterCommand, SSMClient, ThrottlingException } from '@aws-sdk/client-ssm';
import { parseSsmFaults, SSM_LOCAL_OPERATIONS, type SsmFault, type SsmLocalServer, startSsmLocal } from '../../src/index.js';
import { captureLogger, clientFor, expectAwsError, makeDataDir } from '../../../../test/fixtures/ssm-local-harness.js';

const SECRET = 'fault-secret-value-9c2e';

/** One raw request to the faults route. */
function route(
  server: SsmLocalServer,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { faults?: unknown[]; requests?: Record<string, number> } }> {
  const payload = body === undefined ? '' : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.url}/_tessera/faults`,
      { method, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The outcome of one GetParameter: 'ok', or the SDK error's name. */
async function outcome(client: SSMClient): Promise<string> {
  try {
    await client.send(new GetParameterCommand({ Name: '/app/k', WithDecryption: true }));
    return 'ok';
  } catch (err) {
    return (err as Error).name;
  }
}

describe('startSsmLocal faults', () => {
  let dataDir: string;
  let server: SsmLocalServer;
  let client: SSMClient;
  const clock = { ms: 1_000 };

  beforeEach(async () => {
    dataDir = await makeDataDir();
    server = await startSsmLocal({ dataDir, port: 0, logger: captureLogger(), now: () => clock.ms });
    client = clientFor(server);
    await client.send(new PutParameterCommand({ Name: '/app/k', Value: SECRET, Type: 'SecureString' }));
  });
  afterEach(async () => {
    client.destroy();
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('kind: throttle', () => {
    it('answers ThrottlingException to the operation named, and lets the others through', async () => {
      // Prepare
      server.faults.set({ kind: 'throttle', operation: 'GetParameter' });
      // Act
      const err = await expectAwsError(client.send(new GetParameterCommand({ Name: '/app/k' })), ThrottlingException, 400);
      const put = await client.send(new PutParameterCommand({ Name: '/app/j', Value: 'v', Type: 'String' }));
      // Assess
      expect(err.message).toBe('Rate exceeded');
      expect(put.Version).toBe(1);
    });

    it('hits the same requests for the same seed, and only a share of them', async () => {
      // Prepare
      const draws = async (): Promise<string[]> => {
        server.faults.set({ kind: 'throttle', rate: 0.5, seed: 42 });
        const out: string[] = [];
        for (let i = 0; i < 40; i++) out.push(await outcome(client));
        return out;
      };
      // Act
      const first = await draws();
      const second = await draws();
      // Assess
      expect(second).toEqual(first);
      expect(new Set(first)).toEqual(new Set(['ok', 'ThrottlingException']));
    });

    it('ends after forMs on the endpoint clock', async () => {
      // Prepare
      server.faults.set({ kind: 'throttle', forMs: 5_000 });
      // Act
      const during = await outcome(client);
      clock.ms += 5_000;
      const after = await outcome(client);
      // Assess
      expect([during, after]).toEqual(['ThrottlingException', 'ok']);
      expect(server.faults.active()).toEqual([]);
    });

    it('ends after count requests', async () => {
      // Prepare
      server.faults.set({ kind: 'throttle', count: 2 });
      // Act
      const outcomes = [await outcome(client), await outcome(client), await outcome(client)];
      // Assess
      expect(outcomes).toEqual(['ThrottlingException', 'ThrottlingException', 'ok']);
    });
  });

  describe('kind: status', () => {
    it.each([
      [500, 'InternalServerError'],
      [503, 'ServiceUnavailable'],
    ] as const)('answers %i %s, a server fault the SDK retries', async (status, name) => {
      // Prepare
      server.faults.set({ kind: 'status', status, count: 2 });
      const retrying = clientFor(server, 3);
      // Act
      const failed = (await client.send(new GetParameterCommand({ Name: '/app/k' })).catch((err: unknown) => err)) as InternalServerError;
      const recovered = await retrying.send(new GetParameterCommand({ Name: '/app/k', WithDecryption: true }));
      retrying.destroy();
      // Assess
      expect(failed.name).toBe(name);
      expect(failed.$metadata.httpStatusCode).toBe(status);
      expect(failed.$fault).toBe('server');
      expect(recovered.$metadata.attempts).toBe(2);
      expect(recovered.Parameter?.Value).toBe(SECRET);
    });
  });

  describe('kind: latency', () => {
    it('answers late: after a client timeout shorter than the delay, in time for a longer one', async () => {
      // Prepare
      server.faults.set({ kind: 'latency', ms: 300 });
      const impatient = new SSMClient({ endpoint: server.url, maxAttempts: 1, requestHandler: { requestTimeout: 50, throwOnRequestTimeout: true } });
      // Act
      const short = await outcome(impatient);
      const long = await outcome(client);
      impatient.destroy();
      // Assess
      expect([short, long]).toEqual(['TimeoutError', 'ok']);
    });
  });

  describe('kind: drop', () => {
    it('destroys the connection without an answer, counted as a request that reached the endpoint', async () => {
      // Prepare
      server.faults.set({ kind: 'drop', operation: 'PutParameter' });
      const before = server.requestCounts().PutParameter ?? 0;
      // Act
      const err = (await client
        .send(new PutParameterCommand({ Name: '/app/k', Value: 'other', Type: 'SecureString', Overwrite: true }))
        .catch((e: unknown) => e)) as Error;
      server.faults.clear();
      const stored = await client.send(new GetParameterCommand({ Name: '/app/k', WithDecryption: true }));
      // Assess
      expect(err.message).toMatch(/socket hang up/);
      expect((server.requestCounts().PutParameter ?? 0) - before).toBe(1);
      expect(stored.Parameter?.Value).toBe(SECRET);
    });
  });

  describe('kind: outage', () => {
    it('closes every connection as it opens until cleared, and no request reaches the endpoint', async () => {
      // Prepare
      const before = server.requestCounts().GetParameter ?? 0;
      server.faults.set({ kind: 'outage' });
      // Act
      const down = (await client.send(new GetParameterCommand({ Name: '/app/k' })).catch((e: unknown) => e)) as Error;
      const reached = (server.requestCounts().GetParameter ?? 0) - before;
      server.faults.clear();
      const up = await outcome(client);
      // Assess
      expect(down.message).toMatch(/socket hang up|ECONNRESET/);
      expect(up).toBe('ok');
      expect(reached).toBe(0);
    });
  });

  describe('method: faults.set', () => {
    it.each([
      ['an unknown kind', { kind: 'slow' }],
      ['an unknown key', { kind: 'throttle', rat: 0.5 }],
      ['a rate of 0', { kind: 'throttle', rate: 0 }],
      ['a rate above 1', { kind: 'drop', rate: 1.5 }],
      ['a status other than 500 or 503', { kind: 'status', status: 404 }],
      ['a latency of 0 ms', { kind: 'latency', ms: 0 }],
      ['a fractional forMs', { kind: 'throttle', forMs: 1.5 }],
      ['an unknown operation', { kind: 'throttle', operation: 'GetSecretValue' }],
      ['an outage of one operation', { kind: 'outage', operation: 'GetParameter' }],
      ['an error type that is not a name', { kind: 'error', errorType: 'Rate exceeded' }],
    ])('throws TypeError for %s, leaving the faults as they were', (_case, fault) => {
      // Prepare
      server.faults.set({ kind: 'latency', ms: 5 });
      // Act
      const act = () => server.faults.set(fault as SsmFault);
      // Assess
      expect(act).toThrow(TypeError);
      expect(server.faults.active()).toEqual([{ kind: 'latency', ms: 5 }]);
    });
  });

  describe('route: /_tessera/faults', () => {
    it('replaces the faults with PUT, lists them and the request counts with GET, clears them with DELETE', async () => {
      // Act
      const put = await route(server, 'PUT', [{ kind: 'throttle', operation: 'GetParameter' }]);
      const throttled = await outcome(client);
      const listed = await route(server, 'GET');
      const cleared = await route(server, 'DELETE');
      const after = await outcome(client);
      // Assess
      expect(put.status).toBe(200);
      expect(throttled).toBe('ThrottlingException');
      expect(listed.body.faults).toEqual([{ kind: 'throttle', operation: 'GetParameter' }]);
      expect(listed.body.requests).toEqual({ PutParameter: 1, GetParameter: 1 });
      expect(cleared.body.faults).toEqual([]);
      expect(after).toBe('ok');
    });

    it.each(['GET', 'DELETE', 'PUT'])('refuses %s under a Host that is not loopback, leaving the faults and listing nothing', async (method) => {
      // Prepare
      server.faults.set({ kind: 'latency', ms: 5 });
      // Act
      const res = await route(server, method, method === 'PUT' ? [] : undefined, { host: 'rebound.example.com' });
      // Assess
      expect(res.status).toBe(403);
      expect(res.body.requests).toBeUndefined();
      expect(server.faults.active()).toEqual([{ kind: 'latency', ms: 5 }]);
    });

    it('counts an unknown operation as "unknown", never under the name the caller sent', async () => {
      // Act
      await new Promise<void>((done, reject) => {
        const req = request(
          server.url,
          { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.ZzCallerText' } },
          (res) => {
            res.resume();
            res.on('end', done);
          },
        );
        req.on('error', reject);
        req.end('{}');
      });
      const listed = await route(server, 'GET');
      // Assess
      expect(listed.body.requests).toEqual({ PutParameter: 1, unknown: 1 });
      expect(JSON.stringify(listed.body)).not.toContain('ZzCallerText');
    });

    it('stays up through an outage, so an outage with no end is listed and then ended by DELETE', async () => {
      // Act
      const put = await route(server, 'PUT', [{ kind: 'outage' }]);
      const down = await outcome(client);
      const listed = await route(server, 'GET');
      const cleared = await route(server, 'DELETE');
      const up = await outcome(client);
      // Assess
      expect(put.status).toBe(200);
      expect(down).not.toBe('ok');
      expect(listed.body.faults).toEqual([{ kind: 'outage' }]);
      expect(cleared.body.faults).toEqual([]);
      expect(up).toBe('ok');
    });

    it('answers a PUT of an outage before the outage closes its connection, and the outage ends after forMs', async () => {
      // Act
      const put = await route(server, 'PUT', [{ kind: 'outage', forMs: 5_000 }]);
      const down = await outcome(client);
      clock.ms += 5_001;
      const up = await outcome(client);
      // Assess
      expect(put).toMatchObject({ status: 200, body: { faults: [{ kind: 'outage', forMs: 5_000 }] } });
      expect(down).not.toBe('ok');
      expect(up).toBe('ok');
    });

    it.each([
      ['a fault it cannot check', [{ kind: 'throttle', rate: 2 }], {}, 400],
      ['a body that is not an array', { kind: 'throttle' }, {}, 400],
      ['a body that is not JSON (a form a page could post)', [{ kind: 'throttle' }], { 'content-type': 'text/plain' }, 415],
      ['a Host that is not loopback (DNS rebinding)', [{ kind: 'throttle' }], { host: 'evil.example.com' }, 403],
    ])('refuses %s and keeps no fault', async (_case, body, headers, status) => {
      // Act
      const res = await route(server, 'PUT', body, headers);
      // Assess
      expect(res.status).toBe(status);
      expect(server.faults.active()).toEqual([]);
      expect(await outcome(client)).toBe('ok');
    });
  });
});

describe('parseSsmFaults', () => {
  it.each([
    ['throttle', [{ kind: 'throttle' }]],
    ['throttle:0.5', [{ kind: 'throttle', rate: 0.5 }]],
    ['status:503,op=GetParameter,for=10000', [{ kind: 'status', status: 503, operation: 'GetParameter', forMs: 10_000 }]],
    [
      'latency:200+drop:0.1,seed=7',
      [
        { kind: 'latency', ms: 200 },
        { kind: 'drop', rate: 0.1, seed: 7 },
      ],
    ],
    ['error:ParameterLimitExceeded,count=2', [{ kind: 'error', errorType: 'ParameterLimitExceeded', count: 2 }]],
    ['outage:5000', [{ kind: 'outage', forMs: 5_000 }]],
  ])('reads %s', (spec, faults) => {
    // Act
    const parsed = parseSsmFaults(spec, SSM_LOCAL_OPERATIONS);
    // Assess
    expect(parsed).toEqual(faults);
  });

  it.each(['slow', 'throttle:lots', 'drop,when=now', 'status:404', 'latency', 'outage:5000,op=GetParameter'])('throws TypeError for %s', (spec) => {
    // Act
    const act = () => parseSsmFaults(spec, SSM_LOCAL_OPERATIONS);
    // Assess
    expect(act).toThrow(TypeError);
  });
});
