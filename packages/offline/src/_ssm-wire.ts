/** AWS JSON 1.1 wire pieces of the local SSM endpoint: typed AWS faults and request-member readers. */

/** AWS error types that are server faults (HTTP 5xx), so the SDK marks them `$fault: "server"` and retries them. */
const SERVER_FAULT_STATUS: Readonly<Record<string, number>> = {
  InternalServerError: 500,
  InternalFailure: 500,
  ServiceUnavailable: 503,
};

/**
 * The HTTP status AWS uses for an error type: 5xx for server faults, 400 for everything else.
 * @example
 * statusForErrorType('ThrottlingException'); // 400
 */
export function statusForErrorType(errorType: string): number {
  return SERVER_FAULT_STATUS[errorType] ?? 400;
}

/**
 * An error answered as `{"__type","message"}`; the SDK turns `type` into its typed exception class.
 * Messages may name parameters (as AWS does) but never carry a parameter value.
 * @example
 * throw new AwsFault('ParameterNotFound', 'Parameter /x not found.');
 */
export class AwsFault extends Error {
  readonly type: string;
  readonly status: number;
  constructor(type: string, message: string, status: number = statusForErrorType(type)) {
    super(message);
    this.name = type;
    this.type = type;
    this.status = status;
  }
}

/** A decoded JSON request body. */
export type RequestBody = Readonly<Record<string, unknown>>;

/** AWS names members in validation messages in lower camel case (`'name'` for `Name`). */
function memberLabel(member: string): string {
  return member.charAt(0).toLowerCase() + member.slice(1);
}

function typeMismatch(member: string): AwsFault {
  return new AwsFault('SerializationException', `Unexpected JSON type for member ${member}`);
}

/**
 * The ValidationException AWS sends for one broken constraint.
 * @example
 * throw validationError('maxResults', 'Member must have value less than or equal to 10');
 */
export function validationError(member: string, constraint: string): AwsFault {
  return new AwsFault(
    'ValidationException',
    `1 validation error detected: Value at '${memberLabel(member)}' failed to satisfy constraint: ${constraint}`,
  );
}

function missing(member: string): AwsFault {
  return new AwsFault(
    'ValidationException',
    `1 validation error detected: Value null at '${memberLabel(member)}' failed to satisfy constraint: Member must not be null`,
  );
}

/**
 * A string member; a wrong JSON type is a SerializationException, a missing required one a ValidationException.
 * @example
 * const name = readString(body, 'Name', true);
 */
export function readString(body: RequestBody, member: string, required: true): string;
export function readString(body: RequestBody, member: string, required?: false): string | undefined;
export function readString(body: RequestBody, member: string, required = false): string | undefined {
  const value = body[member];
  if (value === undefined || value === null) {
    if (required) throw missing(member);
    return undefined;
  }
  if (typeof value !== 'string') throw typeMismatch(member);
  return value;
}

/**
 * An optional boolean member.
 * @example
 * const withDecryption = readBoolean(body, 'WithDecryption') ?? false;
 */
export function readBoolean(body: RequestBody, member: string): boolean | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw typeMismatch(member);
  return value;
}

/**
 * An optional integer member within `min..max`, else the ValidationException AWS sends.
 * @example
 * const maxResults = readInteger(body, 'MaxResults', 1, 10) ?? 10;
 */
export function readInteger(body: RequestBody, member: string, min: number, max: number): number | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw typeMismatch(member);
  if (value < min) throw validationError(member, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw validationError(member, `Member must have value less than or equal to ${max}`);
  return value;
}

/**
 * A required list of strings holding `1..maxItems` members.
 * @example
 * const names = readStringList(body, 'Names', 10);
 */
export function readStringList(body: RequestBody, member: string, maxItems: number): string[] {
  const value = body[member];
  if (value === undefined || value === null) throw missing(member);
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw typeMismatch(member);
  if (value.length < 1) throw validationError(member, 'Member must have length greater than or equal to 1');
  if (value.length > maxItems) {
    throw validationError(member, `Member must have length less than or equal to ${maxItems}`);
  }
  return value as string[];
}

/**
 * An optional list of objects (filters, tags), each checked to be a JSON object.
 * @example
 * const filters = readObjectList(body, 'ParameterFilters') ?? [];
 */
export function readObjectList(body: RequestBody, member: string): RequestBody[] | undefined {
  const value = body[member];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'object' || v === null || Array.isArray(v))) {
    throw typeMismatch(member);
  }
  return value as RequestBody[];
}

/**
 * Parses a request body; anything but a JSON object is the SerializationException AWS sends.
 * @example
 * const body = parseRequestBody(Buffer.from('{"Name":"/x"}'));
 */
export function parseRequestBody(raw: Buffer): RequestBody {
  if (raw.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AwsFault('SerializationException', 'The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsFault('SerializationException', 'The request body must be a JSON object');
  }
  return parsed as RequestBody;
}
