/** The JWKS fetcher against a real loopback server: what it sends, and every limit of the JWKS policy. */
import { JWKS_MAX_BYTES, fetchJwksDocument } from '../../../../protocol/src/index.js';
import { startRecorder, type Recorder } from '../../../../../test/helpers/http-recorder.js';

let server: Recorder;
let other: Recorder;

beforeAll(async () => {
  [server, other] = await Promise.all([startRecorder(), startRecorder()]);
});
afterEach(() => server.respond((_req, res) => res.end('{"keys":[]}')));
afterAll(async () => {
  await Promise.all([server.close(), other.close()]);
});

const fetchIt = (path = '/.well-known/jwks.json', signal = new AbortController().signal) =>
  fetchJwksDocument(new URL(`${server.origin}${path}`), { signal });

describe('fetchJwksDocument', () => {
  it('GETs the URL with its query and returns the parsed document', async () => {
    // Prepare
    server.respond((_req, res) => res.end('{"keys":[{"kty":"EC"}]}'));
    const before = server.requests.length;
    // Act
    const document = await fetchIt('/jwks.json?v=2');
    // Assess
    expect(document).toEqual({ keys: [{ kty: 'EC' }] });
    expect(server.requests.slice(before)).toMatchObject([{ method: 'GET', url: '/jwks.json?v=2' }]);
  });

  it('sends no cookie, no Authorization and no other ambient credential', async () => {
    // Prepare
    const before = server.requests.length;
    // Act
    await fetchIt();
    // Assess
    const { headers } = server.requests[before]!;
    expect(Object.keys(headers).sort()).toEqual(['accept', 'connection', 'host']);
  });

  it(`accepts a body of exactly ${JWKS_MAX_BYTES} bytes`, async () => {
    // Prepare
    const body = `{"keys":[],"pad":"${'x'.repeat(JWKS_MAX_BYTES - 20)}"}`;
    server.respond((_req, res) => res.end(body));
    // Act
    const document = await fetchIt();
    // Assess
    expect(Buffer.byteLength(body)).toBe(JWKS_MAX_BYTES);
    expect(document).toMatchObject({ keys: [] });
  });

  it.each([
    [
      'a declared body over the cap',
      (res: import('node:http').ServerResponse) => res.end(`{"pad":"${'x'.repeat(JWKS_MAX_BYTES)}"}`),
      /content-length over/,
    ],
    [
      'a chunked body over the cap',
      (res: import('node:http').ServerResponse) => {
        for (let i = 0; i < 5; i++) res.write('x'.repeat(64 * 1024));
        res.end();
      },
      /body over/,
    ],
    ['a 500', (res: import('node:http').ServerResponse) => res.writeHead(500).end('{"keys":[]}'), /answered 500/],
    ['a 404', (res: import('node:http').ServerResponse) => res.writeHead(404).end(), /answered 404/],
    ['a body that is not JSON', (res: import('node:http').ServerResponse) => res.end('<html>maintenance</html>'), /not JSON/],
    ['a body that is not UTF-8', (res: import('node:http').ServerResponse) => res.end(Buffer.from([0x7b, 0xff, 0x7d])), /not JSON/],
    ['a connection closed mid-answer', (res: import('node:http').ServerResponse) => res.socket?.destroy(), /connection failed|response failed/],
  ])('refuses %s', async (_name, answer, reason) => {
    // Prepare
    server.respond((_req, res) => answer(res));
    // Act
    const act = fetchIt();
    // Assess
    await expect(act).rejects.toMatchObject({ name: 'JwksFetchError', message: expect.stringMatching(reason) });
  });

  it('refuses a redirect without following it', async () => {
    // Prepare
    server.respond((_req, res) => res.writeHead(302, { location: `${other.origin}/jwks.json` }).end());
    // Act
    const act = fetchIt();
    // Assess
    await expect(act).rejects.toMatchObject({ message: 'answered 302: redirects are not followed' });
    expect(other.connections).toBe(0);
  });

  it('gives up when its signal aborts, even mid-answer', async () => {
    // Prepare
    const controller = new AbortController();
    server.respond((_req, res) => res.write('{"keys":['));
    const before = server.requests.length;
    // Act
    const act = fetchIt('/.well-known/jwks.json', controller.signal);
    while (server.requests.length === before) await new Promise((r) => setImmediate(r));
    controller.abort();
    // Assess
    await expect(act).rejects.toMatchObject({ message: 'timed out' });
  });

  it('refuses an unreachable endpoint', async () => {
    // Prepare
    const closed = await startRecorder();
    const url = new URL(`${closed.origin}/jwks.json`);
    await closed.close();
    // Act
    const act = fetchJwksDocument(url, { signal: new AbortController().signal });
    // Assess
    await expect(act).rejects.toMatchObject({ message: 'connection failed' });
  });
});
