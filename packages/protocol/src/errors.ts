/** Tessera's error model: one base class, stable codes, one wire shape. Imports nothing. */

/**
 * Every error code Tessera can raise: the HTTP status it maps to, its fixed public message, and the family (or, for
 * a code two families share, the families) that raise it.
 */
export const ERROR_CODES = {
  // schema and configuration files
  ERR_CONFIG_INVALID: [500, 'The app configuration is invalid', 'config'],
  // installation parameters
  ERR_IPARAM_INVALID: [400, 'Installation parameters are invalid', 'iparams'],
  ERR_INSTALLATION_ID_INVALID: [400, 'Installation id is invalid', 'iparams'],
  ERR_PARAMETER_NAME_INVALID: [400, 'Parameter name is invalid', 'iparams'],
  ERR_INSTALLATION_NOT_FOUND: [404, 'Installation not found', 'store'],
  ERR_STORE_UNAVAILABLE: [503, 'Parameter store is unavailable', 'store'],
  // inbound (frontend -> function)
  ERR_ORIGIN_NOT_ALLOWED: [403, 'Origin not allowed', 'inbound'],
  ERR_PREFLIGHT_REFUSED: [403, 'Preflight request refused', 'inbound'],
  ERR_SESSION_MISSING: [401, 'Session token required', 'inbound'],
  ERR_SESSION_INVALID: [401, 'Session token invalid', 'inbound'],
  ERR_SESSION_EXPIRED: [401, 'Session token expired', 'inbound'],
  ERR_SCOPE_MISSING: [403, 'Session lacks a required scope', 'inbound'],
  ERR_SESSION_KEYS_UNAVAILABLE: [503, 'Session keys unavailable', 'inbound'],
  ERR_CSRF_INVALID: [400, 'CSRF token missing or invalid', 'inbound'],
  ERR_BASIC_INVALID: [401, 'Credentials invalid', 'inbound'],
  ERR_RATE_LIMITED: [429, 'Too many attempts', 'inbound'],
  ERR_METHOD_NOT_ALLOWED: [405, 'Method not allowed', 'inbound'],
  ERR_BODY_TOO_LARGE: [413, 'Request body too large', 'inbound verify'],
  ERR_BAD_REQUEST: [400, 'Bad request', 'inbound verify'],
  ERR_NOT_FOUND: [404, 'Not found', 'inbound'],
  ERR_INTERNAL: [500, 'Internal error', 'inbound'],
  // outbound (function -> customer server)
  ERR_OUTBOUND_HOST_NOT_ALLOWED: [502, 'Customer host not allowed', 'outbound'],
  ERR_OUTBOUND_REDIRECT: [502, 'Customer server answered with a redirect', 'outbound'],
  ERR_OUTBOUND_TIMEOUT: [504, 'Customer server timed out', 'outbound'],
  ERR_OUTBOUND_RESPONSE_TOO_LARGE: [502, 'Customer server response too large', 'outbound'],
  ERR_OUTBOUND_REFUSED: [502, 'Customer server refused the request', 'outbound'],
  ERR_OUTBOUND_UNREACHABLE: [502, 'Customer server unreachable', 'outbound'],
  // verifier (customer server)
  ERR_VERIFY_MISSING: [401, 'Credentials missing', 'verify'],
  ERR_VERIFY_MALFORMED: [401, 'Credentials malformed', 'verify'],
  ERR_VERIFY_SECRET: [401, 'Shared secret does not match', 'verify'],
  ERR_VERIFY_SIGNATURE: [401, 'Token signature invalid', 'verify'],
  ERR_VERIFY_ALGORITHM: [401, 'Token algorithm not allowed', 'verify'],
  ERR_VERIFY_EXPIRED: [401, 'Token expired', 'verify'],
  ERR_VERIFY_NOT_YET_VALID: [401, 'Token not yet valid', 'verify'],
  ERR_VERIFY_LIFETIME: [401, 'Token lifetime too long', 'verify'],
  ERR_VERIFY_AUDIENCE: [401, 'Token audience mismatch', 'verify'],
  ERR_VERIFY_ISSUER: [401, 'Token issuer mismatch', 'verify'],
  ERR_VERIFY_INSTALLATION: [401, 'Token is for another installation', 'verify'],
  ERR_VERIFY_BINDING: [401, 'Token not bound to this request', 'verify'],
  ERR_VERIFY_REPLAYED: [401, 'Token already used', 'verify'],
  ERR_REPLAY_STORE_FULL: [503, 'Replay store full', 'store verify'],
  ERR_REPLAY_STORE_UNAVAILABLE: [503, 'Replay store unavailable', 'store verify'],
  ERR_VERIFY_MISCONFIGURED: [500, 'Verifier misconfigured', 'verify'],
  ERR_VERIFY_KEYS_UNAVAILABLE: [503, 'Verification keys unavailable', 'verify'],
  ERR_VERIFY_ORIGIN: [403, 'Origin not allowed for this WebSocket', 'verify'],
  ERR_VERIFY_PROTOCOL: [400, 'No accepted WebSocket subprotocol', 'verify'],
  ERR_VERIFY_CONNECTION_LIMIT: [429, 'Too many connections for this installation', 'verify'],
  ERR_VERIFY_UPSTREAM: [502, 'Upstream WebSocket server unavailable', 'verify'],
  // app signing keys
  ERR_KEYS_NOT_FOUND: [404, 'Signing keys not found', 'keys'],
  ERR_KEYS_INVALID: [500, 'Signing key document is invalid', 'keys'],
  ERR_KEYS_CONFLICT: [409, 'Signing key operation refused', 'keys'],
  // command line (never an HTTP answer: the CLI maps codes to exit codes of its own)
  ERR_CLI_USAGE: [400, 'Invalid command line', 'cli'],
} as const satisfies Record<string, readonly [number, string, string]>;

