import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeProgress } from '../../lab/runner/status.js';
import { progressDisplay } from './study-progress.js';

const progress = {
  done: 12,
  failed: 1,
  planned: 60,
  upTo: 88,
  elapsedSeconds: 125,
  etaSeconds: 190,
  running: [
    { arm: 'baseline', seed: 3, epoch: 1, epochs: 5 },
    { arm: 'm1-dropout', seed: 3, epoch: 5, epochs: 5 },
  ],
};

test('the progress line: done of planned (and what the plan can grow to), elapsed, ETA, epochs', () => {
  assert.equal(
    describeProgress(progress),
    '12/60 done (up to 88)  1 failed  elapsed 2m05s  eta 3m10s  running: baseline s3 e2/5, m1-dropout s3 e5/5',
  );
  assert.equal(
    describeProgress({ ...progress, failed: 0, upTo: 60, etaSeconds: null, running: [] }),
    '12/60 done  elapsed 2m05s  eta ?  running: none',
  );
});

test('on a TTY the line is redrawn in place; elsewhere it is printed plainly now and then', () => {
  const written: string[] = [];
  const stream = { write: (t: string) => written.push(t), columns: 30 };
  const tty = progressDisplay(stream, { tty: true });
  tty.status('0123456789012345678901234567890123456789');
  assert.deepEqual(written, ['\r\x1b[K', '01234567890123456789012345678']);
  const logged: string[] = [];
  tty.log('done baseline seed 0', (l) => logged.push(l));
  assert.deepEqual(logged, ['done baseline seed 0']);
  assert.deepEqual(written.slice(2), ['\r\x1b[K', '01234567890123456789012345678']);

  written.length = 0;
  let clock = 0;
  const plain = progressDisplay(stream, { tty: false, everySeconds: 30, now: () => clock });
  plain.status('a');
  clock = 29;
  plain.status('b');
  clock = 31;
  plain.status('c');
  plain.status('d');
  plain.log('done x', () => {});
  plain.clear();
  assert.deepEqual(written, ['progress: c\n']);
});
