/** The JSON Schema of `iparams.json`: structure only; rules across attributes live in validate-iparams-schema.ts. */
import { PARAMETER_NAME_PATTERN } from '@tessera/protocol';
import type { IparamType } from './types.js';

/**
 * Every field type `iparams.json` knows.
 * @example
 * IPARAM_TYPES.includes('url') // true
 */
export const IPARAM_TYPES = [
  'text',
  'paragraph',
  'number',
  'email',
  'url',
  'dropdown',
  'multiselect',
  'radio',
  'checkbox',
  'date',
] as const satisfies readonly IparamType[];

/**
 * A parameter name: protocol's rule, re-exported for schema users (DESIGN.md, "SSM layout").
 * @example
 * IPARAM_NAME_PATTERN.test('server_url') // true
 */
export const IPARAM_NAME_PATTERN: RegExp = PARAMETER_NAME_PATTERN;

const fieldSchema = {
  type: 'object',
  description: 'One installation parameter.',
  required: ['display_name', 'type'],
  additionalProperties: false,
  properties: {
    display_name: { type: 'string', minLength: 1, maxLength: 200, description: 'Label shown to the installer.' },
    description: { type: 'string', maxLength: 2000, description: 'Help text shown under the field.' },
    type: { type: 'string', enum: [...IPARAM_TYPES], description: 'Kind of value.' },
    required: { type: 'boolean', description: 'The installer must give a value (a default counts).' },
    secure: {
      type: 'boolean',
      description: 'Stored encrypted and never shown again. Only on text and paragraph; no default_value.',
    },
    default_value: {
      type: ['string', 'number', 'boolean', 'array'],
      items: { type: 'string' },
      description: 'Value used when the installer gives none; must itself be valid for the field.',
    },
    options: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { type: 'string', minLength: 1 },
      description: 'Choices; required for dropdown, radio and multiselect, refused elsewhere.',
    },
    regex: {
      type: 'string',
      minLength: 1,
      description: 'JavaScript regular expression (u flag) the whole value must match: text, paragraph, email, url.',
    },
    regex_error_message: {
      type: 'string',
      minLength: 1,
      description: 'Shown when regex does not match. Only together with regex.',
    },
    min: { type: 'number', description: 'Characters (text, paragraph), value (number) or selections (multiselect).' },
    max: { type: 'number', description: 'Characters (text, paragraph), value (number) or selections (multiselect).' },
  },
} as const;

/**
 * JSON Schema (draft-07) of `iparams.json`, also written to `schema/iparams.schema.json` for editors.
 * @example
 * new Ajv().compile(IPARAMS_JSON_SCHEMA)
 */
export const IPARAMS_JSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Tessera installation parameters (iparams.json)',
  type: 'object',
  propertyNames: {
    pattern: '^(?:[A-Za-z0-9_]{1,64}|\\$schema)$',
    patternErrorMessage: 'is not a valid parameter name: use 1 to 64 letters, digits or underscores',
  },
  properties: { $schema: { type: 'string' } },
  additionalProperties: { $ref: '#/definitions/field' },
  definitions: { field: fieldSchema },
} as const;
