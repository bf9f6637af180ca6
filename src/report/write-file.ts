/**
 * Writes a report file whole or not at all: to a temporary name beside it, then renamed, so
 * a reader (a browser reloading it) never sees half a report. A missing folder or a
 * read-only place is a DataError naming the file (exit 2).
 *
 * @example
 *   writeFileAtomically('report.html', text);
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DataError } from '../core/errors.js';

export function writeFileAtomically(path: string, content: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? `the folder ${dirname(path)} does not exist`
        : code === 'EACCES' || code === 'EROFS'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a folder'
            : (error as Error).message;
    throw new DataError(path, `cannot write the file: ${why}`);
  }
}
