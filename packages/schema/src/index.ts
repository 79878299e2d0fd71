/** The schema part's only door: JSON Schemas, validation of manifest/iparams/values, project loading, type codegen. */
export { IPARAMS_JSON_SCHEMA, IPARAM_NAME_PATTERN, IPARAM_TYPES } from './iparams-schema.js';
export {
  APP_ID_PATTERN,
  AUTH_MODES,
  CSRF_ROUTE_NAME,
  HTTP_METHODS,
  INBOUND_CREDENTIALS,
  MANIFEST_JSON_SCHEMA,
  OUTBOUND_ALGS,
} from './manifest-schema.js';
export { validateIparamsSchema, type ValidateIparamsSchemaOptions } from './validate-iparams-schema.js';
export { validateManifest, type ValidateManifestOptions } from './validate-manifest.js';
export { isBlank, validateIparamValues, type ValidateIparamValuesOptions } from './validate-iparam-values.js';
export { parseIparamsTemplate } from './parse-iparams-template.js';
export { loadProject, validateProject } from './load-project.js';
export { generateIparamTypes, type GenerateIparamTypesOptions } from './generate-iparam-types.js';
export type {
  AuthMode,
  ConfigIssue,
  CustomerAuth,
  CustomerConnection,
  IparamField,
  IparamsSchema,
  IparamType,
  IparamValue,
  IparamValues,
  InboundCredential,
  Manifest,
  ManifestBasic,
  ManifestCors,
  ManifestFunction,
  ManifestSession,
  OutboundAlg,
  Project,
} from './types.js';
