/**
 * The run lock: a live owner refuses a second run; a dead owner, a zombie, and a recycled pid
 * (same pid, another start time) are all stale and taken over at once.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { acquireRunLock, lockFile, processStat, StudyRunningError } from './run-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-lock-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const hasProc = processStat(process.pid) !== undefined;

test('the lock holds pid and start time, refuses a second taker while the owner lives', (t) => {
  if (!hasProc) return t.skip('no /proc on this machine');
  const db = join(dir, 'live.db');
  const sleeper = spawn('sleep', ['30']);
  try {
    const start = processStat(sleeper.pid!)!.start;
    writeFileSync(lockFile(db, 's'), `${sleeper.pid} ${start}`);
    assert.throws(() => acquireRunLock(db, 's'), StudyRunningError);
    // The same pid with another start time is another process: the owner is gone.
    writeFileSync(lockFile(db, 's'), `${sleeper.pid} ${Number(start) - 1}`);
    const release = acquireRunLock(db, 's');
    assert.equal(
      readFileSync(lockFile(db, 's'), 'utf8'),
      `${process.pid} ${processStat(process.pid)!.start}`,
    );
    release();
    assert.equal(existsSync(lockFile(db, 's')), false);
  } finally {
    sleeper.kill('SIGKILL');
  }
});

test('the lock of a dead process is taken over', () => {
  const db = join(dir, 'dead.db');
  const gone = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
  writeFileSync(lockFile(db, 's'), `${gone} 12345`);
  acquireRunLock(db, 's')();
  // An old lock with the pid alone, and a half-written empty one, are stale too.
  writeFileSync(lockFile(db, 's'), gone);
  acquireRunLock(db, 's')();
  writeFileSync(lockFile(db, 's'), '');
  acquireRunLock(db, 's')();
});

test('the lock of a zombie (killed, not yet reaped by its parent) is taken over', async (t) => {
  if (!hasProc) return t.skip('no /proc on this machine');
  // `exec sleep` replaces the shell, so its background child is never waited for: a zombie.
  // The child outlives the exec (0.2 s): one that exited first could be reaped by the shell,
  // which on a loaded machine it was.
  const parent = spawn('sh', ['-c', 'sleep 0.2 & echo $!; exec sleep 30']);
  try {
    const pid = Number(await new Promise<string>((r) => parent.stdout.once('data', r)));
    for (let i = 0; i < 250 && processStat(pid)?.state !== 'Z'; i++)
      await new Promise((r) => setTimeout(r, 20));
    assert.equal(processStat(pid)?.state, 'Z');
    process.kill(pid, 0); // what the old check relied on: it succeeds on a zombie
    writeFileSync(lockFile(join(dir, 'zombie.db'), 's'), `${pid} ${processStat(pid)!.start}`);
    acquireRunLock(join(dir, 'zombie.db'), 's')();
  } finally {
    parent.kill('SIGKILL');
  }
});
