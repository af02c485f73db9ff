/**
 * Atomic file writes, for every file vidpad writes (model folders,
 * checkpoints, crop-cache manifests, synthetic datasets, reports): a reader
 * sees the old file or the complete new one, never a half-written file,
 * because the bytes go to a temp file in the same folder (same file system)
 * that is then renamed.
 */
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors.js';

/** A temp name beside `file`, unique per call, that `rename` can move over `file`. */
export function tempSibling(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Writes `data` to `file` via a synced temp file and a rename. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const temp = tempSibling(file);
  let renamed = false;
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    renamed = true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== undefined && ['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT'].includes(code)) {
      throw new InputError(`${file}: cannot write (${code}: ${(err as Error).message})`, { cause: err });
    }
    throw err;
  } finally {
    if (!renamed) await rm(temp, { force: true });
  }
}
