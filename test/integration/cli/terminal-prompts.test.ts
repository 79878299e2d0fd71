/** `tessera install` with no values file, in a real pseudo-terminal: prompts per field, the secret never echoed. */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { startLocalSsm, type LocalSsm } from '../../helpers/ssm.js';

const root = resolve(__dirname, '../../..');
const SECRET = 'tty-Secret_0123456789abcdefghijklmnopqrstuvwxyz';
const hasScript = spawnSync('script', ['--version']).status === 0;
let ssm: LocalSsm;

beforeAll(async () => {
  ssm = await startLocalSsm();
});
afterAll(() => ssm.stop());

/** Answers each prompt once it has appeared on the terminal, as a person would. */
async function converse(args: string, answers: [prompt: string, answer: string][]): Promise<{ screen: string; code: number }> {
  const child = spawn('script', ['-qfec', `node --import tsx test/fixtures/tessera-src.ts ${args}`, '/dev/null'], {
    cwd: root,
    env: { ...process.env, AWS_ENDPOINT_URL_SSM: ssm.server.url },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.on('data', (c: Buffer) => (screen += c.toString()));
  child.stderr.on('data', (c: Buffer) => (screen += c.toString()));
  const exited = new Promise<number>((r) => child.on('exit', (code) => r(code ?? 1)));
  let seen = 0;
  try {
    for (const [prompt, answer] of answers) {
      const deadline = Date.now() + 20_000;
      while (screen.indexOf(prompt, seen) < 0) {
        // A prompt that never comes fails the test by name, and the child never outlives it.
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`prompt never shown: "${prompt}"\n${screen}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      seen = screen.indexOf(prompt, seen) + prompt.length;
      child.stdin.write(`${answer}\r`);
    }
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { code: await exited, screen };
}

(hasScript ? describe : describe.skip)('tessera install in a terminal', () => {
  it('prompts for each field, masks the secure one, and installs', async () => {
    // Act
    const { code, screen } = await converse('install tty1', [
      ['Order server URL: ', 'https://tty.orders.example.com'],
      ['Shared secret (hidden): ', SECRET],
      ['How requests prove themselves [jwt/shared-secret] (default jwt): ', ''],
      ['Support contact (optional): ', 'ops@example.com'],
      ['Order number prefix (optional) (default ORD-): ', ''],
      ['Password for server-to-server calls (optional) (hidden): ', ''],
    ]);
    // Assess
    expect(screen).toContain('installed tty1 (version 1)');
    expect(code).toBe(0);
    expect(screen).toContain('https://tty.orders.example.com'); // ordinary answers echo as typed
    expect(screen).not.toContain(SECRET);
    expect(screen).not.toContain(SECRET.slice(0, 8));
  }, 60_000);
});
