/** Flushes a directory entry to disk so a just-created or renamed file survives a power loss. */
import { type FileHandle, open } from 'node:fs/promises';

/**
 * fsyncs a directory; platforms that cannot open a directory for syncing (Windows) are skipped.
 * @example
 * await rename(tmp, file);
 * await fsyncDirectory(dir);
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(dir, 'r');
  } catch (err) {
    if (['EISDIR', 'EPERM', 'EACCES'].includes((err as NodeJS.ErrnoException).code ?? '')) return;
    throw err;
  }
  try {
    await handle.sync();
  } catch (err) {
    if (!['EINVAL', 'EPERM', 'EBADF'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    await handle.close();
  }
}
