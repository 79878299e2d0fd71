/** `tessera ssm-local` as a process: serves the SDK on the port asked for, and stops on Ctrl-C. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { freePort, waitForPort } from '../../helpers/ports.js';

const root = resolve(__dirname, '../../..');

describe('tessera ssm-local', () => {
  it('serves SecureStrings to the SDK on loopback and exits on SIGINT', async () => {
    // Prepare
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-ssm-cmd-'));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/fixtures/tessera-src.ts', 'ssm-local', '--port', String(port), '--data-dir', dataDir],
      {
        cwd: root,
        stdio: 'ignore',
      },
    );
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      await waitForPort(port, 30_000);
      const client = new SSMClient({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });
      // Act
      await client.send(new PutParameterCommand({ Name: '/x/secret', Value: 'cmd-s3cr3t', Type: 'SecureString' }));
      const got = await client.send(new GetParameterCommand({ Name: '/x/secret', WithDecryption: true }));
      child.kill('SIGINT');
      // Assess
      expect(got.Parameter?.Value).toBe('cmd-s3cr3t');
      expect(await exited).toBe(0);
      await waitForPort(port, 5_000, false);
      expect(statSync(join(dataDir, 'ssm-local.key')).mode & 0o777).toBe(0o600);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
