/** Generates a TypeScript interface for an app's iparams from its validated `iparams.json`. */
import type { IparamField, IparamsSchema } from './types.js';

/** Options for {@link generateIparamTypes}. */
export interface GenerateIparamTypesOptions {
  /** Name of the exported interface; must be a TypeScript identifier. Default `Iparams`. */
  interfaceName?: string;
}

const DEFAULTS = { interfaceName: 'Iparams' } as const satisfies Required<GenerateIparamTypesOptions>;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function literal(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

function typeOf(field: IparamField): string {
  const options = field.options ?? [];
  switch (field.type) {
    case 'number':
      return 'number';
    case 'checkbox':
      return 'boolean';
    case 'dropdown':
    case 'radio':
      return options.length > 0 ? options.map(literal).join(' | ') : 'string';
    case 'multiselect':
      return options.length > 0 ? `Array<${options.map(literal).join(' | ')}>` : 'string[]';
    default:
      return 'string';
  }
}

/** Doc comment text cannot close the comment early, whatever the author wrote. */
function docLine(text: string): string {
  return text.replace(/\*\//g, '*\\/').replace(/\s+/g, ' ').trim();
}

/**
 * TypeScript source declaring one interface member per iparam: `string`, `number`, `boolean`, literal unions for
 * dropdown and radio, arrays of them for multiselect; optional unless required or defaulted. Deterministic, so
 * a CI check can compare it with the committed file.
 * @example
 * writeFileSync('functions/iparams.generated.ts', generateIparamTypes(validateIparamsSchema(json)));
 */
export function generateIparamTypes(schema: IparamsSchema, options: GenerateIparamTypesOptions = {}): string {
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULTS)) throw new TypeError(`generateIparamTypes: unknown option "${key}"`);
  }
  const interfaceName = options.interfaceName ?? DEFAULTS.interfaceName;
  if (!IDENTIFIER.test(interfaceName)) throw new TypeError('generateIparamTypes: interfaceName must be an identifier');

  const lines = [
    '// Generated from iparams.json by Tessera (`tessera types`). Do not edit: regenerate instead.',
    '',
    `/** Installation parameters of this app, as validated against iparams.json. */`,
    `export interface ${interfaceName} {`,
  ];
  for (const [name, field] of Object.entries(schema)) {
    const doc = [field.display_name, field.description].filter((t): t is string => typeof t === 'string' && t !== '');
    const note = field.secure === true ? ' (secure: never log or return it)' : '';
    lines.push(`  /** ${docLine(doc.join(': '))}${note} */`);
    const optional = field.required !== true && field.default_value === undefined ? '?' : '';
    const key = IDENTIFIER.test(name) ? name : literal(name);
    lines.push(`  ${key}${optional}: ${typeOf(field)};`);
  }
  lines.push('}', '');
  return lines.join('\n');
}
