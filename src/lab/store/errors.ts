import { type ExitCode, TunebookError } from '../../core/errors.js';

/**
 * A study database that cannot be used: missing folder, a folder given as the file, not a
 * tunebook database, made by a newer tunebook, read-only, locked by another process. The
 * message always starts with the file, so the user knows which `--db` to fix. Exit code 2
 * (bad input) unless the caller passes 1 for a failure at run time or 3 for the machine's
 * fault (disk full).
 *
 * @example
 *   throw new StoreError('runs.db', 'not a tunebook database');
 */
export class StoreError extends TunebookError {
  readonly file: string;

  constructor(file: string, problem: string, exitCode: ExitCode = 2) {
    super('E_STORE', `${file}: ${problem}`, exitCode);
    this.file = file;
  }
}
