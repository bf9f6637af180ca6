/**
 * One running process per study and db. Finished trials are safe in the db, but a second
 * `tunebook study` on a study still running elsewhere would requeue that run's trials as if
 * they had crashed. A lock file beside the db holds the owner's pid; a lock whose process is
 * gone (kill -9, a crash) is stale and taken over.
 *
 * @example
 *   const release = acquireRunLock('tunebook.db', 'mnist-tricks');
 *   try { ... } finally { release(); }
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { TunebookError } from '../core/errors.js';

export class StudyRunningError extends TunebookError {
  constructor(study: string, pid: number) {
    super(
      'E_STUDY_RUNNING',
      `study "${study}" is already running in process ${pid}; wait for it or stop it first`,
    );
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireRunLock(db: string, study: string): () => void {
  const file = `${db}.${study.replace(/[^\w.-]/g, '_')}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(file, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new StudyRunningError(study, pid);
      }
      rmSync(file, { force: true });
    }
  }
  throw new StudyRunningError(study, Number(readFileSync(file, 'utf8')));
}
