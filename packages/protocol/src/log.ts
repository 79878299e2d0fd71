/** Structured JSON logging: one record per event, secrets redacted by key, values escaped and truncated. */
import { readEnvironment } from './environment.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Anything that can take one structured event. Inject your own to route Tessera's events elsewhere. */
export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

/** Keys whose values are never written, whatever their nesting. */
const SECRET_KEY = /secret|token|password|passwd|authorization|cookie|private|credential|signature|^value$|^values$|csrf|jwt|key$/i;
/** Keys that look like the rule above but carry only names or counts. */
const SAFE_KEY = /^(kid|parameter|parameters|field|fields|code|event|name|names|keyId|installationId)$/i;
const MAX_STRING_CHARS = 256;
const MAX_DEPTH = 4;

function scrub(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    return value.length > MAX_STRING_CHARS ? `${value.slice(0, MAX_STRING_CHARS)}…` : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (value instanceof Error) {
    // Only the name, code and message of an error: a raw AxiosError or SDK error carries headers and `$response`.
    const code = (value as { code?: unknown }).code;
    return { name: value.name, ...(typeof code === 'string' ? { code } : {}), message: scrub(value.message, depth) };
  }
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && !SAFE_KEY.test(k) ? '[redacted]' : scrub(v, depth + 1);
  }
  return out;
}

/** Redacts and truncates fields the way every Tessera log record is. Exposed for custom loggers. */
export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  return scrub(fields, 0) as Record<string, unknown>;
}

export interface JsonLoggerOptions {
  /** Where each JSON line goes. Default: standard error (Lambda sends it to CloudWatch). */
  write?: (line: string) => void;
  /** Records below this level are dropped. Default: `TESSERA_LOG_LEVEL` env, then `info`. */
  level?: LogLevel;
  /** Fixed fields on every record, e.g. `{ component: 'verifier' }`. */
  base?: Record<string, unknown>;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A logger that writes one redacted JSON record per event.
 * @example
 * const logger = createJsonLogger({ base: { component: 'verifier' } });
 * logger.log('warn', 'verify.refused', { code: 'ERR_VERIFY_REPLAYED' });
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const min = LEVELS[options.level ?? readEnvironment().logLevel ?? 'info'];
  const base = options.base ?? {};
  return {
    log(level, event, fields = {}) {
      if (LEVELS[level] < min) return;
      write(JSON.stringify({ time: new Date().toISOString(), level, event, ...redactFields({ ...base, ...fields }) }));
    },
  };
}

/** A logger that drops everything (for benchmarks and tests that assert on nothing logged). */
export const silentLogger: Logger = { log() {} };
