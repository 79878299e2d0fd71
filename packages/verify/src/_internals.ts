/** What the transport helpers need from a verifier without widening its public shape. */
import type { Logger } from '@tessera/protocol/log';

const loggers = new WeakMap<object, Logger>();

/** Records the logger of a verifier, so helpers log their own refusals (body too large, misconfigured) there too. */
export function attachLogger(verifier: object, logger: Logger): void {
  loggers.set(verifier, logger);
}

/** The logger a verifier was built with, or `undefined` for a hand-made verifier. */
export function loggerOf(verifier: object): Logger | undefined {
  return loggers.get(verifier);
}
