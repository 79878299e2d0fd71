/** `tessera ssm-local --fault`: a process started with a fault, changed at run time over its loopback route. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { cli } from '../../helpers/cli.js';
import { freePort, waitForPort } from '../../helpers/ports.js';

const root = resolve(__dirname, '../../..');

describe('tessera ssm-local --fault', () => {
  it('throttles the operation named from the start, until DELETE /_tessera/faults clears it', async () => {
    // Prepare
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'tessera-ssm-fault-'));
    const args = ['ssm-local', '--port', String(port), '--data-dir', dataDir, '--fault', 'throttle,op=GetParameter'];
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/tessera-src.ts', ...args], { cwd: root, stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    const url = `http://127.0.0.1:${port}`;
    const client = new SSMClient({ endpoint: url, maxAttempts: 1 });
    const read = () =>
      client.send(new GetParameterCommand({ Name: '/x/k' })).then(
        () => 'ok',
        (err: Error) => err.name,
      );
    try {
      await waitForPort(port, 30_000);
      // Act
      await client.send(new PutParameterCommand({ Name: '/x/k', Value: 'v', Type: 'String' }));
      const during = await read();
      const cleared = await fetch(`${url}/_tessera/faults`, { method: 'DELETE' });
      const after = await read();
      child.kill('SIGINT');
      // Assess
      expect(during).toBe('ThrottlingException');
      expect(await cleared.json()).toEqual({ faults: [], requests: { PutParameter: 1, GetParameter: 1 } });
      expect(after).toBe('ok');
      expect(await exited).toBe(0);
    } finally {
      client.destroy();
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it.each([
    ['an unknown kind', 'slow'],
    ['a rate above 1', 'throttle:2'],
    ['an outage of one operation', 'outage:5000,op=GetParameter'],
  ])('refuses %s with exit 2 before listening', async (_case, spec) => {
    // Act
    const run = await cli(['ssm-local', '--port', '0', '--data-dir', join(tmpdir(), 'never-created'), '--fault', spec]);
    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^--fault: /);
    expect(run.stdout).toBe('');
  });
});