export type TesseraErrorCode = keyof typeof ERROR_CODES;

type Words<S extends string> = S extends `${infer A} ${infer B}` ? A | Words<B> : S;
type FamiliesOf<C extends TesseraErrorCode> = Words<(typeof ERROR_CODES)[C][2]>;

/** A family of errors: the part that raises them. */
export type ErrorFamily = FamiliesOf<TesseraErrorCode>;
/** The codes of one family. */
export type FamilyCode<F extends ErrorFamily> = { [C in TesseraErrorCode]: F extends FamiliesOf<C> ? C : never }[TesseraErrorCode];

/**
 * Which family raises each code, from {@link ERROR_CODES}. A code belongs to one family, except where the verifier
 * answers for another part: the request-shape codes a function answers too (`ERR_BAD_REQUEST`, `ERR_BODY_TOO_LARGE`,
 * also inbound) and the replay store's failures it turns into its refusal (`ERR_REPLAY_STORE_*`, also store).
 * @example
 * ERROR_FAMILIES.keys // ['ERR_KEYS_NOT_FOUND', 'ERR_KEYS_INVALID', 'ERR_KEYS_CONFLICT']
 */
export const ERROR_FAMILIES: { readonly [F in ErrorFamily]: readonly FamilyCode<F>[] } = (() => {
  const out: Record<string, string[]> = {};
  for (const [code, [, , families]] of Object.entries(ERROR_CODES)) for (const f of families.split(' ')) (out[f] ??= []).push(code);
  return out as never;
})();

