/**
 * The one place Tessera reads `process.env`: every `TESSERA_*` setting, parsed and checked once into a typed record.
 * A variable that is set but malformed is an error naming it and its rule, never silently a default.
 */
import type { LogLevel } from './log.js';

/** The `TESSERA_*` settings as read; an unset (or empty) variable is `undefined`. */
export interface TesseraEnvironment {
  /** `TESSERA_OFFLINE`: `true` or `false`. */
  offline?: boolean;
  /** `TESSERA_LOG_LEVEL`: debug, info, warn or error. */
  logLevel?: LogLevel;
  /** `TESSERA_IPARAMS_TTL_MS`: an integer of milliseconds, at least 0. */
  iparamsTtlMs?: number;
  /** `TESSERA_KEYS_TTL_MS`: an integer of milliseconds, at least 0. */
  keysTtlMs?: number;
  /** `TESSERA_SSM_REQUEST_TIMEOUT_MS`: an integer of milliseconds, each SSM attempt's timeout. */
  ssmRequestTimeoutMs?: number;
  /** `TESSERA_IPARAMS_BATCH_SIZE`: installations read in one GetParameters, 1 to 10. */
  iparamsBatchSize?: number;
  /** `TESSERA_KMS_KEY_ID`: the KMS key of SecureString writes. */
  kmsKeyId?: string;
  /** `TESSERA_CSRF_SECRET`: the CSRF signing key. */
  csrfSecret?: string;
  /** `TESSERA_SESSION_JWKS_URL`: the platform's JWKS, overriding the manifest's. */
  sessionJwksUrl?: string;
  /** `TESSERA_SESSION_ISSUER`: the platform's session issuer, overriding the manifest's. */
  sessionIssuer?: string;
  /** True on AWS Lambda itself (`AWS_EXECUTION_ENV` is `AWS_Lambda_…`), where offline mode is refused. */
  onAwsLambda: boolean;
}

/** Each setting's variable, for messages and docs. */
export const ENVIRONMENT_VARIABLES = {
  offline: 'TESSERA_OFFLINE',
  logLevel: 'TESSERA_LOG_LEVEL',
  iparamsTtlMs: 'TESSERA_IPARAMS_TTL_MS',
  keysTtlMs: 'TESSERA_KEYS_TTL_MS',
  ssmRequestTimeoutMs: 'TESSERA_SSM_REQUEST_TIMEOUT_MS',
  iparamsBatchSize: 'TESSERA_IPARAMS_BATCH_SIZE',
  kmsKeyId: 'TESSERA_KMS_KEY_ID',
  csrfSecret: 'TESSERA_CSRF_SECRET',
  sessionJwksUrl: 'TESSERA_SESSION_JWKS_URL',
  sessionIssuer: 'TESSERA_SESSION_ISSUER',
} as const satisfies Record<Exclude<keyof TesseraEnvironment, 'onAwsLambda'>, string>;

const LEVELS: readonly string[] = ['debug', 'info', 'warn', 'error'];

function fail(variable: string, rule: string): never {
  // The value is never quoted: a misplaced secret must not reach a log through this message.
  throw new TypeError(`environment variable ${variable} ${rule}`);
}

function milliseconds(variable: string, raw: string): number {
  if (!/^\d{1,10}$/.test(raw)) fail(variable, 'must be a whole number of milliseconds, e.g. 60000');
  return Number(raw);
}

/**
 * Reads the `TESSERA_*` settings from `env`.
 * @example
 * const { offline = false, iparamsTtlMs } = readEnvironment();
 */
export function readEnvironment(env: Readonly<Record<string, string | undefined>> | undefined = process.env): TesseraEnvironment {
  const out: TesseraEnvironment = { onAwsLambda: /^AWS_Lambda_/.test(env.AWS_EXECUTION_ENV ?? '') };
  const value = (key: keyof typeof ENVIRONMENT_VARIABLES): string | undefined => {
    const raw = env[ENVIRONMENT_VARIABLES[key]];
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const offline = value('offline');
  if (offline !== undefined) {
    if (offline !== 'true' && offline !== 'false') fail(ENVIRONMENT_VARIABLES.offline, 'must be true or false');
    out.offline = offline === 'true';
  }
  const level = value('logLevel');
  if (level !== undefined) {
    if (!LEVELS.includes(level)) fail(ENVIRONMENT_VARIABLES.logLevel, `must be one of ${LEVELS.join(', ')}`);
    out.logLevel = level as LogLevel;
  }
  for (const key of ['iparamsTtlMs', 'keysTtlMs', 'ssmRequestTimeoutMs'] as const) {
    const raw = value(key);
    if (raw !== undefined) out[key] = milliseconds(ENVIRONMENT_VARIABLES[key], raw);
  }
  const batch = value('iparamsBatchSize');
  if (batch !== undefined) {
    if (!/^(10|[1-9])$/.test(batch)) fail(ENVIRONMENT_VARIABLES.iparamsBatchSize, 'must be a whole number from 1 to 10');
    out.iparamsBatchSize = Number(batch);
  }
  for (const key of ['kmsKeyId', 'csrfSecret', 'sessionJwksUrl', 'sessionIssuer'] as const) {
    const raw = value(key);
    if (raw !== undefined) out[key] = raw;
  }
  return out;
}
