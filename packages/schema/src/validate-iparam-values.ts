/** Validates an installer's values against `iparams.json`: one issue per bad field, never the value itself. */
import { IparamValidationError, type FieldIssue } from '@tessera/protocol/errors';
import { checkIparamValue } from './_value-rules.js';
import { IPARAM_NAME_PATTERN } from './iparams-schema.js';
import type { IparamsSchema, IparamValue, IparamValues } from './types.js';

/** Options for {@link validateIparamValues}. */
export interface ValidateIparamValuesOptions {
  /**
   * Validate only the keys present in the input (replacing some values) and merge them over `previous`;
   * absent required fields are not reported and no defaults are applied. Default `false`.
   */
  partial?: boolean;
  /** Values already stored, merged under the input when `partial` is set. Default `{}`. */
  previous?: IparamValues;
}

const DEFAULTS = { partial: false, previous: {} } as const satisfies Required<ValidateIparamValuesOptions>;

function assertOptions(options: object): void {
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULTS)) throw new TypeError(`validateIparamValues: unknown option "${key}"`);
  }
}

/** Own data property even for a name like `__proto__`, which plain assignment would take as the prototype. */
function put(target: IparamValues, name: string, value: IparamValue): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * `undefined`, `null` and the empty string mean "not given", so an emptied form field falls back to its default.
 * @example
 * isBlank('') // true
 */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/**
 * Validates installation values and returns them typed, with defaults applied and strings NFC-normalised.
 * Throws `IparamValidationError` with one `{ field, rule }` per bad field; no value ever appears in it.
 * @example
 * const values = validateIparamValues(schema, { server_url: 'https://acme.example.com', shared_secret: s });
 * const next = validateIparamValues(schema, { order_prefix: 'INV-' }, { partial: true, previous: values });
 */
export function validateIparamValues(schema: IparamsSchema, input: unknown, options: ValidateIparamValuesOptions = {}): IparamValues {
  assertOptions(options);
  const partial = options.partial ?? DEFAULTS.partial;
  const previous: IparamValues = options.previous ?? DEFAULTS.previous;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new IparamValidationError([{ field: '(values)', rule: 'must be an object of parameter values' }]);
  }
  const given = input as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  const out: IparamValues = {};

  if (partial) {
    for (const [name, value] of Object.entries(previous)) {
      if (Object.hasOwn(schema, name)) put(out, name, value);
    }
  }

  for (const name of Object.keys(given)) {
    if (Object.hasOwn(schema, name)) continue;
    // A key is echoed only when it looks like a name: a pasted value in the wrong place must not reach a message.
    issues.push({ field: IPARAM_NAME_PATTERN.test(name) ? name : '(invalid name)', rule: 'is not a known parameter' });
  }

  for (const [name, field] of Object.entries(schema)) {
    const present = Object.hasOwn(given, name);
    if (partial && !present) continue;
    const raw = present ? given[name] : undefined;
    if (isBlank(raw)) {
      if (field.default_value !== undefined) put(out, name, structuredClone(field.default_value));
      else if (field.required === true) issues.push({ field: name, rule: 'is required' });
      else delete out[name];
      continue;
    }
    if (field.type === 'multiselect' && field.required === true && Array.isArray(raw) && raw.length === 0) {
      issues.push({ field: name, rule: 'is required' });
      continue;
    }
    const check = checkIparamValue(field, raw);
    if (check.ok) put(out, name, check.value);
    else issues.push({ field: name, rule: check.rule });
  }

  if (issues.length > 0) throw new IparamValidationError(issues);
  return out;
}
