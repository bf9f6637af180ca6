/**
 * What a report or the dashboard cannot show, as one line for the user (exit 2).
 *
 * @example
 *   throw new UnknownStudyError('tunebook.db', 'mnist', ['tiny']);
 */
import { TunebookError } from '../core/errors.js';

/** No study of that name in the db; lists the names there are, or says the db is empty. */
export class UnknownStudyError extends TunebookError {
  constructor(db: string, name: string, known: string[]) {
    super(
      'E_UNKNOWN_STUDY',
      known.length === 0
        ? `${db}: no study "${name}": the db has no studies yet (run tunebook study <file.yaml> first)`
        : `${db}: no study "${name}" (studies: ${known.join(', ')})`,
    );
  }
}
