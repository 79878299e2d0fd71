/** The `tessera` command line. */
export { runCli, reportError, type CliIo, type CommandSpec } from './run.js';
