/**
 * The one way tunebook writes a file that others may read while it is written or after a
 * crash (reports, plots, scalers, models, checkpoints, augmented images): the bytes go to a
 * temporary file, are flushed to disk (fsync), and the temporary file is renamed over the
 * target, then the folder is flushed so the rename itself survives a power cut. A reader
 * therefore sees the old file or the new one, never half of one. Any failure removes the
 * temporary file and is a DataError naming the target (exit 2).
 *
 * @example
 *   writeFileAtomically('report.html', text);
 *   writeFileAtomically(join(out, 'a.png'), bytes, { tempDir: out }); // temp files in one place
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DataError } from './errors.js';

/** Every temporary file starts with this, so a folder's leftovers from a kill can be swept. */
export const TEMP_PREFIX = '.tunebook-tmp-';

export interface AtomicWriteOptions {
  /** Where the temporary file goes; must be on the target's file system (default: its folder). */
  tempDir?: string;
}

export function writeFileAtomically(
  path: string,
  content: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  const folder = options.tempDir ?? dirname(path);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const temp = join(folder, `${TEMP_PREFIX}${tag}-${basename(path)}`);
  try {
    writeAndSync(temp, typeof content === 'string' ? Buffer.from(content) : content);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new DataError(path, `cannot write the file: ${reason(error, path)}`);
  }
  syncFolder(dirname(path));
}

function writeAndSync(file: string, bytes: Uint8Array): void {
  const fd = openSync(file, 'w');
  try {
    let written = 0;
    while (written < bytes.byteLength)
      written += writeSync(fd, bytes, written, bytes.byteLength - written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a folder's entries; where folders cannot be opened or synced (Windows) it is a no-op. */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // The file itself is complete and renamed; only the rename's durability is best effort.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function reason(error: unknown, path: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `the folder ${dirname(path)} does not exist`;
  if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder';
  if (code === 'ENOSPC') return 'no space left on the device';
  return error instanceof Error ? error.message : String(error);
}
