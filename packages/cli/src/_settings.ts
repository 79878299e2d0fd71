/** What every command takes from its environment (read once, through the protocol's one reader) and its process. */
import { readEnvironment, type TesseraEnvironment } from '@tessera/protocol';
import { createJsonLogger, type Logger } from '@tessera/protocol/log';
import type { CliIo } from './run.js';

/** The `TESSERA_*` settings of the command's environment (`io.env`, not `process.env`, so tests inject it). */
export function settingsOf(io: CliIo): TesseraEnvironment {
  return readEnvironment(io.env);
}

/** JSON log lines on the command's standard error, at `TESSERA_LOG_LEVEL`. */
export function loggerOf(io: CliIo, component: string): Logger {
  const { logLevel } = settingsOf(io);
  return createJsonLogger({ write: (line) => io.stderr.write(`${line}\n`), base: { component }, ...(logLevel ? { level: logLevel } : {}) });
}

/** The KMS key of SecureString writes, when `TESSERA_KMS_KEY_ID` names one; else SSM's default key. */
export function kmsOf(io: CliIo): { kmsKeyId?: string } {
  const { kmsKeyId } = settingsOf(io);
  return kmsKeyId === undefined ? {} : { kmsKeyId };
}

/** Resolves when SIGINT or SIGTERM arrives: how a long-running command (a server) learns to stop. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const on = (sig: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      done(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
