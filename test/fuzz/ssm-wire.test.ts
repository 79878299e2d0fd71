/**
 * Fuzzed AWS JSON 1.1 requests to ssm-local: the body parser and member readers directly, then real HTTP requests to a
 * started endpoint. Each answer is a result or one of AWS's error types, never a 500, and no answer or log line
 * carries a presented value.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  AwsFault,
  parseRequestBody,
  readBoolean,
  readInteger,
  readObjectList,
  readString,
  readStringList,
} from '../../packages/offline/src/_ssm-wire.js';
import { SSM_LOCAL_OPERATIONS, startSsmLocal, type SsmLocalServer } from '../../packages/offline/src/index.js';
import { captureLogger } from '../helpers/logs.js';
import { freePort } from '../helpers/ports.js';
import { expectNoEcho, fuzzParams, marker, mutationsOf, withMarker } from './_fuzz.js';

/** docs/offline.md: the error types of AWS the endpoint answers (each raised somewhere in packages/offline/src). */
const AWS_ERROR_TYPES = [
  'HierarchyLevelLimitExceededException',
  'HierarchyTypeMismatchException',
  'InvalidFilterKey',
  'InvalidFilterOption',
  'InvalidFilterValue',
  'InvalidKeyId',
  'InvalidNextToken',
  'ParameterAlreadyExists',
  'ParameterLimitExceeded',
  'ParameterMaxVersionLimitExceeded',
  'ParameterNotFound',
  'ParameterVersionNotFound',
  'RequestEntityTooLargeException',
  'SerializationException',
  'UnknownOperationException',
  'ValidationException',
];

/** The AwsFault a wire reader refused with, after checking its type and that its message quotes nothing presented. */
function faultOf(act: () => unknown, markers: readonly string[]): AwsFault | undefined {
  try {
    act();
    return undefined;
  } catch (err) {
    if (!(err instanceof AwsFault)) throw new Error(`unexpected ${(err as Error)?.name}`);
    expect(['SerializationException', 'ValidationException']).toContain(err.type);
    expect(err.status).toBe(400);
    expectNoEcho(markers, { 'the fault message': err.message });
    return err;
  }
}

const jsonText = (mark: string) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    {
      weight: 3,
      arbitrary: fc
        .dictionary(fc.constantFrom('Name', 'Names', 'Value', 'MaxResults', 'WithDecryption', 'ParameterFilters', mark), fc.jsonValue())
        .map((v) => JSON.stringify(v)),
    },
    mutationsOf(`{"Name":"/fuzz/p","Value":"${mark}"}`, ['"', '{', '}', ',', ':', '\\', '\u0000', ' ', 'ü', '\ud800']),
    withMarker(mark),
    fc.constantFrom('', '\ufeff{}', '[]', 'null', `"${mark}"`, `${'['.repeat(5000)}${']'.repeat(5000)}`, `{"__proto__":{"Name":"${mark}"}}`),
  );

describe('parseRequestBody and the member readers (fuzz)', () => {
  it('parses exactly the JSON objects, else SerializationException quoting nothing', () => {
    fc.assert(
      fc.property(
        marker.chain((mark) => fc.tuple(fc.constant(mark), jsonText(mark))),
        ([mark, text]) => {
          const raw = Buffer.from(text, 'utf8');
          let body: unknown;
          const fault = faultOf(() => {
            body = parseRequestBody(raw);
          }, [mark]);
          let reference: unknown;
          try {
            reference = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
          } catch {
            reference = undefined;
          }
          const isObject = typeof reference === 'object' && reference !== null && !Array.isArray(reference);
          expect(fault === undefined).toBe(isObject);
          if (fault) return expect(fault.type).toBe('SerializationException');
          expect(body).toEqual(reference);
          const b = body as Record<string, unknown>;
          // Each reader gives its type or refuses; none throws anything else or quotes the member's value.
          const read = [
            () => readString(b, 'Name'),
            () => readString(b, 'Value', true),
            () => readBoolean(b, 'WithDecryption'),
            () => readInteger(b, 'MaxResults', 1, 10),
            () => readStringList(b, 'Names', 10),
            () => readObjectList(b, 'ParameterFilters'),
          ];
          for (const r of read) faultOf(r, [mark]);
        },
      ),
      fuzzParams(),
    );
  });
});

interface RawResponse {
  status: number;
  body: string;
}

