/** Drives the CLI in-process with captured streams. */
import { Readable, Writable } from 'node:stream';
import { runCli } from '../../packages/cli/src/index.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(c, _e, done) {
        chunks.push(String(c));
        done();
      },
    }),
    text: () => chunks.join(''),
  };
}

/** Runs `tessera …args` with `stdin` as piped (non-terminal) input. */
export async function cli(args: string[], options: { stdin?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const out = sink();
  const err = sink();
  const code = await runCli(args, {
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    stdout: out.stream,
    stderr: err.stream,
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
  });
  return { code, stdout: out.text(), stderr: err.text() };
}
