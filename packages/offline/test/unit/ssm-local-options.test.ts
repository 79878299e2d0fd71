import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { GetParameterCommand, ParameterNotFound } from '@aws-sdk/client-ssm';
import { startSsmLocal, type SsmLocalOptions } from '../../src/index.js';
import { captureLogger, clientFor, expectAwsError, makeDataDir } from '../../../../test/fixtures/ssm-local-harness.js';

describe('startSsmLocal', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await makeDataDir();
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('options', () => {
    it.each([
      ['an unknown key', { dataDir: '/tmp/x', prot: 1 }],
      ['a missing dataDir', {}],
      ['an empty dataDir', { dataDir: '' }],
      ['a negative port', { dataDir: '/tmp/x', port: -1 }],
      ['a fractional port', { dataDir: '/tmp/x', port: 80.5 }],
      ['a port above 65535', { dataDir: '/tmp/x', port: 65536 }],
      ['a wildcard host', { dataDir: '/tmp/x', host: '0.0.0.0' }],
      ['a LAN host', { dataDir: '/tmp/x', host: '192.168.1.10' }],
      ['the IPv6 wildcard', { dataDir: '/tmp/x', host: '::' }],
      ['a logger without log()', { dataDir: '/tmp/x', logger: {} }],
    ])('throws TypeError synchronously for %s', (_case, options) => {
      // Act
      const act = () => startSsmLocal(options as unknown as SsmLocalOptions);
      // Assess
      expect(act).toThrow(TypeError);
    });
  });

  describe('option: host', () => {
    it.each([
      ['127.0.0.1', /^http:\/\/127\.0\.0\.1:\d+$/],
      ['::1', /^http:\/\/\[::1\]:\d+$/],
      ['localhost', /^http:\/\/(127\.0\.0\.1|\[::1\]):\d+$/],
    ] as const)('serves the SDK on %s', async (host, urlPattern) => {
      // Prepare
      const server = await startSsmLocal({ dataDir, host, port: 0, logger: captureLogger() });
      const client = clientFor(server);
      // Act
      const call = client.send(new GetParameterCommand({ Name: '/nope' }));
      // Assess
      await expectAwsError(call, ParameterNotFound, 400);
      expect(server.url).toMatch(urlPattern);
      client.destroy();
      await server.close();
    });
  });

  describe('option: port', () => {
    it('rejects when the port is taken', async () => {
      // Prepare
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const { port } = blocker.address() as { port: number };
      // Act
      const outcome = await startSsmLocal({ dataDir, port, logger: captureLogger() }).then(
        () => undefined,
        (err: NodeJS.ErrnoException) => err,
      );
      // Assess
      expect(outcome?.code).toBe('EADDRINUSE');
      await new Promise((resolve) => blocker.close(resolve));
    });
  });

  describe('method: close', () => {
    it('can be called twice and frees the port', async () => {
      // Prepare
      const server = await startSsmLocal({ dataDir, port: 0, logger: captureLogger() });
      // Act
      await Promise.all([server.close(), server.close()]);
      const again = await startSsmLocal({ dataDir, port: server.port, logger: captureLogger() });
      // Assess
      expect(again.port).toBe(server.port);
      await again.close();
    });
  });
});
