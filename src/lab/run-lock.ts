/**
 * One running process per study and db. Finished trials are safe in the db, but a second
 * `tunebook study` on a study still running elsewhere would requeue that run's trials as if
 * they had crashed. A lock file beside the db holds the owner's pid and its start time (field
 * 22 of /proc/<pid>/stat, in clock ticks since boot). A lock is stale, and taken over at
 * once, when its process is gone, is a zombie (killed but not yet reaped: `kill(pid, 0)`
 * still succeeds on it, and in a container without an init it is never reaped), or is
 * another process that got the same pid later (a different start time). Where /proc is
 * missing (macOS), only `kill(pid, 0)` can tell.
 *
 * @example
 *   const release = acquireRunLock('tunebook.db', 'mnist-tricks');
 *   try { ... } finally { release(); }
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { TunebookError } from '../core/errors.js';
import { StoreError } from './store/errors.js';

export class StudyRunningError extends TunebookError {
  constructor(study: string, pid: number) {
    super(
      'E_STUDY_RUNNING',
      `study "${study}" is already running in process ${pid}; wait for it or stop it first`,
    );
  }
}

/** What /proc says of a process: its state letter and start time, or null when it is gone. */
export function processStat(pid: number): { state: string; start: string } | null | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return null;
    return undefined; // no /proc here: the caller falls back to kill(pid, 0)
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], start: fields[19] };
}

/** Whether the lock's owner still runs: same pid, same start time, not a zombie. */
export function ownerAlive(pid: number, start: string | null): boolean {
  const stat = processStat(pid);
  if (stat === null) return false;
  if (stat !== undefined) {
    if (stat.state === 'Z' || stat.state === 'X') return false;
    return start === null || stat.start === start;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** "pid start" (older tunebooks wrote the pid alone). */
function parseLock(text: string): { pid: number; start: string | null } {
  const [pid, start] = text.trim().split(/\s+/);
  return { pid: Number(pid), start: start ?? null };
}

export function lockFile(db: string, study: string): string {
  return `${db}.${study.replace(/[^\w.-]/g, '_')}.lock`;
}

export function acquireRunLock(db: string, study: string): () => void {
  const file = lockFile(db, study);
  const own = processStat(process.pid)?.start;
  const content = own ? `${process.pid} ${own}` : String(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, content, { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC')
        throw new StoreError(file, 'the disk is full: cannot write the lock file', 3);
      if (code === 'EROFS' || code === 'EACCES')
        throw new StoreError(file, 'cannot write the lock file: the folder is read-only');
      if (code !== 'EEXIST') throw error;
      const { pid, start } = parseLock(readFileSync(file, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && ownerAlive(pid, start)) {
        throw new StudyRunningError(study, pid);
      }
      rmSync(file, { force: true });
    }
  }
  throw new StudyRunningError(study, parseLock(readFileSync(file, 'utf8')).pid);
}
