/** The `tessera` command: parses arguments, dispatches, and turns errors into messages and exit codes. */
import { parseArgs } from 'node:util';
import { CliError, ConfigError, IparamValidationError, StoreError, TesseraError } from '@tessera/protocol/errors';
import { iparamsCommands } from './_iparams-commands.js';
import { keysCommands } from './_keys-commands.js';
import { devCommands } from './_dev-commands.js';
import { projectCommands } from './_project-commands.js';
import { wsCommands } from './_ws-commands.js';
import { initCommands } from './_init-commands.js';
import { doctorCommands } from './_doctor-commands.js';

/** Where a command reads and writes; injected so tests can drive the CLI without a terminal. */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface CommandSpec {
  summary: string;
  usage: string;
  options?: Record<string, { type: 'string' | 'boolean'; short?: string }>;
  run(args: { positionals: string[]; values: Record<string, string | boolean | undefined>; io: CliIo }): Promise<number>;
}

/**
 * The command's exit codes: its own, never an error's HTTP status. `unavailable` is sysexits' EX_UNAVAILABLE, so a
 * script can tell "try again later" (SSM throttled or down) from "this will not work".
 * @example
 * if (code === EXIT_CODES.unavailable) retryLater();
 */
export const EXIT_CODES = { ok: 0, failed: 1, usage: 2, unavailable: 69 } as const;

/** The exit code an error ends the command with. @example exitCodeOf(new CliError('ERR_CLI_USAGE')) // 2 */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return EXIT_CODES.usage;
  if (err instanceof StoreError && err.code === 'ERR_STORE_UNAVAILABLE') return EXIT_CODES.unavailable;
  return EXIT_CODES.failed;
}

const COMMANDS: Record<string, CommandSpec> = {
  ...projectCommands,
  ...iparamsCommands,
  ...keysCommands,
  ...devCommands,
  ...wsCommands,
  ...initCommands,
  ...doctorCommands,
};

function help(io: CliIo): number {
  io.stdout.write('Usage: tessera <command> [options]\n\nCommands:\n');
  for (const [name, spec] of Object.entries(COMMANDS)) io.stdout.write(`  ${name.padEnd(16)} ${spec.summary}\n`);
  io.stdout.write('\nRun `tessera <command> --help` for its options.\n');
  return 0;
}

/** Writes an error as the user should see it: field-level issues one per line, never a value. */
export function reportError(io: CliIo, err: unknown): number {
  if (err instanceof IparamValidationError && err.code === 'ERR_IPARAM_INVALID' && err.issues.length > 0) {
    io.stderr.write(`error ${err.code}: installation parameters are invalid\n`);
    for (const i of err.issues) io.stderr.write(`  - ${i.field}: ${i.rule}\n`);
  } else if (err instanceof ConfigError && err.issues.length > 0) {
    io.stderr.write(`error ${err.code}:\n`);
    for (const i of err.issues) io.stderr.write(`  - ${i.file} ${i.field}: ${i.rule}\n`);
  } else if (err instanceof CliError) {
    io.stderr.write(`${err.message}\n`);
  } else if (err instanceof TesseraError) {
    io.stderr.write(`error ${err.code}: ${err.message}\n`);
  } else if (err instanceof TypeError) {
    io.stderr.write(`error: ${err.message}\n`);
  } else {
    io.stderr.write(`error: unexpected ${(err as { name?: string })?.name ?? 'Error'}\n`);
  }
  return exitCodeOf(err);
}

/**
 * Runs the CLI with the given arguments (without `node` and the script) and returns the exit code.
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env });
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // Two-word commands (`iparams show`) are looked up before one-word ones.
  const two = `${argv[0]} ${argv[1]}`;
  const name = COMMANDS[two] ? two : argv[0];
  const rest = COMMANDS[two] ? argv.slice(2) : argv.slice(1);
  if (!name || name === 'help' || name === '--help' || name === '-h') return help(io);
  const spec = COMMANDS[name];
  if (!spec) {
    io.stderr.write(`unknown command "${name}"\n`);
    help(io);
    return EXIT_CODES.usage;
  }
  try {
    const parsed = parseArgs({
      args: rest,
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (parsed.values.help) {
      io.stdout.write(`${spec.summary}\nUsage: tessera ${spec.usage}\n`);
      return 0;
    }
    return await spec.run({ positionals: parsed.positionals, values: parsed.values as Record<string, string | boolean | undefined>, io });
  } catch (err) {
    const code = (err as { code?: string })?.code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`${(err as Error).message}\nUsage: tessera ${spec.usage}\n`);
      return EXIT_CODES.usage;
    }
    return reportError(io, err);
  }
}
