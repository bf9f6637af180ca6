/**
 * Checks on a database path before tunebook writes a byte to it: the folder exists and takes
 * new files, the path is not a folder, the file is a SQLite database of tunebook (or empty).
 * A SQLite file is only ever opened read-only until it is known to be ours, so a foreign
 * database is left exactly as it was.
 *
 * @example
 *   const found = checkPath('runs.db', { mustExist: false }); // 'missing' | 'empty' | 'sqlite'
 */
import {
  accessSync,
  closeSync,
  constants,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from './errors.js';
import { APPLICATION_ID, type Identity, identify } from './migrations.js';
import { translate } from './sqlite-errors.js';

const MAGIC = 'SQLite format 3\0';
const HEADER_BYTES = 100;
const SIDE_FILES = ['-wal', '-shm'] as const;

function fsCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch (e) {
    if (fsCode(e) === 'ENOENT') return null;
    throw e;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where the path stands: 'missing' (the folder can take it), 'empty' (a zero-byte file, as
 * `touch` or mktemp leave it), or 'sqlite' (a SQLite file that is not obviously another
 * application's; `probe` tells for sure). Anything else throws a StoreError.
 */
export function checkPath(
  file: string,
  options: { mustExist: boolean },
): 'missing' | 'empty' | 'sqlite' {
  let st: ReturnType<typeof statSync> | null;
  try {
    st = statOrNull(file);
  } catch (e) {
    if (fsCode(e) === 'ENOTDIR') throw new StoreError(file, 'a part of the path is not a folder');
    if (fsCode(e) === 'EACCES') throw new StoreError(file, 'cannot be read (permission denied)');
    throw new StoreError(file, `cannot be read (${(e as Error).message})`);
  }
  if (st === null) {
    if (options.mustExist) throw new StoreError(file, 'no such database file');
    const dir = dirname(resolve(file));
    const parent = statOrNull(dir);
    if (parent === null) throw new StoreError(file, `the folder ${dir} does not exist`);
    if (!parent.isDirectory()) throw new StoreError(file, `${dir} is not a folder`);
    if (!writable(dir))
      throw new StoreError(file, `the folder ${dir} is read-only: cannot create the database`);
    return 'missing';
  }
  if (st.isDirectory()) throw new StoreError(file, 'is a folder, not a database file');
  if (!st.isFile()) throw new StoreError(file, 'is not a regular file');
  const header = Buffer.alloc(HEADER_BYTES);
  let read: number;
  try {
    const fd = openSync(file, 'r');
    try {
      read = readSync(fd, header, 0, HEADER_BYTES, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if (fsCode(e) === 'EACCES') throw new StoreError(file, 'cannot be read (permission denied)');
    throw new StoreError(file, `cannot be read (${(e as Error).message})`);
  }
  // A crash right after creation can leave the whole database in the -wal file.
  if (read === 0) return (statOrNull(`${file}-wal`)?.size ?? 0) > 0 ? 'sqlite' : 'empty';
  if (read < HEADER_BYTES || header.toString('latin1', 0, MAGIC.length) !== MAGIC)
    throw new StoreError(file, 'not a tunebook database (not a SQLite file; left untouched)');
  // Offset 68 is the application id. The header can lag behind the -wal file, so only a
  // non-zero foreign id is conclusive here; zero means "ask SQLite".
  const applicationId = header.readInt32BE(68);
  if (applicationId !== 0 && applicationId !== APPLICATION_ID)
    throw new StoreError(
      file,
      'not a tunebook database (a SQLite database of another application; left untouched): give another database file',
    );
  return 'sqlite';
}

/** Throws unless the file and its folder (for the -wal and -shm files) are writable. */
export function checkWritable(file: string): void {
  if (!writable(file))
    throw new StoreError(
      file,
      'the database file is read-only: tunebook records trials in it as they finish; make it writable or give another file',
    );
  const dir = dirname(resolve(file));
  if (!writable(dir))
    throw new StoreError(
      file,
      `the folder ${dir} is read-only: SQLite needs to create the -wal and -shm files beside the database`,
    );
}

/**
 * The database's identity, read through a read-only connection (which sees the -wal file, so
 * it is right after a crash too). `discard()` removes the -wal/-shm files that a read-only
 * open of a WAL database creates, when they were not there before: call it when refusing.
 */
export function probe(
  file: string,
  busyTimeoutMs: number,
): { identity: Identity; discard(): void } {
  const before = SIDE_FILES.map((s) => statOrNull(file + s) !== null);
  let db: Database.Database | undefined;
  let identity: Identity;
  try {
    db = openReader(file, busyTimeoutMs);
    identity = identify(db);
  } catch (e) {
    throw translate(file, e, { readonly: true });
  } finally {
    db?.close();
  }
  const discard = () => {
    if ((statOrNull(`${file}-wal`)?.size ?? 0) > 0) return;
    SIDE_FILES.forEach((s, i) => {
      if (!before[i]) rmSync(file + s, { force: true });
    });
  };
  return { identity, discard };
}

/**
 * A reader's connection. A WAL database is read through its -shm file, which SQLite must be
 * able to create beside it: on read-only media (a CD, a read-only mount, a snapshot) it
 * cannot, and the open fails. The file is then read into memory and opened from there
 * (this build of SQLite takes no `immutable` URIs), with its header's WAL mark (bytes 18-19)
 * set back to the rollback journal's so that no -shm is needed: right, since nothing can
 * write the file on that disk, unless changes were left in a -wal file that was never merged
 * (a study killed on that disk), which the copy would not see; that case is refused by name.
 */
export function openReader(file: string, timeout: number): Database.Database {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout });
    db.pragma('schema_version'); // the first read is what needs the -shm file
    return db;
  } catch (e) {
    const code = String((e as { code?: unknown }).code ?? '');
    if (!code.startsWith('SQLITE_CANTOPEN') && !code.startsWith('SQLITE_READONLY')) throw e;
    if ((statOrNull(`${file}-wal`)?.size ?? 0) > 0)
      throw new StoreError(
        file,
        'cannot read the database on read-only media: its -wal file holds changes not yet merged; copy the database and its -wal file to a writable folder',
      );
    const bytes = readFileSync(file);
    if (bytes.length >= HEADER_BYTES && bytes[18] === 2 && bytes[19] === 2) {
      bytes[18] = 1;
      bytes[19] = 1;
    }
    return new Database(bytes, { readonly: true, timeout });
  }
}

/** Removes a database this process created and could not finish setting up. */
export function removeCreated(file: string): void {
  for (const s of ['', ...SIDE_FILES]) rmSync(file + s, { force: true });
}
