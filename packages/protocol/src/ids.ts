/** DESIGN.md "SSM layout": the id and name rules, checked wherever an id arrives, before it is used or stored. */

/** App and installation ids: lower case, digits, `_`, `.`, `-`, 1 to 64 characters. */
const ID = /^[a-z0-9_.-]{1,64}$/;
/** `.`, `..`, `...`: path-like segments are never ids. */
const ONLY_DOTS = /^\.+$/;
/** Parameter (iparam) names. */
const PARAMETER_NAME = /^[A-Za-z0-9_]{1,64}$/;

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
  return typeof value === 'string' && ID.test(value) && !ONLY_DOTS.test(value);
}

/**
 * True for a parameter name.
 * @example
 * isParameterName('api_key') // true
 */
export function isParameterName(value: unknown): value is string {
  return typeof value === 'string' && PARAMETER_NAME.test(value);
}
