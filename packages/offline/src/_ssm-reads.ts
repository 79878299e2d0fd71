/** The read operations of the local SSM endpoint: GetParameter(s), GetParametersByPath, history, describe. */
import {
  currentVersion,
  decodeNextToken,
  metadataOf,
  type Operation,
  type OperationContext,
  parameterNotFound,
  readParameterFilters,
  sortedParameters,
  takePage,
  toParameter,
} from './_ssm-model.js';
import { assertLookupName, isUnderPath, normalizePath, parameterArn, parseSelector } from './_ssm-names.js';
import type { StoredVersion } from './_ssm-store.js';
import { AwsFault, readBoolean, readInteger, readString, readStringList } from './_ssm-wire.js';

/** Most names GetParameters and DeleteParameters take at once. */
export const MAX_NAMES_PER_CALL = 10;

interface Resolved {
  name: string;
  version: StoredVersion;
  selector?: string;
}

// A `name:version` or `name:label` lookup, with the errors GetParameter answers.
function resolve(ctx: OperationContext, requested: string): Resolved {
  assertLookupName(requested);
  const { name, selector, version, label } = parseSelector(requested);
  const param = ctx.store.read().get(name);
  if (!param) throw parameterNotFound(name);
  if (selector === undefined) return { name, version: currentVersion(param) };
  if (label !== undefined) {
    // Labels cannot be attached locally (no LabelParameterVersion), so no label ever matches.
    throw new AwsFault('ParameterVersionNotFound', `Systems Manager could not find label ${label} of ${name}.`);
  }
  const found = param.versions.find((v) => v.version === version);
  if (!found) {
    throw new AwsFault('ParameterVersionNotFound', `Systems Manager could not find version ${version} of ${name}. Verify the version and try again.`);
  }
  return { name, version: found, selector };
}

const getParameter: Operation = (ctx, body) => {
  const requested = readString(body, 'Name', true);
  const withDecryption = readBoolean(body, 'WithDecryption') ?? false;
  const { name, version, selector } = resolve(ctx, requested);
  return { Parameter: toParameter(ctx, name, version, withDecryption, selector) };
};

const getParameters: Operation = (ctx, body) => {
  const names = [...new Set(readStringList(body, 'Names', MAX_NAMES_PER_CALL))];
  const withDecryption = readBoolean(body, 'WithDecryption') ?? false;
  for (const n of names) assertLookupName(n, 'names');
  const parameters: unknown[] = [];
  const invalid: string[] = [];
  for (const requested of names) {
    let resolved: Resolved;
    try {
      resolved = resolve(ctx, requested);
    } catch (err) {
      if (!(err instanceof AwsFault) || err.type === 'InternalServerError') throw err;
      invalid.push(requested);
      continue;
    }
    parameters.push(toParameter(ctx, resolved.name, resolved.version, withDecryption, resolved.selector));
  }
  return { Parameters: parameters, InvalidParameters: invalid };
};

const getParametersByPath: Operation = (ctx, body) => {
  const path = normalizePath(readString(body, 'Path', true));
  const recursive = readBoolean(body, 'Recursive') ?? false;
  const withDecryption = readBoolean(body, 'WithDecryption') ?? false;
  const maxResults = readInteger(body, 'MaxResults', 1, 10) ?? 10;
  const keep = readParameterFilters(body, ['Type', 'KeyId', 'Label']);
  const scope = `path:${recursive ? 'r' : '1'}:${path}`;
  const token = readString(body, 'NextToken');
  const after = token === undefined ? undefined : decodeNextToken(token, scope);
  const matching = sortedParameters(ctx.store.read()).filter((p) => isUnderPath(p.name, path, recursive) && keep(p.name, currentVersion(p)));
  const { page, nextToken } = takePage(matching, (p) => p.name, after, maxResults, scope);
  return {
    Parameters: page.map((p) => toParameter(ctx, p.name, currentVersion(p), withDecryption)),
    ...(nextToken === undefined ? {} : { NextToken: nextToken }),
  };
};

const getParameterHistory: Operation = (ctx, body) => {
  const name = readString(body, 'Name', true);
  assertLookupName(name);
  const withDecryption = readBoolean(body, 'WithDecryption') ?? false;
  const maxResults = readInteger(body, 'MaxResults', 1, 50) ?? 50;
  const param = ctx.store.read().get(name);
  if (!param) throw parameterNotFound(name);
  const scope = `history:${name}`;
  const token = readString(body, 'NextToken');
  const after = token === undefined ? undefined : decodeNextToken(token, scope);
  const { page, nextToken } = takePage(
    param.versions,
    (v) => String(v.version),
    after,
    maxResults,
    scope,
    (a, b) => Number(a) > Number(b),
  );
  return {
    Parameters: page.map((v) => ({
      Name: name,
      ...metadataOf(v),
      Value: toParameter(ctx, name, v, withDecryption).Value,
      Labels: [],
    })),
    ...(nextToken === undefined ? {} : { NextToken: nextToken }),
  };
};

const describeParameters: Operation = (ctx, body) => {
  if (body.Filters !== undefined && body.Filters !== null) {
    throw new AwsFault('ValidationException', 'ssm-local supports ParameterFilters only, not the legacy Filters.');
  }
  const maxResults = readInteger(body, 'MaxResults', 1, 50) ?? 50;
  const keep = readParameterFilters(body, ['Name', 'Path', 'Type', 'KeyId', 'Tier', 'DataType']);
  const token = readString(body, 'NextToken');
  const after = token === undefined ? undefined : decodeNextToken(token, 'describe');
  const matching = sortedParameters(ctx.store.read()).filter((p) => keep(p.name, currentVersion(p)));
  const { page, nextToken } = takePage(matching, (p) => p.name, after, maxResults, 'describe');
  return {
    Parameters: page.map((p) => ({
      Name: p.name,
      ARN: parameterArn(ctx.region, p.name),
      ...metadataOf(currentVersion(p)),
    })),
    ...(nextToken === undefined ? {} : { NextToken: nextToken }),
  };
};

/**
 * The read operations by AWS operation name.
 * @example
 * const result = READ_OPERATIONS.GetParameter?.(ctx, { Name: '/x' });
 */
export const READ_OPERATIONS: Readonly<Record<string, Operation>> = {
  GetParameter: getParameter,
  GetParameters: getParameters,
  GetParametersByPath: getParametersByPath,
  GetParameterHistory: getParameterHistory,
  DescribeParameters: describeParameters,
};
