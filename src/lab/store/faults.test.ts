/**
 * The store's faults: a damaged database refused before any write, a damaged JSON value named
 * (never "internal error"), a full disk with exit code 3, failures for memory kept failed on
 * resume, and a database on read-only media read all the same.
 */
import assert from 'node:assert/strict';
import { closeSync, copyFileSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { mountTmpfs } from '../../testing/tmpfs.js';
import { StoreError } from './errors.js';
import { openStore } from './open.js';
import { translate } from './sqlite-errors.js';
import { fingerprint, smallStudy, tempDir } from './test-helpers.js';

async function storeWithTrials(file: string) {
  const store = await openStore(file);
  const { study, baseline, arm } = await smallStudy(store);
  const finish = async (armId: number, seed: number, error: string | null) => {
    const t = await store.ensureTrial(armId, seed);
    await store.markRunning(t.id);
    await store.finishTrial(t.id, {
      state: error ? 'failed' : 'done',
      seconds: 1,
      metrics: error ? null : { test_accuracy: 0.9 },
      result: null,
      error,
      epochs: [],
    });
  };
  await finish(baseline.id, 0, null);
  await finish(arm.id, 0, 'out of memory (wasm heap at 2040 MB)');
  await finish(
    arm.id,
    1,
    'over its memory budget (900 MB used, budget 800 MB; wasm heap at 700 MB)',
  );
  await finish(arm.id, 2, 'ENOENT: a flaky file');
  await store.markRunning((await store.ensureTrial(baseline.id, 1)).id);
  await store.saveVerdicts(study.id, [
    {
      studyId: study.id,
      armId: arm.id,
      verdict: 'unstable',
      effect: 0,
      lo: -1,
      hi: 1,
      n: 1,
      details: {},
    },
  ]);
  return { store, study, arm };
}

test('a damaged database is refused by quick_check before anything is written to it', async (t) => {
  const file = join(tempDir(t), 'a.db');
  const { store } = await storeWithTrials(file);
  await store.close();
  // Garbage over the pages after the first (the header stays valid, so the file opens).
  const size = statSync(file).size;
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(size - 4096, 0xa5), 0, size - 4096, 4096);
  closeSync(fd);
  const before = fingerprint(file);
  await assert.rejects(
    async () => await openStore(file),
    (e: unknown) =>
      e instanceof StoreError && e.exitCode === 2 && /the database is damaged/.test(e.message),
  );
  assert.equal(fingerprint(file), before);
});

test('a damaged JSON value is a named error, exit 2, naming the column and row', async (t) => {
  const file = join(tempDir(t), 'a.db');
  const { store, study } = await storeWithTrials(file);
  await store.close();
  const db = new Database(file);
  db.prepare('UPDATE verdicts SET details = ?').run('{"seeds": [0, 1');
  db.close();
  const reader = await openStore(file, { readonly: true });
  await assert.rejects(
    async () => await reader.verdicts(study.id),
    (e: unknown) =>
      e instanceof StoreError &&
      e.exitCode === 2 &&
      e.message.startsWith(`${file}: damaged JSON in verdicts.details of arm id`),
  );
  reader.close();
});

test('SQLITE_FULL is the disk being full: exit code 3', async () => {
  const e = translate(
    'runs.db',
    Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
  );
  assert.ok(e instanceof StoreError);
  assert.equal(e.exitCode, 3);
  assert.match(e.message, /^runs\.db: the disk is full/);
});

test('on resume, trials failed for memory stay failed unless asked; other failures rerun', async (t) => {
  const { store, study } = await storeWithTrials(join(tempDir(t), 'a.db'));
  const requeued = await store.requeueUnfinished(study.id, {
    failed: true,
    keepErrors: ['out of memory', 'over its memory budget'],
  });
  assert.equal(requeued, 2); // the running baseline seed 1 and the ENOENT failure
  const states = (await store.trials(study.id)).map((t) => `${t.armKey}/${t.seed}:${t.state}`);
  assert.deepEqual(states, [
    'baseline/0:done',
    'baseline/1:queued',
    'm1-dropout/0:failed',
    'm1-dropout/1:failed',
    'm1-dropout/2:queued',
  ]);
  // --retry-failed: nothing kept.
  assert.equal(await store.requeueUnfinished(study.id, { failed: true }), 2);
  await store.close();
});

test('a database on a read-only mount is read (verdicts, trials) and never written', async (t) => {
  const fs = mountTmpfs(8);
  if (!fs) return t.skip('cannot mount a tmpfs here (not root?): read-only media not tested');
  try {
    const source = join(tempDir(t), 'a.db');
    const { store, study } = await storeWithTrials(source);
    await store.close();
    const file = join(fs.dir, 'a.db');
    copyFileSync(source, file);
    fs.readonly();
    const before = fingerprint(file);
    const reader = await openStore(file, { readonly: true });
    assert.equal((await reader.verdicts(study.id)).length, 1);
    assert.equal((await reader.trials(study.id)).length, 5);
    reader.close();
    await assert.rejects(async () => await openStore(file), StoreError);
    assert.equal(fingerprint(file), before);
  } finally {
    fs.unmount();
  }
});
