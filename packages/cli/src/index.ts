/** The `tessera` command line. */
export { EXIT_CODES, exitCodeOf, runCli, reportError, type CliIo, type CommandSpec } from './run.js';
