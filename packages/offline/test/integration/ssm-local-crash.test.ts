import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GetParameterCommand, GetParameterHistoryCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { type SsmLocalHarness, startHarness } from '../../../../test/fixtures/ssm-local-harness.js';

const ROOT = resolve(__dirname, '../../../..');
const CHILD = join(ROOT, 'test', 'fixtures', 'ssm-local-crash-child.ts');
const OLD_SECRET = 'old-secret-value-9c1d';
const NEW_SECRET = 'new-secret-value-44ab';
/** Exit code of the child when its put completed (see the fixture). */
const CHILD_SURVIVED = 3;

/** Runs the child fixture under tsx and resolves with its exit code and stderr. */
function runChild(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', fail);
    child.on('exit', (code) => done({ code, stderr }));
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

  describe('storage: crash safety', () => {
    it('has no crash switch in the environment: the seam is an option of the API only', async () => {
      // Prepare: the variable an earlier version read
      process.env.TESSERA_SSM_LOCAL_CRASH = 'before-rename';
      try {
        // Act
        await h.client.send(new PutParameterCommand({ Name: '/app/env', Value: 'v', Type: 'String' }));
        // Assess: this process is still here, and the write landed
        const { Parameter } = await h.client.send(new GetParameterCommand({ Name: '/app/env' }));
        expect(Parameter?.Value).toBe('v');
      } finally {
        delete process.env.TESSERA_SSM_LOCAL_CRASH;
      }
    });

    it('keeps the previous value intact when the process dies before the rename (option beforeReplace)', async () => {
      // Prepare
      await h.client.send(new PutParameterCommand({ Name: '/app/s', Value: OLD_SECRET, Type: 'SecureString' }));
      await h.server.close();
      // Act
      const child = await runChild({
        SSM_CRASH_BEFORE_REPLACE: '1',
        SSM_CRASH_DATA_DIR: h.dataDir,
        SSM_CRASH_NAME: '/app/s',
        SSM_CRASH_VALUE: NEW_SECRET,
      });
      const leftBehind = await readdir(h.dataDir);
      await h.restart();
      // Assess
      expect(child.code).toBe(99);
      expect(child.stderr).not.toContain(NEW_SECRET);
      expect(leftBehind.some((f) => f.endsWith('.tmp'))).toBe(true);
      const { Parameter } = await h.client.send(new GetParameterCommand({ Name: '/app/s', WithDecryption: true }));
      expect(Parameter).toMatchObject({ Value: OLD_SECRET, Version: 1 });
      const history = await h.client.send(new GetParameterHistoryCommand({ Name: '/app/s' }));
      expect(history.Parameters).toHaveLength(1);
      expect((await readdir(h.dataDir)).some((f) => f.endsWith('.tmp'))).toBe(false);
    }, 30_000);

    it('completes the same put when the seam is not set', async () => {
      // Prepare
      await h.client.send(new PutParameterCommand({ Name: '/app/s', Value: OLD_SECRET, Type: 'SecureString' }));
      await h.server.close();
      // Act
      const child = await runChild({ SSM_CRASH_DATA_DIR: h.dataDir, SSM_CRASH_NAME: '/app/s', SSM_CRASH_VALUE: NEW_SECRET });
      await h.restart();
      // Assess
      expect(child.code).toBe(CHILD_SURVIVED);
      const { Parameter } = await h.client.send(new GetParameterCommand({ Name: '/app/s', WithDecryption: true }));
      expect(Parameter).toMatchObject({ Value: NEW_SECRET, Version: 2 });
    }, 30_000);
  });
});
