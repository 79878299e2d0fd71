import { request } from 'node:http';
import { GetParameterCommand, GetParametersByPathCommand, InternalServerError, PutParameterCommand, ThrottlingException } from '@aws-sdk/client-ssm';
import { MAX_BODY_BYTES } from '../../src/index.js';
import { clientFor, expectAwsError, type SsmLocalHarness, startHarness } from '../../../../test/fixtures/ssm-local-harness.js';

const SECRET = 'correct-horse-battery-staple-7f3a';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one raw HTTP request, with the headers the SDK would send unless overridden. */
function raw(url: string, body: string | Buffer, headers: Record<string, string> = {}, method = 'POST'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'AmazonSSM.GetParameter',
          'content-length': String(Buffer.byteLength(body)),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    // The server may close an oversized upload before reading it all; the response still arrives.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    req.end(body);
  });
}

describe('startSsmLocal', () => {
  let h: SsmLocalHarness;

  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.dispose();
  });

  describe('wire: AWS JSON 1.1', () => {
    it('answers with the AWS JSON 1.1 content type', async () => {
      // Act
      const res = await raw(h.server.url, '{"Name":"/nope"}');
      // Assess
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(JSON.parse(res.body)).toEqual({ __type: 'ParameterNotFound', message: 'Parameter /nope not found.' });
    });

    it.each([
      ['an unknown operation', '{}', { 'x-amz-target': 'AmazonSSM.LabelParameterVersion' }, 400, 'UnknownOperationException'],
      ['another service target', '{}', { 'x-amz-target': 'AmazonS3.GetObject' }, 400, 'UnknownOperationException'],
      ['malformed JSON', `{"Name":"/x","Value":"${SECRET}"`, {}, 400, 'SerializationException'],
      ['a JSON array', '[]', {}, 400, 'SerializationException'],
      ['a member of the wrong type', '{"Name":42}', {}, 400, 'SerializationException'],
      ['a missing required member', '{}', {}, 400, 'ValidationException'],
    ])('refuses %s', async (_case, body, headers, status, errorType) => {
      // Act
      const res = await raw(h.server.url, body, headers);
      // Assess
      expect(res.status).toBe(status);
      expect(JSON.parse(res.body).__type).toBe(errorType);
      expect(res.body).not.toContain(SECRET);
      expect(h.logger.text()).not.toContain(SECRET);
    });

    it('refuses a GET with 405', async () => {
      // Act
      const res = await raw(h.server.url, '', {}, 'GET');
      // Assess
      expect(res.status).toBe(405);
      expect(JSON.parse(res.body).__type).toBe('UnknownOperationException');
    });

    it('refuses a body over 1 MiB with 413 and stores nothing', async () => {
      // Prepare
      const body = JSON.stringify({ Name: '/big', Value: SECRET.repeat(40_000), Type: 'String' });
      expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_BODY_BYTES);
      // Act
      const res = await raw(h.server.url, body, { 'x-amz-target': 'AmazonSSM.PutParameter' });
      // Assess
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body).__type).toBe('RequestEntityTooLargeException');
      expect(res.body).not.toContain(SECRET);
      expect(h.logger.text()).not.toContain(SECRET);
      expect((await raw(h.server.url, '{"Name":"/big"}')).status).toBe(400);
    });
  });

  describe('method: injectFault', () => {
    it('throttles the next call of one operation only', async () => {
      // Prepare
      await h.client.send(new PutParameterCommand({ Name: '/app/k', Value: SECRET, Type: 'SecureString' }));
      h.server.injectFault('GetParameter', 'ThrottlingException');
      // Act
      const err = await expectAwsError(h.client.send(new GetParameterCommand({ Name: '/app/k', WithDecryption: true })), ThrottlingException, 400);
      const byPath = await h.client.send(new GetParametersByPathCommand({ Path: '/app' }));
      const again = await h.client.send(new GetParameterCommand({ Name: '/app/k', WithDecryption: true }));
      // Assess
      expect(err.message).toBe('Rate exceeded');
      expect(err.message).not.toContain(SECRET);
      expect(byPath.Parameters).toHaveLength(1);
      expect(again.Parameter?.Value).toBe(SECRET);
    });

    it('answers InternalServerError with 500 for `count` calls, which the SDK retries', async () => {
      // Prepare
      await h.client.send(new PutParameterCommand({ Name: '/app/k', Value: 'v', Type: 'String' }));
      h.server.injectFault('GetParameter', 'InternalServerError', 2);
      const retrying = clientFor(h.server, 3);
      // Act
      const err = await expectAwsError(h.client.send(new GetParameterCommand({ Name: '/app/k' })), InternalServerError, 500);
      const recovered = await retrying.send(new GetParameterCommand({ Name: '/app/k' }));
      retrying.destroy();
      // Assess
      expect(err.$fault).toBe('server');
      expect(recovered.Parameter?.Value).toBe('v');
      expect(recovered.$metadata.attempts).toBe(2);
    });

    it('leaves the store untouched when a write is faulted', async () => {
      // Prepare
      h.server.injectFault('PutParameter', 'ThrottlingException');
      // Act
      await expectAwsError(h.client.send(new PutParameterCommand({ Name: '/app/k', Value: 'v', Type: 'String' })), ThrottlingException, 400);
      const retry = await h.client.send(new PutParameterCommand({ Name: '/app/k', Value: 'v', Type: 'String' }));
      // Assess
      expect(retry.Version).toBe(1);
    });

    it.each([
      ['an unknown operation', ['GetSecretValue', 'ThrottlingException', 1]],
      ['an error type that is not a name', ['GetParameter', 'Throttling Exception', 1]],
      ['a zero count', ['GetParameter', 'ThrottlingException', 0]],
    ] as const)('throws TypeError for %s', (_case, [op, errorType, count]) => {
      // Act
      const act = () => h.server.injectFault(op, errorType, count);
      // Assess
      expect(act).toThrow(TypeError);
    });
  });

  describe('option: logger', () => {
    it('logs one debug record per request with the operation and status, never the value', async () => {
      // Prepare
      h.logger.records.length = 0;
      // Act
      await h.client.send(new PutParameterCommand({ Name: '/app/k', Value: SECRET, Type: 'SecureString' }));
      await h.client.send(new GetParameterCommand({ Name: '/app/k', WithDecryption: true }));
      await h.client.send(new GetParameterCommand({ Name: '/app/nope' })).catch(() => undefined);
      // Assess
      expect(h.logger.records).toEqual([
        { level: 'debug', event: 'ssm-local.request', fields: { op: 'PutParameter', status: 200 } },
        { level: 'debug', event: 'ssm-local.request', fields: { op: 'GetParameter', status: 200 } },
        {
          level: 'debug',
          event: 'ssm-local.request',
          fields: { op: 'GetParameter', status: 400, errorType: 'ParameterNotFound' },
        },
      ]);
      expect(h.logger.text()).not.toContain(SECRET);
    });
  });

  describe('option: host', () => {
    it('listens on the loopback address by default', () => {
      // Assess
      expect(new URL(h.server.url).hostname).toBe('127.0.0.1');
      expect(h.server.port).toBeGreaterThan(0);
    });
  });
});
