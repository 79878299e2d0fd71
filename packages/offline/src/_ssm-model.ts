/** Shared pieces of the SSM operations: context, response shapes, paging tokens and parameter filters. */
import { isUnderPath, normalizePath, parameterArn } from './_ssm-names.js';
import type { ParameterStore, StoredParameter, StoredVersion } from './_ssm-store.js';
import type { Vault } from './_ssm-vault.js';
import { AwsFault, type RequestBody, readObjectList } from './_ssm-wire.js';

/** What every operation works with; `region` comes from the request's SigV4 credential scope. */
export interface OperationContext {
  readonly store: ParameterStore;
  readonly vault: Vault;
  readonly region: string;
}

/** One SSM operation: a decoded request body in, a JSON-able response out, or an {@link AwsFault} thrown. */
export type Operation = (ctx: OperationContext, body: RequestBody) => unknown;

/** Who AWS would say made the last change; locally there is one fake account. */
export const LAST_MODIFIED_USER = 'arn:aws:iam::000000000000:user/ssm-local';

/**
 * The current (latest) version of a parameter.
 * @example
 * const v = currentVersion(param);
 */
export function currentVersion(param: StoredParameter): StoredVersion {
  const latest = param.versions[param.versions.length - 1];
  if (!latest) throw new AwsFault('InternalServerError', 'Stored parameter has no versions');
  return latest;
}

/**
 * The ParameterNotFound AWS sends.
 * @example
 * throw parameterNotFound('/x');
 */
export function parameterNotFound(name: string): AwsFault {
  return new AwsFault('ParameterNotFound', `Parameter ${name} not found.`);
}

/**
 * A value as AWS returns it: a SecureString is decrypted only on request, else returned in its opaque sealed form.
 * @example
 * const value = revealValue(ctx, '/x', version, true);
 */
export function revealValue(ctx: OperationContext, name: string, v: StoredVersion, withDecryption: boolean): string {
  if (v.type !== 'SecureString' || !withDecryption) return v.value;
  try {
    return ctx.vault.open(name, v.version, v.value);
  } catch {
    throw new AwsFault('InternalServerError', 'A stored SecureString failed authentication.');
  }
}

/**
 * The `Parameter` shape of GetParameter(s) and GetParametersByPath.
 * @example
 * return { Parameter: toParameter(ctx, '/x', version, false) };
 */
export function toParameter(
  ctx: OperationContext,
  name: string,
  v: StoredVersion,
  withDecryption: boolean,
  selector?: string,
): Record<string, unknown> {
  return {
    Name: name,
    Type: v.type,
    Value: revealValue(ctx, name, v, withDecryption),
    Version: v.version,
    ...(selector === undefined ? {} : { Selector: selector }),
    LastModifiedDate: v.lastModifiedDate,
    ARN: parameterArn(ctx.region, name),
    DataType: v.dataType,
  };
}

/**
 * The metadata fields shared by ParameterHistory and ParameterMetadata (never the value).
 * @example
 * return { Name: '/x', ...metadataOf(version) };
 */
export function metadataOf(v: StoredVersion): Record<string, unknown> {
  return {
    Type: v.type,
    ...(v.keyId === undefined ? {} : { KeyId: v.keyId }),
    LastModifiedDate: v.lastModifiedDate,
    LastModifiedUser: LAST_MODIFIED_USER,
    ...(v.description === undefined ? {} : { Description: v.description }),
    ...(v.allowedPattern === undefined ? {} : { AllowedPattern: v.allowedPattern }),
    Version: v.version,
    Tier: v.tier,
    Policies: [],
    DataType: v.dataType,
  };
}

/**
 * Parameters sorted by name, so paging is stable while other names come and go.
 * @example
 * for (const p of sortedParameters(ctx.store.read())) { ... }
 */
