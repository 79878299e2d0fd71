/** Validates `manifest.json`: the JSON Schema, then the rules that need code and the cross-checks against iparams. */
import { ConfigError } from '@tessera/protocol/errors';
import { manifestIssues } from './_manifest-rules.js';
import type { IparamsSchema, Manifest } from './types.js';

/** Options for {@link validateManifest}. */
export interface ValidateManifestOptions {
  /** File name used in issues. Default `manifest.json`. */
  file?: string;
}

/**
 * Validates the parsed `manifest.json` against its schema and against the app's validated iparams schema.
 * Returns the typed manifest (without `$schema`); throws `ConfigError` naming file, JSON path and rule per issue.
 * @example
 * const iparams = validateIparamsSchema(iparamsJson);
 * const manifest = validateManifest(manifestJson, iparams);
 */
export function validateManifest(json: unknown, iparamsSchema: IparamsSchema, options: ValidateManifestOptions = {}): Manifest {
  const issues = manifestIssues(json, iparamsSchema, options.file ?? 'manifest.json');
  if (issues.length > 0) throw new ConfigError(issues);
  const { $schema: _ignored, ...manifest } = structuredClone(json) as Manifest & { $schema?: string };
  return manifest;
}
