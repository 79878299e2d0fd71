/**
 * An app's configuration, resolved once when `createApp` runs: an option beats its environment variable, which beats
 * the manifest, which beats the default (the order Powertools uses). Nothing below reads the environment again.
 */
import type { Manifest, ManifestSession } from '@tessera/schema';
import { readEnvironment } from '@tessera/protocol';
import type { LogLevel } from '@tessera/protocol/log';

/** What `createApp` resolves; every factory under it gets its values from here. */
export interface AppConfig {
  /** Offline development: plain HTTP to loopback, the installation header, the offline proxy's markers. */
  readonly offline: boolean;
  /** Wall clock in epoch milliseconds. */
  readonly now: () => number;
  readonly logLevel: LogLevel;
  readonly iparamsTtlMs: number | undefined;
  readonly keysTtlMs: number | undefined;
  readonly ssmRequestTimeoutMs: number | undefined;
  readonly iparamsBatchSize: number | undefined;
  readonly csrfSecret: string | undefined;
  /** The platform's session settings, the environment's `jwksUrl`/`issuer` over the manifest's. */
  readonly session: ManifestSession | undefined;
}

/** The options that take part in resolution (a subset of `AppOptions`). */
export interface ConfigOptions {
  offline?: boolean;
  clock?: () => number;
  iparamsTtlMs?: number;
  ssmRequestTimeoutMs?: number;
  iparamsBatchSize?: number;
  csrfSecret?: string;
  /** The environment to read instead of the process's (tests, embedding). */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Resolves the configuration. Offline mode is refused on AWS Lambda itself (`AWS_EXECUTION_ENV`), whatever the
 * variables say: there it would let a request name its installation.
 * @example
 * const config = resolveAppConfig({ offline: true }, manifest);
 */
export function resolveAppConfig(options: ConfigOptions, manifest: Manifest): AppConfig {
  const env = readEnvironment(options.env);
  const offline = options.offline ?? env.offline ?? false;
  if (typeof offline !== 'boolean') throw new TypeError('createApp: option "offline" must be true or false');
  if (offline && env.onAwsLambda) {
    throw new TypeError('createApp: offline mode cannot run on AWS Lambda (AWS_EXECUTION_ENV is set); unset TESSERA_OFFLINE');
  }
  if (options.clock !== undefined && typeof options.clock !== 'function')
    throw new TypeError('createApp: option "clock" must be a function returning epoch milliseconds');
  // A stage's platform may differ from the manifest's: the variables override a declared session, never add one.
  const declared = manifest.session;
  const session: ManifestSession | undefined = declared && {
    ...declared,
    jwksUrl: env.sessionJwksUrl ?? declared.jwksUrl,
    issuer: env.sessionIssuer ?? declared.issuer,
  };
  return Object.freeze({
    offline,
    now: options.clock ?? Date.now,
    logLevel: env.logLevel ?? 'info',
    iparamsTtlMs: options.iparamsTtlMs ?? env.iparamsTtlMs,
    keysTtlMs: env.keysTtlMs,
    ssmRequestTimeoutMs: options.ssmRequestTimeoutMs ?? env.ssmRequestTimeoutMs,
    iparamsBatchSize: options.iparamsBatchSize ?? env.iparamsBatchSize,
    csrfSecret: options.csrfSecret ?? env.csrfSecret,
    session,
  });
}
