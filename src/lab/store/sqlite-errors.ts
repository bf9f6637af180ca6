/**
 * SQLite's error codes as messages a user can act on. Constraint errors and the like are
 * tunebook bugs and pass through unchanged, with their stack.
 *
 * @example
 *   try { db.exec('BEGIN IMMEDIATE'); } catch (e) { throw translate('runs.db', e); }
 */
import { TunebookError } from '../../core/errors.js';
import { StoreError } from './errors.js';
import { StoredJsonError } from './json.js';

const SHM_CODES = new Set([
  'SQLITE_READONLY_DIRECTORY',
  'SQLITE_READONLY_CANTINIT',
  'SQLITE_READONLY_CANTLOCK',
  'SQLITE_READONLY_RECOVERY',
]);

export const LOCKED = 'the database is locked by another process (another study running on it?)';

export function translate(file: string, error: unknown, options: { readonly?: boolean } = {}) {
  if (error instanceof StoredJsonError) return new StoreError(file, error.message);
  if (error instanceof TunebookError) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) {
    if (error instanceof TypeError && /database connection is not open/.test(message))
      return new StoreError(file, 'the store is closed', 1);
    return error;
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new StoreError(file, LOCKED);
  // A WAL database is read through its -shm file, which even a reader must be able to create.
  if (SHM_CODES.has(code))
    return new StoreError(
      file,
      'cannot open the database: its folder is read-only and SQLite needs to create the -shm and -wal files beside it; make the folder writable or copy the database elsewhere',
    );
  if (code.startsWith('SQLITE_READONLY'))
    return options.readonly
      ? new StoreError(file, 'the store was opened read-only; this operation writes', 1)
      : new StoreError(
          file,
          'the database is read-only (file, folder or disk): tunebook records trials in it as they finish; make it writable or give another file',
        );
  if (code === 'SQLITE_NOTADB')
    return new StoreError(file, 'not a tunebook database (not a SQLite file; left untouched)');
  if (code.startsWith('SQLITE_CORRUPT'))
    return new StoreError(file, `the database is damaged (${message})`);
  if (code === 'SQLITE_FULL')
    return new StoreError(
      file,
      'the disk is full: finished trials are kept; free some space and run the same command to continue',
      3,
    );
  if (code.startsWith('SQLITE_CANTOPEN'))
    return new StoreError(file, `cannot open the database (${message})`);
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_PERM'))
    return new StoreError(file, `cannot read or write the database (${message})`, 1);
  return error;
}
