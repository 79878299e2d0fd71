/** The stored form of one installation: all values in one JSON document, with per-field version metadata. */
import type { IparamValues } from '@tessera/schema';

/** Per-field bookkeeping, shown instead of secure values. */
export interface FieldMeta {
  version: number;
  updatedAt: string;
}

/** A secure value replaced by a rotation, kept so both sides can overlap until `until`. */
export interface PreviousValue {
  value: string;
  /** ISO time the grace window ends: after it the value is never used, and the next write drops it. */
  until: string;
  /** The field version this value had. */
  version: number;
}

/**
 * What one SSM parameter holds for one installation (format version 1). `previous` arrived with rotation; it is
 * optional, so documents written before it still parse, and a reader that ignores it still reads the values.
 */
export interface InstallationDocument {
  format: 1;
  installationId: string;
  values: IparamValues;
  fields: Record<string, FieldMeta>;
  installedAt: string;
  updatedAt: string;
  /** Previous values of rotated secure fields, by field name, at most one per field. */
  previous?: Record<string, PreviousValue>;
}

/** A rotation to record in the next document: the field's current value becomes its previous one until `until`. */
export interface Rotation {
  field: string;
  until: Date;
}

/** SSM's value limits in bytes, per tier. */
export const TIER_LIMIT_BYTES = { Standard: 4096, Advanced: 8192 } as const;
export type Tier = keyof typeof TIER_LIMIT_BYTES;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Carries previous values over: a window that has ended is dropped, and so is one whose field was then changed
 * without a rotation (a plain `set` means "no overlap") or removed. A rotation replaces the field's previous value,
 * since a verifier holds at most two secrets.
 */
function nextPrevious(
  values: IparamValues,
  before: InstallationDocument | undefined,
  rotation: Rotation | undefined,
  now: Date,
): Record<string, PreviousValue> | undefined {
  const out: Record<string, PreviousValue> = {};
  for (const [name, p] of Object.entries(before?.previous ?? {})) {
    if (Date.parse(p.until) > now.getTime() && same(values[name], before?.values[name])) out[name] = p;
  }
  if (rotation && before) {
    const value = before.values[rotation.field];
    if (typeof value === 'string') {
      out[rotation.field] = { value, until: rotation.until.toISOString(), version: before.fields[rotation.field]?.version ?? 0 };
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Builds the next document: fields whose value changed get a new version, the rest keep theirs. */
export function nextDocument(
  installationId: string,
  values: IparamValues,
  previous: InstallationDocument | undefined,
  now: Date,
  rotation?: Rotation,
): InstallationDocument {
  const at = now.toISOString();
  const fields: Record<string, FieldMeta> = {};
  for (const [name, value] of Object.entries(values)) {
    const before = previous?.fields[name];
    const unchanged = before !== undefined && same(previous?.values[name], value);
    fields[name] = unchanged ? before : { version: (before?.version ?? 0) + 1, updatedAt: at };
  }
  const kept = nextPrevious(values, previous, rotation, now);
  return {
    format: 1,
    installationId,
    values,
    fields,
    installedAt: previous?.installedAt ?? at,
    updatedAt: at,
    ...(kept ? { previous: kept } : {}),
  };
}

function isPreviousValue(p: unknown): p is PreviousValue {
  const v = p as PreviousValue;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.value === 'string' &&
    typeof v.until === 'string' &&
    !Number.isNaN(Date.parse(v.until)) &&
    typeof v.version === 'number'
  );
}

/** Parses a stored document; anything malformed is a store fault, not user input. */
export function parseDocument(text: string): InstallationDocument {
  const doc = JSON.parse(text) as InstallationDocument;
  if (doc?.format !== 1 || typeof doc.values !== 'object' || doc.values === null) {
    throw new Error('unrecognised installation document format');
  }
  if (doc.previous !== undefined) {
    if (typeof doc.previous !== 'object' || doc.previous === null || !Object.values(doc.previous).every(isPreviousValue)) {
      throw new Error('unrecognised previous values in installation document');
    }
  }
  return doc;
}

/** The UTF-8 byte size of each field's serialised value, largest first: used to name the culprit when over a limit. */
export function largestFields(values: IparamValues): { field: string; bytes: number }[] {
  return Object.entries(values)
    .map(([field, v]) => ({ field, bytes: Buffer.byteLength(JSON.stringify(v), 'utf8') }))
    .sort((a, b) => b.bytes - a.bytes);
}