function send(url: string, method: string, headers: Record<string, string>, body: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const NAMES = [
  '/fuzz/p',
  '/fuzz/p:1',
  '/fuzz/p:label',
  '/fuzz/none',
  '/fuzz',
  '/',
  'plain',
  '/aws/x',
  '/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p',
  '',
  'x'.repeat(2100),
];
/** A request body an SDK, a sloppy client or an attacker might send, members typed right or wrong, values marked. */
const bodyArb = (mark: string) =>
  fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .record(
          {
            Name: fc.oneof(fc.constantFrom(...NAMES), fc.constant(7)),
            Names: fc.oneof(fc.array(fc.constantFrom(...NAMES), { maxLength: 12 }), fc.constant(['/fuzz/p', 3])),
            Path: fc.constantFrom('/fuzz', '/fuzz/', '/', 'fuzz', '//'),
            Value: fc.oneof(withMarker(mark), fc.constant(''), fc.constant(mark.repeat(700)), fc.constant({ v: mark })),
            Type: fc.constantFrom('String', 'SecureString', 'StringList', 'string', mark),
            Tier: fc.constantFrom('Standard', 'Advanced', 'Intelligent-Tiering', mark),
            Overwrite: fc.oneof(fc.boolean(), fc.constant(mark)),
            WithDecryption: fc.oneof(fc.boolean(), fc.constant(mark), fc.constant(1)),
            Recursive: fc.boolean(),
            MaxResults: fc.oneof(fc.integer({ min: -2, max: 60 }), fc.constant(1.5), fc.constant(mark)),
            NextToken: fc.oneof(withMarker(mark), fc.constant('')),
            KeyId: fc.constantFrom('alias/aws/ssm', mark),
            Description: withMarker(mark),
            Tags: fc.constant([{ Key: mark, Value: mark }]),
            ParameterFilters: fc.constantFrom(
              [{ Key: 'Name', Option: 'BeginsWith', Values: ['/fuzz'] }],
              [{ Key: mark, Values: [mark] }],
              [{ Key: 'Name', Option: mark, Values: ['/x'] }],
              [mark],
              {},
            ),
            [mark]: fc.constant(mark),
          },
          { requiredKeys: [] },
        )
        .map((b) => Buffer.from(JSON.stringify(b))),
    },
    jsonText(mark).map((t) => Buffer.from(t)),
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  );
const requestArb = marker.chain((mark) =>
  fc.record({
    mark: fc.constant(mark),
    method: fc.oneof({ weight: 9, arbitrary: fc.constant('POST') }, fc.constantFrom('GET', 'PUT', 'DELETE')),
    target: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...SSM_LOCAL_OPERATIONS).map((op) => `AmazonSSM.${op}`) },
      fc.constantFrom('AmazonSSM.', 'AmazonSSM.getParameter', 'AmazonSSM.__proto__', 'AmazonSSM.constructor', 'GetParameter', ''),
      fc.constant(`AmazonSSM.${mark}`),
    ),
    contentType: fc.constantFrom('application/x-amz-json-1.1', 'application/json', 'text/plain'),
    body: bodyArb(mark),
  }),
);

describe('ssm-local over HTTP (fuzz)', () => {
  let server: SsmLocalServer;
  let dataDir: string;
  const { logger, lines } = captureLogger();

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tessera-fuzz-ssm-'));
    server = await startSsmLocal({ dataDir, port: await freePort(), logger });
    const put = JSON.stringify({ Name: '/fuzz/p', Value: 'stored', Type: 'String' });
    await send(server.url, 'POST', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.PutParameter' }, Buffer.from(put));
  });
  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers a result or an AWS error type, never a 500, and no answer or log line quotes a presented value', async () => {
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        lines.length = 0;
        const res = await send(server.url, r.method, { 'content-type': r.contentType, 'x-amz-target': r.target }, r.body);
        statuses.add(res.status);
        expect([200, 400, 405]).toContain(res.status);
        const answer = JSON.parse(res.body) as { __type?: string; message?: string };
        if (res.status !== 200) {
          expect(AWS_ERROR_TYPES).toContain(answer.__type);
          expect(typeof answer.message).toBe('string');
        }
        expectNoEcho([r.mark], { 'the answer': res.body });
        // An unknown operation's name is logged as sent: the known defect below, kept out of this property.
        expectNoEcho(r.target.includes(r.mark) ? [] : [r.mark], { 'a log line': lines });
      }),
      fuzzParams(0.5),
    );
    expect(statuses).toContain(200);
    expect(statuses).toContain(400);
  });

  // Found by this fuzzing: `ssm-local.request` used to log the X-Amz-Target suffix as sent.
  it('logs no part of an unknown operation name sent in X-Amz-Target', async () => {
    // Prepare
    lines.length = 0;
    const mark = 'ZqUnknownOpMark';
    // Act
    const res = await send(
      server.url,
      'POST',
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonSSM.${mark}` },
      Buffer.from('{}'),
    );
    // Assess
    expect(JSON.parse(res.body).__type).toBe('UnknownOperationException');
    expectNoEcho([mark], { 'a log line': lines });
  });
});
