/** DESIGN.md "SSM layout": the id and name rules, checked wherever an id arrives, before it is used or stored. */

/**
 * App and installation ids: lower case, digits, `_`, `.`, `-`, 1 to 64 characters, and never only dots (`.`, `..`
 * are path segments). Also the JSON Schema `pattern` of the manifest's `app.id`.
 * @example
 * ID_PATTERN.test('acme-eu.1') // true
 */
export const ID_PATTERN = /^(?!\.+$)[a-z0-9_.-]{1,64}$/;
/**
 * A parameter (iparam) name, as a pattern fragment without anchors, for patterns that embed one
 * (`{{iparams.<name>}}` templates).
 * @example
 * new RegExp(`^\\{\\{iparams\\.(${PARAMETER_NAME_SOURCE})\\}\\}$`)
 */
export const PARAMETER_NAME_SOURCE = '[A-Za-z0-9_]{1,64}';
/**
 * A parameter name: also an SSM path segment, hence the narrow alphabet.
 * @example
 * PARAMETER_NAME_PATTERN.test('server_url') // true
 */
export const PARAMETER_NAME_PATTERN = new RegExp(`^${PARAMETER_NAME_SOURCE}$`);

/** The id rule in words, for error messages. @example `installation id ${ID_RULE}` */
export const ID_RULE = 'must match [a-z0-9_.-]{1,64} and not be only dots';
/** The parameter-name rule in words, for error messages. @example `parameter name ${PARAMETER_NAME_RULE}` */
export const PARAMETER_NAME_RULE = 'must match [A-Za-z0-9_]{1,64}';

/**
 * True for an app or installation id (the same rule for both).
 * @example
 * isId('acme-eu.1') // true
 * isId('..')        // false
 */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/**
 * True for a parameter name.
 * @example
 * isParameterName('api_key') // true
 */
export function isParameterName(value: unknown): value is string {
  return typeof value === 'string' && PARAMETER_NAME_PATTERN.test(value);
}
