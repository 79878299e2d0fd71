/** Runs the CLI in a real pseudo-terminal (`script`) and answers each prompt once it has appeared, as a person would. */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(__dirname, '../..');

/** Whether `script` (util-linux) is here to give the CLI a terminal. */
export const hasScript = spawnSync('script', ['--version']).status === 0;

/**
 * Runs `tessera <args>` from the sources in a terminal. A prompt that never comes fails by name within 20 s and the
 * child is killed, so a changed prompt cannot hang the test run.
 */
export async function inTerminal(
  args: string,
  answers: [prompt: string, answer: string][] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<{ screen: string; code: number }> {
  const child = spawn('script', ['-qfec', `node --import tsx test/fixtures/tessera-src.ts ${args}`, '/dev/null'], {
    cwd: root,
    env: { ...process.env, ...env },
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
