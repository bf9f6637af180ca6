// What only the SQLite engine has: a file in WAL mode, the schema in it, ':memory:', and a
// killed process's -wal file. The store's contract (studies, arms, trials, verdicts, notes,
// deletion, transactions, read-only and closed stores) is tested against every engine by the
// conformance suite (conformance/, run on SQLite in sqlite-conformance.test.ts).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from './open.js';
import { smallStudy, TABLES, tempDir } from './test-helpers.js';

test('a process killed with SIGKILL mid-study: the db reopens, finished work kept, the rest requeued', async (t) => {
  const file = join(tempDir(t), 'killed.db');
  const module = new URL('./open.js', import.meta.url).href;
  const script = `
    const { openStore } = await import(${JSON.stringify(module)});
    const store = await openStore(${JSON.stringify(file)});
    const study = await store.createStudy({ name: 'k', hash: 'h', file: 'k.yaml', config: {}, environment: {} });
    const arm = await store.upsertArm({ studyId: study.id, key: 'baseline', label: 'baseline', kind: 'baseline', position: 0, measure: null, config: {} });
    const a = await store.ensureTrial(arm.id, 1);
    const b = await store.ensureTrial(arm.id, 2);
    await store.markRunning(a.id);
    await store.markRunning(b.id);
    await store.finishTrial(b.id, { state: 'done', seconds: 1, metrics: { test_accuracy: 0.5 }, result: null, error: null, epochs: [{ epoch: 0, lr: 0.1, trainLoss: 1, seconds: 1 }] });
    process.kill(process.pid, 'SIGKILL');
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  // Nothing was checkpointed: the whole database is still in the write-ahead log.
  assert.ok(statSync(`${file}-wal`).size > 0);
  const store = await openStore(file);
  t.after(() => store.close());
  const study = (await store.findStudy('k'))!;
  assert.equal(await store.requeueUnfinished(study.id), 1);
  assert.deepEqual(
    (await store.trials(study.id)).map((x) => [x.seed, x.state, x.metrics]),
    [
      [1, 'queued', null],
      [2, 'done', { test_accuracy: 0.5 }],
    ],
  );
  assert.equal((await store.epochsForStudy(study.id)).size, 1);
});

test('the file is in WAL mode with the tunebook schema; :memory: works for tests', async (t) => {
  const file = join(tempDir(t), 'a.db');
  const store = await openStore(file);
  assert.equal(store.file, file);
  await store.close();
  const raw = new Database(file, { readonly: true });
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  const tables = raw
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => (r as { name: string }).name);
  assert.deepEqual(tables, TABLES);
  raw.close();
  const memory = await openStore(':memory:');
  const { study } = await smallStudy(memory);
  assert.equal((await memory.findStudy('tiny'))?.id, study.id);
  await memory.close();
});
