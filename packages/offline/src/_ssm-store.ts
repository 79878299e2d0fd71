/** The local SSM endpoint's state: one JSON data file, replaced atomically, mutations serialised. */
import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '@tessera/protocol/errors';
import { fsyncDirectory } from './_fsync-directory.js';
import type { Vault } from './_ssm-vault.js';

/** File name of the data file inside the data directory. */
export const DATA_FILE_NAME = 'ssm-local.json';
const FORMAT = 'tessera-ssm-local/1';
const TEMP_PREFIX = `${DATA_FILE_NAME}.`;
const TEMP_SUFFIX = '.tmp';

/** The parameter types SSM knows. */
export type ParameterType = 'String' | 'StringList' | 'SecureString';
/** The tiers a stored parameter can be in (Intelligent-Tiering resolves to one of these). */
export type ParameterTier = 'Standard' | 'Advanced';

/** One version of a parameter as stored. Never mutated: a change makes a new object. */
export interface StoredVersion {
  readonly version: number;
  readonly type: ParameterType;
  /** Plain text for String/StringList; for SecureString the vault's sealed form, never the plaintext. */
  readonly value: string;
  readonly keyId?: string;
  readonly tier: ParameterTier;
  readonly dataType: string;
  /** Epoch seconds with millisecond precision, as AWS sends `LastModifiedDate`. */
  readonly lastModifiedDate: number;
  readonly description?: string;
  readonly allowedPattern?: string;
}

/** A parameter: its versions, oldest first, the last one current. */
export interface StoredParameter {
  readonly name: string;
  readonly versions: readonly StoredVersion[];
}

/** The whole state: parameters by name. */
export type Snapshot = ReadonlyMap<string, StoredParameter>;

/** The state, read freely and changed one mutation at a time. */
export interface ParameterStore {
  /** The current state; a reader never sees a half-applied mutation. */
  read(): Snapshot;
  /**
   * Runs `change` on a copy after every earlier mutation, writes the copy to disk, then makes it current.
   * If `change` throws or the write fails, nothing changes.
   */
  mutate<T>(change: (draft: Map<string, StoredParameter>) => T): Promise<T>;
  /** Resolves once every queued mutation has settled. */
  drain(): Promise<void>;
}

function corrupt(path: string, detail: string): StoreError {
  return new StoreError('ERR_STORE_UNAVAILABLE', { message: `ssm-local: data file ${path} ${detail}` });
}

function isVersion(v: unknown): v is StoredVersion {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    Number.isInteger(r.version) &&
    (r.type === 'String' || r.type === 'StringList' || r.type === 'SecureString') &&
    typeof r.value === 'string' &&
    (r.tier === 'Standard' || r.tier === 'Advanced') &&
    typeof r.dataType === 'string' &&
    typeof r.lastModifiedDate === 'number'
  );
}

function decode(path: string, text: string, vault: Vault): Map<string, StoredParameter> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw corrupt(path, 'is not valid JSON');
  }
  const { format, parameters } = (doc ?? {}) as { format?: unknown; parameters?: unknown };
  if (format !== FORMAT || !Array.isArray(parameters)) throw corrupt(path, `is not in format ${FORMAT}`);
  const state = new Map<string, StoredParameter>();
  for (const p of parameters as unknown[]) {
    const { name, versions } = (p ?? {}) as { name?: unknown; versions?: unknown };
    if (typeof name !== 'string' || !Array.isArray(versions) || versions.length === 0 || !versions.every(isVersion)) {
      throw corrupt(path, 'holds a malformed parameter');
    }
    for (const v of versions) {
      if (v.type !== 'SecureString') continue;
      try {
        vault.open(name, v.version, v.value);
      } catch {
        // Name the parameter so the developer can delete it; the GCM failure itself says nothing more useful.
        throw corrupt(path, `holds a SecureString (${name}, version ${v.version}) that fails authentication`);
      }
    }
    state.set(name, { name, versions });
  }
  return state;
}

function encode(state: Snapshot): string {
  const parameters = [...state.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return `${JSON.stringify({ format: FORMAT, parameters }, null, 1)}\n`;
}

/**
 * Replaces the data file so a crash leaves either the old or the new file, never a mix:
 * write a temp file, fsync it, rename it over the data file, fsync the directory.
 * @example
 * await writeDataFile('/tmp/ssm-data', new Map());
 */
export async function writeDataFile(dataDir: string, state: Snapshot, beforeReplace?: () => void | Promise<void>): Promise<void> {
  const file = join(dataDir, DATA_FILE_NAME);
  const temp = join(dataDir, `${TEMP_PREFIX}${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(encode(state), 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  // The crash test's seam (option `beforeReplace`): the temp file is durable, the data file not yet replaced.
  await beforeReplace?.();
  try {
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await fsyncDirectory(dataDir);
}

// Temp files are left only by a crash between write and rename; they are never the current state.
async function removeStaleTempFiles(dataDir: string): Promise<void> {
  const names = await readdir(dataDir);
  await Promise.all(
    names.filter((n) => n.startsWith(TEMP_PREFIX) && n.endsWith(TEMP_SUFFIX)).map((n) => unlink(join(dataDir, n)).catch(() => undefined)),
  );
}

/**
 * Loads the data file (an absent file is an empty store), checking every SecureString opens with the vault.
 * @example
 * const store = await openParameterStore('/tmp/ssm-data', vault);
 * await store.mutate((draft) => draft.delete('/x'));
 */
export async function openParameterStore(dataDir: string, vault: Vault, beforeReplace?: () => void | Promise<void>): Promise<ParameterStore> {
  const path = join(dataDir, DATA_FILE_NAME);
  await removeStaleTempFiles(dataDir);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let current: Snapshot = text === undefined ? new Map() : decode(path, text, vault);
  let queue: Promise<unknown> = Promise.resolve();

  return {
    read: () => current,
    mutate(change) {
      const run = queue.then(async () => {
        const draft = new Map(current);
        const result = change(draft);
        await writeDataFile(dataDir, draft, beforeReplace);
        current = draft;
        return result;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    drain: () => queue.then(() => undefined),
  };
}
