/**
 * The typo guard and the defaults of every Tessera factory (middy's pattern), written once: a misspelt option is a
 * `TypeError` at construction, never a default silently used.
 */

/**
 * Refuses anything but an object, and every key not in `known` that has a value. An explicit `undefined` counts as
 * absent, since option objects are often spread together.
 * @example
 * assertKnownOptions('createApp', options, OPTION_KEYS); // TypeError: createApp: unknown option "ttl"
 */
export function assertKnownOptions(who: string, options: unknown, known: ReadonlySet<string>): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${who}: options must be an object`);
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !known.has(key)) throw new TypeError(`${who}: unknown option "${key}"`);
  }
}

/** The defaults with the options over them: a default's type widens to what the option may give. */
export type WithDefaults<D, O> = Omit<O, keyof D> & { [K in keyof D]: K extends keyof O ? Exclude<O[K], undefined> | D[K] : D[K] };

/**
 * The defaults, overridden by every option that has a value (an `undefined` keeps the default).
 * @example
 * const o = withDefaults(DEFAULTS, options);
 */
export function withDefaults<D extends object, O extends object>(defaults: D, options: O): WithDefaults<D, O> {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...defaults, ...given } as WithDefaults<D, O>;
}

/**
 * Both: the options checked against `known`, then merged over the defaults.
 * @example
 * const o = mergeOptions('createCsrfGuard', options, KNOWN_KEYS, DEFAULTS);
 */
export function mergeOptions<D extends object, O extends object>(
  who: string,
  options: O,
  known: ReadonlySet<string>,
  defaults: D,
): WithDefaults<D, O> {
  assertKnownOptions(who, options, known);
  return withDefaults(defaults, options);
}
