/** SSM's rules for parameter names, hierarchy paths and `name:version` selectors, as AWS enforces them. */
import { AwsFault, validationError } from './_ssm-wire.js';

/** Longest name PutParameter accepts (AWS reserves the rest of the 2048 characters for internal use). */
export const MAX_NAME_CHARS = 1011;
/** Longest name or path the read operations accept. */
export const MAX_LOOKUP_CHARS = 2048;
/** Deepest hierarchy AWS allows, counted in `/`-separated segments. */
export const MAX_HIERARCHY_LEVELS = 15;

const SEGMENT = /^[A-Za-z0-9_.-]+$/;
const RESERVED_PREFIX = /^(aws|ssm)/i;

// AWS's own wording, so a developer sees locally what they would see on AWS.
const NAME_RULE =
  'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist ' +
  'of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following ' +
  '3 symbols .-_';

function hierarchyTooDeep(): AwsFault {
  return new AwsFault('HierarchyLevelLimitExceededException', `A hierarchy can have a maximum of ${MAX_HIERARCHY_LEVELS} levels.`);
}

/**
 * Checks a name for PutParameter: characters, leading `/` for paths, reserved prefixes, length and depth.
 * @example
 * assertCreatableName('/tessera/app/installations/i1/apiKey');
 */
export function assertCreatableName(name: string): void {
  if (name.length < 1) throw validationError('name', 'Member must have length greater than or equal to 1');
  if (name.length > MAX_NAME_CHARS) {
    throw validationError('name', `Member must have length less than or equal to ${MAX_NAME_CHARS}`);
  }
  const hierarchical = name.includes('/');
  if (hierarchical && !name.startsWith('/')) throw new AwsFault('ValidationException', NAME_RULE);
  const segments = hierarchical ? name.slice(1).split('/') : [name];
  if (!segments.every((s) => SEGMENT.test(s))) throw new AwsFault('ValidationException', NAME_RULE);
  if (RESERVED_PREFIX.test(segments[0] ?? '')) throw new AwsFault('ValidationException', NAME_RULE);
  if (segments.length > MAX_HIERARCHY_LEVELS) throw hierarchyTooDeep();
}

/**
 * Checks a name given to a read or delete: only its length, as AWS does (an odd name is simply not found).
 * @example
 * assertLookupName('/x');
 */
export function assertLookupName(name: string, member = 'name'): void {
  if (name.length < 1) throw validationError(member, 'Member must have length greater than or equal to 1');
  if (name.length > MAX_LOOKUP_CHARS) {
    throw validationError(member, `Member must have length less than or equal to ${MAX_LOOKUP_CHARS}`);
  }
}

/**
 * Checks a GetParametersByPath path and returns it without a trailing `/` (the root stays `/`).
 * Paths under `aws`/`ssm` are readable on AWS (public parameters), so the reserved-prefix rule does not apply.
 * @example
 * normalizePath('/tessera/app/'); // '/tessera/app'
 */
export function normalizePath(path: string): string {
  assertLookupName(path, 'path');
  if (!path.startsWith('/')) throw new AwsFault('ValidationException', 'The parameter path must begin with "/".');
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (trimmed === '/') return trimmed;
  const segments = trimmed.slice(1).split('/');
  if (!segments.every((s) => SEGMENT.test(s))) throw new AwsFault('ValidationException', NAME_RULE);
  if (segments.length > MAX_HIERARCHY_LEVELS) throw hierarchyTooDeep();
  return trimmed;
}

/**
 * True when `name` lies under `path`: anywhere below it when recursive, else exactly one level below.
 * @example
 * isUnderPath('/a/b/c', '/a', false); // false
 */
export function isUnderPath(name: string, path: string, recursive: boolean): boolean {
  const prefix = path === '/' ? '/' : `${path}/`;
  if (!name.startsWith(prefix) || name.length === prefix.length) return false;
  return recursive || !name.slice(prefix.length).includes('/');
}

/** A name split into the parameter name and its selector (`:3` for a version, `:label` for a label). */
export interface SelectedName {
  name: string;
  /** The selector as AWS echoes it, with its leading `:`; absent when none was given. */
  selector?: string;
  /** The version asked for, when the selector is a version number. */
  version?: number;
  /** The label asked for, when the selector is not a number. */
  label?: string;
}

/**
 * Splits `name:selector`; names cannot contain `:`, so the first one starts the selector.
 * @example
 * parseSelector('/x:3'); // { name: '/x', selector: ':3', version: 3 }
 */
export function parseSelector(requested: string): SelectedName {
  const at = requested.indexOf(':');
  if (at < 0) return { name: requested };
  const name = requested.slice(0, at);
  const selector = requested.slice(at);
  const body = selector.slice(1);
  if (name.length === 0 || body.length === 0 || body.includes(':')) {
    throw new AwsFault('ValidationException', 'Invalid parameter selector: use name:version or name:label.');
  }
  if (/^[0-9]+$/.test(body)) return { name, selector, version: Number(body) };
  return { name, selector, label: body };
}

/**
 * The ARN AWS gives a parameter; a name without a leading `/` gets one, as on AWS.
 * @example
 * parameterArn('us-east-1', '/x'); // 'arn:aws:ssm:us-east-1:000000000000:parameter/x'
 */
export function parameterArn(region: string, name: string): string {
  return `arn:aws:ssm:${region}:000000000000:parameter${name.startsWith('/') ? '' : '/'}${name}`;
}
