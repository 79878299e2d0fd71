/** The stored form of one installation: all values in one JSON document, with per-field version metadata. */
import type { IparamValues } from '../schema/index.js';

/** Per-field bookkeeping, shown instead of secure values. */
export interface FieldMeta {
  version: number;
  updatedAt: string;
}

/** What one SSM parameter holds for one installation (format version 1). */
export interface InstallationDocument {
  format: 1;
  installationId: string;
  values: IparamValues;
  fields: Record<string, FieldMeta>;
  installedAt: string;
  updatedAt: string;
}

/** SSM's value limits in bytes, per tier. */
export const TIER_LIMIT_BYTES = { Standard: 4096, Advanced: 8192 } as const;
export type Tier = keyof typeof TIER_LIMIT_BYTES;

/** Builds the next document: fields whose value changed get a new version, the rest keep theirs. */
export function nextDocument(
  installationId: string,
  values: IparamValues,
  previous: InstallationDocument | undefined,
  now: Date,
): InstallationDocument {
  const at = now.toISOString();
  const fields: Record<string, FieldMeta> = {};
  for (const [name, value] of Object.entries(values)) {
    const before = previous?.fields[name];
    const unchanged = before !== undefined && JSON.stringify(previous?.values[name]) === JSON.stringify(value);
    fields[name] = unchanged ? before : { version: (before?.version ?? 0) + 1, updatedAt: at };
  }
  return {
    format: 1,
    installationId,
    values,
    fields,
    installedAt: previous?.installedAt ?? at,
    updatedAt: at,
  };
}

/** Parses a stored document; anything malformed is a store fault, not user input. */
export function parseDocument(text: string): InstallationDocument {
  const doc = JSON.parse(text) as InstallationDocument;
  if (doc?.format !== 1 || typeof doc.values !== 'object' || doc.values === null) {
    throw new Error('unrecognised installation document format');
  }
  return doc;
}

/** The UTF-8 byte size of each field's serialised value, largest first: used to name the culprit when over a limit. */
export function largestFields(values: IparamValues): { field: string; bytes: number }[] {
  return Object.entries(values)
    .map(([field, v]) => ({ field, bytes: Buffer.byteLength(JSON.stringify(v), 'utf8') }))
    .sort((a, b) => b.bytes - a.bytes);
}
