/** Runs the JSON Schemas through Ajv and turns its errors into plain-word issues that never carry a value. */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { IPARAMS_JSON_SCHEMA } from './iparams-schema.js';
import { MANIFEST_JSON_SCHEMA } from './manifest-schema.js';
import type { ConfigIssue } from './types.js';

let ajv: Ajv | undefined;
const compiled = new Map<object, ValidateFunction>();

function compile(schema: object): ValidateFunction {
  if (!ajv) {
    // verbose: the error carries its parentSchema, where the editor-facing patternErrorMessage lives.
    ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
  }
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/**
 * Escapes one JSON Pointer segment (RFC 6901 §3).
 * @example
 * pointerSegment('a/b') // 'a~1b'
 */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * Joins segments into a JSON Pointer; the document root is shown as `/` so messages stay readable.
 * @example
 * pointer('customer', 'auth', 'mode') // '/customer/auth/mode'
 */
export function pointer(...segments: (string | number)[]): string {
  return segments.length === 0 ? '/' : segments.map((s) => `/${pointerSegment(s)}`).join('');
}

const TYPE_WORDS: Record<string, string> = {
  object: 'an object',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  null: 'null',
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describe(error: ErrorObject, unknownKeyRule: string): { field?: string; rule: string } {
  const p = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as { patternErrorMessage?: string };
  switch (error.keyword) {
    case 'required':
      return { field: `${error.instancePath}/${pointerSegment(String(p.missingProperty))}`, rule: 'is required' };
    case 'additionalProperties':
      return { field: `${error.instancePath}/${pointerSegment(String(p.additionalProperty))}`, rule: unknownKeyRule };
    case 'type':
      return {
        rule: `must be ${String(p.type)
          .split(',')
          .map((t) => TYPE_WORDS[t] ?? t)
          .join(' or ')}`,
      };
    case 'enum':
      return { rule: `must be one of: ${(p.allowedValues as unknown[]).join(', ')}` };
    case 'pattern':
      return { rule: parent.patternErrorMessage ?? 'has an invalid format' };
    case 'minItems':
      return { rule: `must have at least ${plural(Number(p.limit), 'item')}` };
    case 'maxItems':
      return { rule: `must have at most ${plural(Number(p.limit), 'item')}` };
    case 'uniqueItems':
      return { rule: 'must not contain duplicates' };
    case 'minLength':
      return { rule: Number(p.limit) === 1 ? 'must not be empty' : `must be at least ${plural(Number(p.limit), 'character')}` };
    case 'maxLength':
      return { rule: `must be at most ${plural(Number(p.limit), 'character')}` };
    case 'minimum':
      return { rule: `must be at least ${String(p.limit)}` };
    case 'maximum':
      return { rule: `must be at most ${String(p.limit)}` };
    default:
      return { rule: `breaks the schema rule "${error.keyword}"` };
  }
}

/**
 * Validates `data` against one of the two schemas; returns one issue per problem, in document order.
 * @example
 * runJsonSchema('manifest', json, 'manifest.json') // [{ file: 'manifest.json', field: '/app/id', rule: '…' }]
 */
export function runJsonSchema(which: 'manifest' | 'iparams', data: unknown, file: string): ConfigIssue[] {
  const validate = compile(which === 'manifest' ? MANIFEST_JSON_SCHEMA : IPARAMS_JSON_SCHEMA);
  if (validate(data)) return [];
  const unknownKeyRule = which === 'manifest' ? 'is not a known key' : 'is not a known attribute';
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    // propertyNames reports twice: the inner pattern error (with the message) and a summary naming the key.
    if (error.keyword === 'propertyNames') continue;
    const { field, rule } = describe(error, unknownKeyRule);
    let path = field ?? error.instancePath;
    if (error.propertyName !== undefined) path = `${error.instancePath}/${pointerSegment(error.propertyName)}`;
    const issue = { file, field: path === '' ? '/' : path, rule };
    const key = `${issue.field}\u0000${issue.rule}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}
