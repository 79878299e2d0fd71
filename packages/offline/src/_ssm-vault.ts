/** Encryption of SecureString values at rest for the local SSM endpoint: a 0600 key file and AES-256-GCM. */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { type FileHandle, lstat, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from '@tessera/protocol/errors';
import { fsyncDirectory } from './_fsync-directory.js';

/** File name of the data key inside the data directory. */
export const KEY_FILE_NAME = 'ssm-local.key';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

/** Seals and opens SecureString values; each seal is bound to one parameter name and version. */
export interface Vault {
  /** Encrypts `plaintext` for `name` at `version`; the result is opaque base64. */
  seal(name: string, version: number, plaintext: string): string;
  /** Decrypts a sealed value, throwing if it was altered or moved to another name or version. */
  open(name: string, version: number, sealed: string): string;
}

// The name and version are authenticated data, so a ciphertext copied onto another parameter fails to open.
function associatedData(name: string, version: number): Buffer {
  return Buffer.from(`${name}\u0000${version}`, 'utf8');
}

/**
 * A vault over a 32-byte key.
 * @example
 * const vault = createVault(randomBytes(32));
 * vault.open('/x', 1, vault.seal('/x', 1, 'v')); // 'v'
 */
export function createVault(key: Buffer): Vault {
  if (key.length !== KEY_BYTES) throw new TypeError(`vault key must be ${KEY_BYTES} bytes`);
  return {
    seal(name, version, plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, key, iv);
      cipher.setAAD(associatedData(name, version));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(name, version, sealed) {
      const blob = Buffer.from(sealed, 'base64');
      if (blob.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value too short');
      const decipher = createDecipheriv(ALGORITHM, key, blob.subarray(0, IV_BYTES));
      decipher.setAAD(associatedData(name, version));
      decipher.setAuthTag(blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(blob.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    },
  };
}

async function createKeyFile(path: string, dataDir: string): Promise<Buffer | undefined> {
  let handle: FileHandle;
  try {
    // 'wx' fails if the file exists, so two servers starting together never overwrite each other's key.
    handle = await open(path, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  }
  const key = randomBytes(KEY_BYTES);
  try {
    await handle.writeFile(key);
    await handle.chmod(0o600);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsyncDirectory(dataDir);
  return key;
}

/**
 * Reads `dataDir/ssm-local.key`, creating it (mode 0600) on first use; refuses a key others can read.
 * @example
 * const key = await loadOrCreateKey('/tmp/ssm-data');
 */
export async function loadOrCreateKey(dataDir: string): Promise<Buffer> {
  const path = join(dataDir, KEY_FILE_NAME);
  const created = await createKeyFile(path, dataDir);
  if (created) return created;
  const stat = await lstat(path);
  if (!stat.isFile()) {
    throw new StoreError('ERR_STORE_UNAVAILABLE', { message: `ssm-local: key file ${path} is not a regular file` });
  }
  // POSIX permission bits only; Windows reports them loosely, so the check would refuse every key there.
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw new StoreError('ERR_STORE_UNAVAILABLE', {
      message: `ssm-local: key file ${path} has mode ${mode} and is accessible to group or others; run \`chmod 600 ${path}\``,
    });
  }
  const key = await readFile(path);
  if (key.length !== KEY_BYTES) {
    throw new StoreError('ERR_STORE_UNAVAILABLE', {
      message: `ssm-local: key file ${path} must hold exactly ${KEY_BYTES} bytes`,
    });
  }
  return key;
}
