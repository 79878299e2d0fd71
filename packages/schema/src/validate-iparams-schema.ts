/** Validates `iparams.json`: the JSON Schema, then the rules across a field's attributes. */
import { ConfigError } from '@tessera/protocol/errors';
import { pointer, runJsonSchema } from './_ajv.js';
import { checkIparamValue, compileFieldRegex } from './_value-rules.js';
import { IPARAM_TYPES } from './iparams-schema.js';
import type { ConfigIssue, IparamField, IparamsSchema, IparamType } from './types.js';

const CHOICE_TYPES: readonly IparamType[] = ['dropdown', 'radio', 'multiselect'];
const SECURE_TYPES: readonly IparamType[] = ['text', 'paragraph'];
const REGEX_TYPES: readonly IparamType[] = ['text', 'paragraph', 'email', 'url'];
const COUNT_TYPES: readonly IparamType[] = ['text', 'paragraph', 'multiselect'];
const RANGE_TYPES: readonly IparamType[] = [...COUNT_TYPES, 'number'];
// JSON.parse makes `__proto__` an own key, but any later object spread or assignment would treat it as the prototype.
const RESERVED_NAMES = new Set(['__proto__']);

/** Options for {@link validateIparamsSchema}. */
export interface ValidateIparamsSchemaOptions {
  /** File name used in issues. Default `iparams.json`. */
  file?: string;
}

function fieldIssues(name: string, field: IparamField, file: string, soundShape: boolean): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (attribute: string, rule: string): void => {
    issues.push({ file, field: pointer(name, attribute), rule });
  };
  // An unknown type is already reported; rules that depend on the type would only add noise.
  const type = (IPARAM_TYPES as readonly string[]).includes(field.type) ? field.type : undefined;
  const is = (types: readonly IparamType[]): boolean => type !== undefined && types.includes(type);
  const isNot = (types: readonly IparamType[]): boolean => type !== undefined && !types.includes(type);
  const has = (attribute: keyof IparamField): boolean => field[attribute] !== undefined;

  if (field.secure === true && isNot(SECURE_TYPES)) add('secure', 'is allowed only on text and paragraph fields');
  if (field.secure === true && has('default_value')) add('default_value', 'is not allowed on a secure field');

  if (is(CHOICE_TYPES) && !has('options')) add('options', 'is required for dropdown, radio and multiselect fields');
  if (isNot(CHOICE_TYPES) && has('options')) add('options', 'is allowed only on dropdown, radio and multiselect fields');

  if (has('regex') && isNot(REGEX_TYPES)) add('regex', 'is allowed only on text, paragraph, email and url fields');
  if (typeof field.regex === 'string' && compileFieldRegex(field.regex) === undefined) {
    add('regex', 'must be a valid JavaScript regular expression (u flag)');
  }
  if (has('regex_error_message') && !has('regex')) add('regex_error_message', 'is allowed only together with regex');

  for (const bound of ['min', 'max'] as const) {
    const value = field[bound];
    if (value === undefined) continue;
    if (isNot(RANGE_TYPES)) add(bound, 'is allowed only on text, paragraph, number and multiselect fields');
    else if (is(COUNT_TYPES) && !(Number.isInteger(value) && value >= 0)) add(bound, 'must be a whole number, 0 or more');
  }
  if (typeof field.min === 'number' && typeof field.max === 'number' && field.min > field.max) {
    add('min', 'must not be greater than max');
  }

  // Checking the default only makes sense once the attributes it depends on are sound.
  if (has('default_value') && soundShape && type !== undefined && issues.length === 0) {
    const check = checkIparamValue(field, field.default_value);
    if (!check.ok) add('default_value', `is not valid for this field: ${check.rule}`);
  }
  return issues;
}

/**
 * Validates the parsed `iparams.json` and returns the typed schema (without `$schema`).
 * Throws `ConfigError` whose issues name the file, the JSON path and the rule.
 * @example
 * const schema = validateIparamsSchema(JSON.parse(readFileSync('iparams.json', 'utf8')));
 */
export function validateIparamsSchema(json: unknown, options: ValidateIparamsSchemaOptions = {}): IparamsSchema {
  const file = options.file ?? 'iparams.json';
  const issues = runJsonSchema('iparams', json, file);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError(issues);

  const schema: IparamsSchema = {};
  for (const [name, raw] of Object.entries(json)) {
    if (name === '$schema') continue;
    if (RESERVED_NAMES.has(name)) {
      issues.push({ file, field: pointer(name), rule: 'is a reserved name' });
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) continue;
    const fieldPath = pointer(name);
    const soundShape = !issues.some((i) => i.field === fieldPath || i.field.startsWith(`${fieldPath}/`));
    const field = raw as IparamField;
    issues.push(...fieldIssues(name, field, file, soundShape));
    schema[name] = structuredClone(field);
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return schema;
}
