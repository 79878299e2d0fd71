/** Terminal prompts; secure answers are masked and never echoed. */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

export interface PromptIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/** Asks one question; with `secure`, typed characters are not written back to the terminal. */
export function ask(io: PromptIo, question: string, secure = false): Promise<string> {
  let muted = false;
  const sink = new Writable({
    write(chunk, _enc, done) {
      if (!muted) io.output.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: io.input, output: sink, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      if (secure) io.output.write('\n');
      resolve(answer);
    });
    muted = secure;
  });
}

/** Reads all of standard input (for values piped in instead of typed or passed as arguments). */
export async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