/** `manifest.json`, `iparams.json` or `serverless.yml` invalid, or the app's own set-up (e.g. no signing key). */
export type ConfigErrorCode = FamilyCode<'config'>;
/** Installation parameter values, installation ids and parameter names. */
export type IparamErrorCode = FamilyCode<'iparams'>;
/** The parameter store and the replay stores. */
export type StoreErrorCode = FamilyCode<'store'>;
/** Requests to a function, refused or failed. */
export type InboundErrorCode = FamilyCode<'inbound'>;
/** Calls to the customer's server. */
export type OutboundErrorCode = FamilyCode<'outbound'>;
/** The customer's verifier. */
export type VerifyErrorCode = FamilyCode<'verify'>;
/** The app's signing keys. */
export type KeysErrorCode = FamilyCode<'keys'>;
/** The command line. */
export type CliErrorCode = FamilyCode<'cli'>;

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
    // Typed callers cannot get this wrong; the check is for JavaScript callers and casts.
    const family = (new.target as { family?: ErrorFamily }).family;
    if (!(code in ERROR_CODES) || (family !== undefined && !ERROR_CODES[code][2].split(' ').includes(family))) {
      throw new TypeError(`${new.target.name}: "${String(code)}" is not a code of ${family ?? 'Tessera'}`);
    }
    super(options.message ?? ERROR_CODES[code][1], options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = ERROR_CODES[code][0];
    this.headers = options.headers === undefined ? NO_HEADERS : Object.freeze({ ...options.headers });
  }

  /** The family whose codes this class carries; none on the base class. */
  static readonly family?: ErrorFamily;

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

/**
 * The base of a family's class: `code` narrowed to the family's union, and the constructor's check bound to it.
 * @example
 * export class KeysError extends familyError('keys') {}
 */
export function familyError<F extends ErrorFamily>(family: F) {
  return class extends TesseraError {
    declare readonly code: FamilyCode<F>;
    static override readonly family: ErrorFamily = family;
    constructor(code: FamilyCode<F>, options: TesseraErrorOptions = {}) {
      super(code, options);
    }
  };
}

/**
 * Installation parameter values broke the schema, or an installation id or parameter name its rule; `issues` names
 * each field and rule.
 */
export class IparamValidationError extends familyError('iparams') {
  readonly issues: readonly FieldIssue[];
  constructor(issues: readonly FieldIssue[], code: IparamErrorCode = 'ERR_IPARAM_INVALID', options: TesseraErrorOptions = {}) {
    super(code, { message: issues.map((i) => `iparam "${i.field}": ${i.rule}`).join('; '), ...options });
    this.issues = issues;
  }
}

/**
 * `manifest.json`, `iparams.json` or `serverless.yml` is invalid (each issue names file, JSON path and rule), or the
 * app's set-up is (no issues, a `cause` for logs).
 */
export class ConfigError extends familyError('config') {
  readonly issues: readonly (FieldIssue & { file: string })[];
  constructor(issues: readonly (FieldIssue & { file: string })[], options: Omit<TesseraErrorOptions, 'headers'> = {}) {
    const listed = issues.map((i) => `${i.file} ${i.field}: ${i.rule}`).join('\n');
    super('ERR_CONFIG_INVALID', { ...options, ...(listed === '' ? {} : { message: listed }) });
    this.issues = issues;
  }
}

/** A request to a function was refused before the function ran, or failed. */
export class InboundError extends familyError('inbound') {}

/** A call to the customer's server failed or was refused before it left. */
export class OutboundError extends familyError('outbound') {}

/** The verifier refused a request; `reason` is a short internal explanation for logs. */
export class VerifyError extends familyError('verify') {
  readonly reason: string;
  constructor(code: VerifyErrorCode, reason: string, options: TesseraErrorOptions = {}) {
    super(code, options);
    this.reason = reason;
  }
}

/** The parameter store (SSM) or a replay store failed, or holds no such installation. */
export class StoreError extends familyError('store') {}

/** The app's signing keys are missing, malformed, or an operation on them is refused. */
export class KeysError extends familyError('keys') {}

/** The command line was used wrongly. */
export class CliError extends familyError('cli') {}

/**
 * Every error Tessera raises, discriminated by `code`: `switch (err.code)` narrows to the family's class (to both
 * classes for a code two families share, see {@link ERROR_FAMILIES}).
 * @example
 * if (isTesseraError(err)) switch ((err as AnyTesseraError).code) { case 'ERR_IPARAM_INVALID': err.issues; }
 */
export type AnyTesseraError = IparamValidationError | ConfigError | InboundError | OutboundError | VerifyError | StoreError | KeysError | CliError;

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
