/** A real JSON logger whose lines land in an array, so assertions see exactly what would be written. */
import { createJsonLogger, type Logger } from '../../packages/protocol/src/log.js';

export function captureLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createJsonLogger({ level: 'debug', write: (line) => lines.push(line) }), lines };
}
