/** Tessera's error model: one base class, stable codes, one wire shape. Imports nothing. */

/** Every error code Tessera can raise, with the HTTP status it maps to and its fixed public message. */
export const ERROR_CODES = {
  // schema and configuration files
  ERR_CONFIG_INVALID: [500, 'The app configuration is invalid'],
  // installation parameters
  ERR_IPARAM_INVALID: [400, 'Installation parameters are invalid'],
  ERR_INSTALLATION_ID_INVALID: [400, 'Installation id is invalid'],
  ERR_PARAMETER_NAME_INVALID: [400, 'Parameter name is invalid'],
  ERR_INSTALLATION_NOT_FOUND: [404, 'Installation not found'],
  ERR_STORE_UNAVAILABLE: [503, 'Parameter store is unavailable'],
  // inbound (frontend -> function)
  ERR_ORIGIN_NOT_ALLOWED: [403, 'Origin not allowed'],
  ERR_PREFLIGHT_REFUSED: [403, 'Preflight request refused'],
  ERR_SESSION_MISSING: [401, 'Session token required'],
  ERR_SESSION_INVALID: [401, 'Session token invalid'],
  ERR_SESSION_EXPIRED: [401, 'Session token expired'],
  ERR_SCOPE_MISSING: [403, 'Session lacks a required scope'],
  ERR_SESSION_KEYS_UNAVAILABLE: [503, 'Session keys unavailable'],
  ERR_CSRF_INVALID: [400, 'CSRF token missing or invalid'],
  ERR_BASIC_INVALID: [401, 'Credentials invalid'],
  ERR_RATE_LIMITED: [429, 'Too many attempts'],
  ERR_METHOD_NOT_ALLOWED: [405, 'Method not allowed'],
  ERR_BODY_TOO_LARGE: [413, 'Request body too large'],
  ERR_BAD_REQUEST: [400, 'Bad request'],
  ERR_NOT_FOUND: [404, 'Not found'],
  ERR_INTERNAL: [500, 'Internal error'],
  // outbound (function -> customer server)
  ERR_OUTBOUND_HOST_NOT_ALLOWED: [502, 'Customer host not allowed'],
  ERR_OUTBOUND_REDIRECT: [502, 'Customer server answered with a redirect'],
  ERR_OUTBOUND_TIMEOUT: [504, 'Customer server timed out'],
  ERR_OUTBOUND_RESPONSE_TOO_LARGE: [502, 'Customer server response too large'],
  ERR_OUTBOUND_REFUSED: [502, 'Customer server refused the request'],
  ERR_OUTBOUND_UNREACHABLE: [502, 'Customer server unreachable'],
  // verifier (customer server)
  ERR_VERIFY_MISSING: [401, 'Credentials missing'],
  ERR_VERIFY_MALFORMED: [401, 'Credentials malformed'],
  ERR_VERIFY_SECRET: [401, 'Shared secret does not match'],
  ERR_VERIFY_SIGNATURE: [401, 'Token signature invalid'],
  ERR_VERIFY_ALGORITHM: [401, 'Token algorithm not allowed'],
  ERR_VERIFY_EXPIRED: [401, 'Token expired'],
  ERR_VERIFY_NOT_YET_VALID: [401, 'Token not yet valid'],
  ERR_VERIFY_LIFETIME: [401, 'Token lifetime too long'],
  ERR_VERIFY_AUDIENCE: [401, 'Token audience mismatch'],
  ERR_VERIFY_ISSUER: [401, 'Token issuer mismatch'],
  ERR_VERIFY_INSTALLATION: [401, 'Token is for another installation'],
  ERR_VERIFY_BINDING: [401, 'Token not bound to this request'],
  ERR_VERIFY_REPLAYED: [401, 'Token already used'],
  ERR_REPLAY_STORE_FULL: [503, 'Replay store full'],
  ERR_REPLAY_STORE_UNAVAILABLE: [503, 'Replay store unavailable'],
  ERR_VERIFY_MISCONFIGURED: [500, 'Verifier misconfigured'],
  ERR_VERIFY_KEYS_UNAVAILABLE: [503, 'Verification keys unavailable'],
  // app signing keys
  ERR_KEYS_NOT_FOUND: [404, 'Signing keys not found'],
  ERR_KEYS_INVALID: [500, 'Signing key document is invalid'],
  ERR_KEYS_CONFLICT: [409, 'Signing key operation refused'],
  // command line
  ERR_CLI_USAGE: [2, 'Invalid command line'],
} as const satisfies Record<string, readonly [number, string]>;

