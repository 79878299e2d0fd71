/**
 * createConnectionClient against a loopback stand-in for the management API, through the real SDK: the path and
 * SigV4 it sends, `gone` for a closed connection, and failures as TesseraErrors that never carry the SDK's answer.
 */
import { TesseraError } from '../../../../protocol/src/errors.js';
import { silentLogger } from '../../../../protocol/src/log.js';
import { startRecorder, type Recorder } from '../../../../../test/helpers/http-recorder.js';
import { capturedLogger } from '../inbound/_session-helpers.js';
import { connectionEndpoint, createConnectionClient, MAX_CONNECTION_MESSAGE_BYTES } from '../../../src/websocket/index.js';
import { CONNECTION_ID, messageEvent } from './_ws-helpers.js';

let api: Recorder;

beforeEach(async () => {
  api = await startRecorder();
});
afterEach(() => api.close());

/** A client of the recorder, one attempt per post so a scripted failure is answered once. */
function clientOf(extra: Record<string, unknown> = {}) {
  const { logger, lines } = capturedLogger();
  const client = createConnectionClient({ endpoint: `${api.origin}/dev`, offline: true, maxAttempts: 1, logger, ...extra });
  return { client, lines };
}

/** The answer API Gateway gives for an error: its type in a header and a JSON body the SDK keeps in `$response`. */
function answerError(status: number, type: string) {
  api.respond((_req, res) =>
    res
      .writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type })
      .end(JSON.stringify({ message: 'internal detail: arn:aws:execute-api:secret-account' })),
  );
}

