/** The write operations of the local SSM endpoint: PutParameter, DeleteParameter, DeleteParameters. */
import { currentVersion, type Operation, parameterNotFound } from './_ssm-model.js';
import { assertCreatableName, assertLookupName } from './_ssm-names.js';
import { MAX_NAMES_PER_CALL } from './_ssm-reads.js';
import type { ParameterTier, ParameterType, StoredParameter, StoredVersion } from './_ssm-store.js';
import { AwsFault, type RequestBody, readBoolean, readObjectList, readString, readStringList, validationError } from './_ssm-wire.js';

/** The KMS key AWS uses for a SecureString when none is given. */
export const DEFAULT_KEY_ID = 'alias/aws/ssm';
/** Largest value of a Standard parameter, in UTF-8 bytes. */
export const STANDARD_VALUE_MAX_BYTES = 4096;
/** Largest value of an Advanced parameter, in UTF-8 bytes. */
export const ADVANCED_VALUE_MAX_BYTES = 8192;
/** AWS keeps this many versions; the oldest goes when a new one is added. */
export const MAX_VERSIONS = 100;

const TYPES: readonly ParameterType[] = ['String', 'StringList', 'SecureString'];
const TIERS = ['Standard', 'Advanced', 'Intelligent-Tiering'] as const;
const DATA_TYPES = ['text', 'aws:ec2:image', 'aws:ssm:integration'];
const MAX_PARAMETERS: Readonly<Record<ParameterTier, number>> = { Standard: 10_000, Advanced: 100_000 };
const KEY_ID = /^[a-zA-Z0-9:/_-]{1,256}$/;