export type TesseraErrorCode = keyof typeof ERROR_CODES;

/** The only JSON shape an error ever takes on the wire. */
export interface ErrorBody {
  error: { code: TesseraErrorCode; message: string };
}

export interface TesseraErrorOptions {
  /** Internal detail for logs and debugging; never serialised to the wire. */
  cause?: unknown;
  /** A more specific public message; must not contain values, tokens or secrets. */
  message?: string;
  /**
   * HTTP headers the error's answer must carry: a `WWW-Authenticate` challenge, `Retry-After`. Fixed texts only,
   * never a value the request presented.
   */
  headers?: Readonly<Record<string, string>>;
}

/**
 * The brand every Tessera error carries, registered globally (`Symbol.for`), so {@link isTesseraError} also
 * recognises errors made by another loaded copy of the package, where `instanceof` cannot.
 */
const BRAND: unique symbol = Symbol.for('tessera.error') as never;
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Base of every error Tessera raises on input. Programmer misuse throws `TypeError` instead.
 * @example
 * if (err instanceof TesseraError) return err.toResponse();
 */
export class TesseraError extends Error {
  readonly code: TesseraErrorCode;
  readonly status: number;
  /** Headers the answer carries besides `content-type` (see {@link TesseraErrorOptions.headers}). */
  readonly headers: Readonly<Record<string, string>>;
  declare readonly [BRAND]: true;

  constructor(code: TesseraErrorCode, options: TesseraErrorOptions = {}) {
    super(options.message ?? ERROR_CODES[code][1], options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = ERROR_CODES[code][0];
    this.headers = options.headers === undefined ? NO_HEADERS : Object.freeze({ ...options.headers });
  }

  /** The wire body: exactly `{"error":{"code","message"}}`. */
  toJSON(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }

  /** A Lambda proxy (payload v2) response carrying this error. */
  toResponse(headers: Record<string, string> = {}): {
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  } {
    return {
      statusCode: this.status,
      headers: { 'content-type': 'application/json', ...this.headers, ...headers },
      body: JSON.stringify(this.toJSON()),
    };
  }
}

/** One problem with one field: the field's name (or JSON path) and the rule it broke. Never the value. */
export interface FieldIssue {
  field: string;
  rule: string;
}

/** Installation parameter values broke the schema; `issues` names each field and rule. */
export class IparamValidationError extends TesseraError {
  readonly issues: readonly FieldIssue[];
  constructor(issues: readonly FieldIssue[], code: TesseraErrorCode = 'ERR_IPARAM_INVALID') {
    super(code, { message: issues.map((i) => `iparam "${i.field}": ${i.rule}`).join('; ') });
    this.issues = issues;
  }
}

/** `manifest.json`, `iparams.json` or `serverless.yml` is invalid; each issue names file, JSON path and rule. */
export class ConfigError extends TesseraError {
  readonly issues: readonly (FieldIssue & { file: string })[];
  constructor(issues: readonly (FieldIssue & { file: string })[]) {
    super('ERR_CONFIG_INVALID', { message: issues.map((i) => `${i.file} ${i.field}: ${i.rule}`).join('\n') });
    this.issues = issues;
  }
}

/** A request from the frontend was refused before the function ran. */
export class InboundError extends TesseraError {}

/** A call to the customer's server failed or was refused before it left. */
export class OutboundError extends TesseraError {}

/** The verifier refused a request; `reason` is a short internal explanation for logs. */
export class VerifyError extends TesseraError {
  readonly reason: string;
  constructor(code: TesseraErrorCode, reason: string, options: TesseraErrorOptions = {}) {
    super(code, options);
    this.reason = reason;
  }
}

/** The parameter store (SSM) or a replay store failed. */
export class StoreError extends TesseraError {}

/** The command line was used wrongly. */
export class CliError extends TesseraError {}

export type AnyTesseraError =
  | IparamValidationError
  | ConfigError
  | InboundError
  | OutboundError
  | VerifyError
  | StoreError
  | CliError;

// On the prototype, not the instance: one brand for every error, invisible to JSON and to own-key copies.
Object.defineProperty(TesseraError.prototype, BRAND, { value: true });

/**
 * True for any Tessera error, whatever its family, including one made by another copy of the package (a second
 * installed version, or the other module system's build): the test is the global brand, not `instanceof`.
 * @example
 * if (isTesseraError(err)) res.status(err.status).json(err.toJSON());
 */
export function isTesseraError(value: unknown): value is TesseraError {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}