describe('createConnectionClient', () => {
  describe('post', () => {
    it("posts the bytes to {endpoint}/@connections/{id} with the SDK's SigV4 and answers sent", async () => {
      // Prepare
      api.respond((_req, res) => res.writeHead(200).end());
      const { client } = clientOf();
      // Act
      const result = await client.post(CONNECTION_ID, '{"type":"note","id":"1001"}');
      // Assess
      expect(result).toBe('sent');
      const [post] = api.requests;
      expect([post?.method, post?.url]).toEqual(['POST', `/dev/@connections/${encodeURIComponent(CONNECTION_ID)}`]);
      expect(String(post?.headers.authorization)).toMatch(
        /^AWS4-HMAC-SHA256 .*\/execute-api\/aws4_request, SignedHeaders=.*, Signature=[0-9a-f]{64}$/,
      );
      expect(post?.body.toString()).toBe('{"type":"note","id":"1001"}');
    });

    it('posts a Uint8Array as it is', async () => {
      // Prepare
      api.respond((_req, res) => res.writeHead(200).end());
      const { client } = clientOf();
      // Act
      await client.post(CONNECTION_ID, new Uint8Array([0, 1, 254, 255]));
      // Assess
      expect([...(api.requests[0]?.body ?? [])]).toEqual([0, 1, 254, 255]);
    });

    it.each([
      ['GoneException (API Gateway)', () => answerError(410, 'GoneException')],
      ['a bare 410 (serverless-offline)', () => api.respond((_req, res) => res.writeHead(410).end())],
    ])('answers gone for %s, logging nothing', async (_name, answer) => {
      // Prepare
      answer();
      const { client, lines } = clientOf();
      // Act
      const result = await client.post(CONNECTION_ID, 'x');
      // Assess
      expect(result).toBe('gone');
      expect(lines).toEqual([]);
    });

    it.each<[string, number, string, string]>([
      ['a 500', 500, 'InternalServerErrorException', 'ERR_INTERNAL'],
      ['ForbiddenException (connection not yet open, or no IAM grant)', 403, 'ForbiddenException', 'ERR_INTERNAL'],
      ['PayloadTooLargeException', 413, 'PayloadTooLargeException', 'ERR_BODY_TOO_LARGE'],
      ['LimitExceededException (throttled)', 429, 'LimitExceededException', 'ERR_RATE_LIMITED'],
    ])('rejects %s with a TesseraError %s that names the SDK error only', async (_name, status, type, code) => {
      // Prepare
      answerError(status, type);
      const { client, lines } = clientOf();
      // Act
      const err = (await client.post(CONNECTION_ID, 'x').catch((e: unknown) => e)) as TesseraError;
      // Assess
      expect(err).toBeInstanceOf(TesseraError);
      expect(err.code).toBe(code);
      expect(err.cause).toBe(`management API answered ${type} (${status})`);
      expect(err).not.toHaveProperty('$response');
      const visible = [err.message, String(err.cause), JSON.stringify(err), err.toResponse().body, ...lines].join('\n');
      expect(visible).not.toContain('secret-account');
      expect(lines.map((l) => JSON.parse(l))).toEqual([
        expect.objectContaining({ level: 'warn', event: 'websocket.post.failed', errorName: type, status }),
      ]);
    });

    it('rejects a message over 128 KiB with ERR_BODY_TOO_LARGE before any request', async () => {
      // Prepare
      const { client } = clientOf();
      // Act
      const err = (await client.post(CONNECTION_ID, 'x'.repeat(MAX_CONNECTION_MESSAGE_BYTES + 1)).catch((e: unknown) => e)) as TesseraError;
      // Assess
      expect(err.code).toBe('ERR_BODY_TOO_LARGE');
      expect(api.connections).toBe(0);
    });

    it.each(['', '../../@connections/other', 'a b', 'x'.repeat(129)])(
      'refuses the connection id %j with a TypeError, before any request',
      async (id) => {
        // Prepare
        const { client } = clientOf();
        // Act
        const act = client.post(id, 'x');
        // Assess
        await expect(act).rejects.toThrow(TypeError);
        expect(api.connections).toBe(0);
      },
    );

    it('gives up when the management API does not answer within timeoutMs', async () => {
      // Prepare: the stand-in never answers
      api.respond(() => undefined);
      const { client } = clientOf({ timeoutMs: 200 });
      // Act
      const err = (await client.post(CONNECTION_ID, 'x').catch((e: unknown) => e)) as TesseraError;
      // Assess
      expect(err).toBeInstanceOf(TesseraError);
      expect(err.code).toBe('ERR_INTERNAL');
    });
  });

  describe('options', () => {
    it.each<[string, Record<string, unknown>, RegExp]>([
      ['no endpoint', { endpoint: undefined }, /option "endpoint" is required/],
      ['a relative endpoint', { endpoint: '/dev' }, /must be an absolute URL/],
      ['http outside offline', { endpoint: 'http://127.0.0.1:4001', offline: false }, /must use https:\/\//],
      ['http to a remote host offline', { endpoint: 'http://api.example.com' }, /must use https:\/\//],
      ['an endpoint with a query', { endpoint: 'https://abc.execute-api.us-east-1.amazonaws.com/dev?x=1' }, /no credentials, query or fragment/],
      ['an endpoint with credentials', { endpoint: 'https://u:p@abc.execute-api.us-east-1.amazonaws.com/dev' }, /no credentials/],
      ['ws://', { endpoint: 'ws://127.0.0.1:4001' }, /must use https:\/\//],
      ['maxAttempts 0', { maxAttempts: 0 }, /option "maxAttempts" must be an integer from 1 to 5/],
      ['timeoutMs as a string', { timeoutMs: '3000' }, /option "timeoutMs" must be an integer from 100 to 30000/],
      ['an unknown key', { retries: 2 }, /unknown option "retries"/],
    ])('refuses %s', (_name, options, message) => {
      // Act
      const make = () => createConnectionClient({ endpoint: 'http://127.0.0.1:4001', offline: true, logger: silentLogger, ...options } as never);
      // Assess
      expect(make).toThrow(TypeError);
      expect(make).toThrow(message);
    });

    it('takes offline from TESSERA_OFFLINE and exposes its endpoint without a trailing slash', () => {
      // Act
      const client = createConnectionClient({ endpoint: 'http://127.0.0.1:4001/', env: { TESSERA_OFFLINE: 'true' }, logger: silentLogger });
      // Assess
      expect(client.endpoint).toBe('http://127.0.0.1:4001');
    });
  });
});

describe('connectionEndpoint', () => {
  it("names the stage's management API from the event's domainName and stage", () => {
    // Act
    const endpoint = connectionEndpoint(messageEvent('x'));
    // Assess
    expect(endpoint).toBe('https://abc123.execute-api.us-east-1.amazonaws.com/dev');
  });

  it.each([
    ['no requestContext', {}],
    ['a domainName with a path', { requestContext: { domainName: 'evil.example.com/x', stage: 'dev' } }],
    ['a stage with a slash', { requestContext: { domainName: 'abc.example.com', stage: '../x' } }],
  ])('refuses %s', (_name, event) => {
    // Assess
    expect(() => connectionEndpoint(event as never)).toThrow(TypeError);
  });
});