function readEnum<T extends string>(body: RequestBody, member: string, allowed: readonly T[]): T | undefined {
  const value = readString(body, member);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw validationError(member, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return value as T;
}

function readBounded(body: RequestBody, member: string, maxChars: number): string | undefined {
  const value = readString(body, member);
  if (value !== undefined && value.length > maxChars) {
    throw validationError(member, `Member must have length less than or equal to ${maxChars}`);
  }
  return value;
}

interface PutRequest {
  name: string;
  value: string;
  valueBytes: number;
  type?: ParameterType;
  overwrite: boolean;
  tier?: (typeof TIERS)[number];
  keyId?: string;
  description?: string;
  dataType?: string;
  allowedPattern?: string;
}

// Checks that need no stored state, done before the request joins the mutation queue.
function readPutRequest(body: RequestBody): PutRequest {
  const name = readString(body, 'Name', true);
  const value = readString(body, 'Value', true);
  const request: PutRequest = {
    name,
    value,
    valueBytes: Buffer.byteLength(value, 'utf8'),
    type: readEnum(body, 'Type', TYPES),
    overwrite: readBoolean(body, 'Overwrite') ?? false,
    tier: readEnum(body, 'Tier', TIERS),
    keyId: readString(body, 'KeyId'),
    description: readBounded(body, 'Description', 1024),
    dataType: readEnum(body, 'DataType', DATA_TYPES),
    allowedPattern: readBounded(body, 'AllowedPattern', 1024),
  };
  assertCreatableName(name);
  if (value.length === 0) throw validationError('value', 'Member must have length greater than or equal to 1');
  if (request.valueBytes > ADVANCED_VALUE_MAX_BYTES) {
    throw validationError('value', `Member must have length less than or equal to ${ADVANCED_VALUE_MAX_BYTES}`);
  }
  if (readObjectList(body, 'Tags') !== undefined && request.overwrite) {
    throw new AwsFault('ValidationException', "Invalid request: tags and overwrite can't be used together.");
  }
  if (readString(body, 'Policies') !== undefined) {
    throw new AwsFault('ValidationException', 'ssm-local does not support parameter policies.');
  }
  if (request.keyId !== undefined && !KEY_ID.test(request.keyId)) {
    throw new AwsFault('InvalidKeyId', "The query key ID isn't valid.");
  }
  return request;
}

function resolveType(request: PutRequest, existing: StoredVersion | undefined): ParameterType {
  if (!existing) {
    if (!request.type) throw new AwsFault('ValidationException', 'A parameter type is required when you create a parameter.');
    return request.type;
  }
  if (request.type && request.type !== existing.type) {
    throw new AwsFault(
      'HierarchyTypeMismatchException',
      "Parameter Store doesn't support changing a parameter type. You must create a new, unique parameter.",
    );
  }
  return existing.type;
}

// AWS: Standard can become Advanced, never back; Intelligent-Tiering picks Standard unless the value needs more.
function resolveTier(request: PutRequest, existing: StoredVersion | undefined): ParameterTier {
  if (existing?.tier === 'Advanced') {
    if (request.tier === 'Standard') {
      throw new AwsFault(
        'ValidationException',
        "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter " +
          'tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as ' +
          'a standard parameter.',
      );
    }
    return 'Advanced';
  }
  if (request.tier === 'Intelligent-Tiering') {
    return request.valueBytes > STANDARD_VALUE_MAX_BYTES ? 'Advanced' : 'Standard';
  }
  return request.tier ?? existing?.tier ?? 'Standard';
}

function assertAllowedPattern(pattern: string | undefined, value: string): void {
  if (pattern === undefined) return;
  let regex: RegExp;
  try {
    // AWS matches the whole value (Java `matches()`), so anchor the pattern.
    regex = new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    throw new AwsFault('InvalidAllowedPatternException', 'The request does not meet the regular expression requirement.');
  }
  if (!regex.test(value)) {
    throw new AwsFault('ParameterPatternMismatchException', 'Parameter value, cannot be validated against allowedPattern');
  }
}

function countTier(draft: ReadonlyMap<string, StoredParameter>, tier: ParameterTier): number {
  let count = 0;
  for (const p of draft.values()) if (currentVersion(p).tier === tier) count += 1;
  return count;
}

const putParameter: Operation = (ctx, body) => {
  const request = readPutRequest(body);
  return ctx.store.mutate((draft) => {
    const param = draft.get(request.name);
    const existing = param ? currentVersion(param) : undefined;
    if (existing && !request.overwrite) {
      throw new AwsFault(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    }
    const type = resolveType(request, existing);
    const tier = resolveTier(request, existing);
    if (tier === 'Standard' && request.valueBytes > STANDARD_VALUE_MAX_BYTES) {
      throw new AwsFault(
        'ValidationException',
        `Standard tier parameters support a maximum parameter value of ${STANDARD_VALUE_MAX_BYTES} characters. To ` +
          'create a larger parameter value, upgrade the parameter to use the advanced-parameter tier.',
      );
    }
    if (type !== 'SecureString' && request.keyId !== undefined) {
      throw new AwsFault('ValidationException', 'KeyId is required for SecureString type parameter only.');
    }
    if (tier !== existing?.tier && countTier(draft, tier) >= MAX_PARAMETERS[tier]) {
      throw new AwsFault(
        'ParameterLimitExceeded',
        'You have exceeded the number of parameters for this AWS account. Delete one or more parameters and try again.',
      );
    }
    const allowedPattern = request.allowedPattern ?? existing?.allowedPattern;
    assertAllowedPattern(allowedPattern, request.value);
    const version = existing ? existing.version + 1 : 1;
    const description = request.description ?? existing?.description;
    const stored: StoredVersion = {
      version,
      type,
      value: type === 'SecureString' ? ctx.vault.seal(request.name, version, request.value) : request.value,
      ...(type === 'SecureString' ? { keyId: request.keyId ?? DEFAULT_KEY_ID } : {}),
      tier,
      dataType: request.dataType ?? existing?.dataType ?? 'text',
      lastModifiedDate: Date.now() / 1000,
      ...(description === undefined ? {} : { description }),
      ...(allowedPattern === undefined ? {} : { allowedPattern }),
    };
    const kept = (param?.versions ?? []).slice(-(MAX_VERSIONS - 1));
    draft.set(request.name, { name: request.name, versions: [...kept, stored] });
    return { Version: version, Tier: tier };
  });
};

const deleteParameter: Operation = (ctx, body) => {
  const name = readString(body, 'Name', true);
  assertLookupName(name);
  return ctx.store.mutate((draft) => {
    if (!draft.delete(name)) throw parameterNotFound(name);
    return {};
  });
};

const deleteParameters: Operation = (ctx, body) => {
  const names = [...new Set(readStringList(body, 'Names', MAX_NAMES_PER_CALL))];
  for (const n of names) assertLookupName(n, 'names');
  return ctx.store.mutate((draft) => {
    const deleted = names.filter((n) => draft.delete(n));
    return { DeletedParameters: deleted, InvalidParameters: names.filter((n) => !deleted.includes(n)) };
  });
};

/**
 * The write operations by AWS operation name; each runs through the store's mutation queue.
 * @example
 * await WRITE_OPERATIONS.DeleteParameter?.(ctx, { Name: '/x' });
 */
export const WRITE_OPERATIONS: Readonly<Record<string, Operation>> = {
  PutParameter: putParameter,
  DeleteParameter: deleteParameter,
  DeleteParameters: deleteParameters,
};
