/** The `tessera` command line. */
export { EXIT_CODES, exitCodeOf, runCli, reportError, type CliIo, type CommandSpec } from './run.js';
export {
  estimateSsmLoad,
  estimateSsmReadsPerSec,
  SSM_HIGH_THROUGHPUT_READS_PER_SEC,
  SSM_STANDARD_READS_PER_SEC,
  type SsmLoadEstimate,
  type SsmLoadInput,
  type TrafficGroup,
} from './ssm-load-model.js';