export function sortedParameters(state: ReadonlyMap<string, StoredParameter>): StoredParameter[] {
  return [...state.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * An opaque NextToken: a cursor bound to the query that produced it.
 * @example
 * const token = encodeNextToken('path:/a', '/a/k1');
 */
export function encodeNextToken(scope: string, after: string): string {
  return Buffer.from(JSON.stringify({ s: scope, a: after }), 'utf8').toString('base64url');
}

/**
 * The cursor in a NextToken, or InvalidNextToken if it is malformed or came from another query.
 * @example
 * const after = decodeNextToken(body.NextToken, 'path:/a');
 */
export function decodeNextToken(token: string, scope: string): string {
  try {
    const { s, a } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown; a?: unknown };
    if (s === scope && typeof a === 'string') return a;
  } catch {
    // fall through to the AWS error below
  }
  throw new AwsFault('InvalidNextToken', "The specified token isn't valid.");
}

/**
 * Takes one page after `after` from sorted items, with the NextToken for the rest when more remain.
 * @example
 * const { page, nextToken } = takePage(items, (p) => p.name, undefined, 10, 'path:/a');
 */
export function takePage<T>(
  items: readonly T[],
  cursorOf: (item: T) => string,
  after: string | undefined,
  maxResults: number,
  scope: string,
  compare: (a: string, b: string) => boolean = (a, b) => a > b,
): { page: T[]; nextToken?: string } {
  const rest = after === undefined ? items : items.filter((i) => compare(cursorOf(i), after));
  const page = rest.slice(0, maxResults);
  const last = page[page.length - 1];
  if (rest.length > maxResults && last !== undefined) return { page, nextToken: encodeNextToken(scope, cursorOf(last)) };
  return { page };
}

type FilterTest = (name: string, v: StoredVersion) => boolean;

const FILTER_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  Name: ['Equals', 'BeginsWith', 'Contains'],
  Path: ['OneLevel', 'Recursive'],
  Type: ['Equals'],
  KeyId: ['Equals'],
  Tier: ['Equals'],
  DataType: ['Equals'],
  Label: ['Equals'],
};

function compileFilter(filter: RequestBody, allowedKeys: readonly string[]): FilterTest {
  const key = filter.Key;
  if (typeof key !== 'string' || !allowedKeys.includes(key)) {
    throw new AwsFault('InvalidFilterKey', 'The specified key is not valid.');
  }
  const options = FILTER_OPTIONS[key] ?? [];
  const option = filter.Option ?? options[0];
  if (typeof option !== 'string' || !options.includes(option)) {
    throw new AwsFault('InvalidFilterOption', `The filter option is not valid. Valid options are: ${options.join(', ')}.`);
  }
  const values = filter.Values;
  if (!Array.isArray(values) || values.length === 0 || values.some((x) => typeof x !== 'string' || x.length === 0)) {
    throw new AwsFault('InvalidFilterValue', 'The filter value is not valid.');
  }
  const wanted = values as string[];
  switch (key) {
    case 'Name':
      if (option === 'BeginsWith') return (name) => wanted.some((w) => name.startsWith(w));
      if (option === 'Contains') return (name) => wanted.some((w) => name.includes(w));
      return (name) => wanted.includes(name);
    case 'Path': {
      const paths = wanted.map(normalizePath);
      return (name) => paths.some((p) => isUnderPath(name, p, option === 'Recursive'));
    }
    case 'Type':
      return (_n, v) => wanted.includes(v.type);
    case 'KeyId':
      return (_n, v) => v.keyId !== undefined && wanted.includes(v.keyId);
    case 'Tier':
      return (_n, v) => wanted.includes(v.tier);
    case 'DataType':
      return (_n, v) => wanted.includes(v.dataType);
    default:
      // Labels are not supported locally (no LabelParameterVersion), so a label filter matches nothing.
      return () => false;
  }
}

/**
 * The `ParameterFilters` of a request as one predicate; keys outside `allowedKeys` are InvalidFilterKey.
 * @example
 * const keep = readParameterFilters(body, ['Type', 'KeyId', 'Label']);
 */
export function readParameterFilters(body: RequestBody, allowedKeys: readonly string[]): FilterTest {
  const tests = (readObjectList(body, 'ParameterFilters') ?? []).map((f) => compileFilter(f, allowedKeys));
  return (name, v) => tests.every((t) => t(name, v));
}
