import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreError } from './errors.js';
import { openStore } from './open.js';
import type { EpochRow, TrialOutcome } from './store.js';
import { smallStudy, tempDir } from './test-helpers.js';

const done = (metrics: Record<string, number>, epochs: EpochRow[] = []): TrialOutcome => ({
  state: 'done',
  seconds: 1.5,
  metrics,
  result: { params: 1234 },
  error: null,
  epochs,
});

function isStoreError(pattern: RegExp, exitCode?: 1 | 2) {
  return (e: unknown) => {
    assert.ok(e instanceof StoreError, String(e));
    assert.equal(e.code, 'E_STORE');
    assert.match(e.message, pattern);
    if (exitCode !== undefined) assert.equal(e.exitCode, exitCode);
    return true;
  };
}

test('studies: create, find, list, state; a taken name is refused', async (t) => {
  const file = join(tempDir(t), 'a.db');
  const store = await openStore(file);
  t.after(() => store.close());
  assert.equal(store.file, file);
  assert.equal(store.readonly, false);
  assert.equal(await store.findStudy('tiny'), null);
  const { study } = await smallStudy(store);
  assert.equal(study.name, 'tiny');
  assert.equal(study.state, 'running');
  assert.deepEqual(study.config, { name: 'tiny', training: { epochs: 2, lr: Number.NaN } });
  assert.deepEqual(study.environment, { backend: 'wasm', node: process.version });
  assert.ok(!Number.isNaN(Date.parse(study.createdAt)));
  assert.deepEqual(await store.findStudy('tiny'), study);
  await smallStudy(store, 'second');
  assert.deepEqual(
    (await store.listStudies()).map((s) => s.name),
    ['tiny', 'second'],
  );
  await store.setStudyState(study.id, 'interrupted');
  assert.equal((await store.findStudy('tiny'))?.state, 'interrupted');
  await assert.rejects(
    async () =>
      await store.createStudy({ name: 'tiny', hash: 'h', file: 'f', config: {}, environment: {} }),
    isStoreError(/^.*a\.db: a study named "tiny" already exists$/, 2),
  );
  await assert.rejects(
    async () => await store.setStudyState(999, 'done'),
    isStoreError(/no study with id 999/, 1),
  );
});

test('arms: upsert inserts, then updates by (study, key) keeping the id; listed by position', async (t) => {
  const store = await openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const { study, baseline, arm } = await smallStudy(store);
  assert.equal(baseline.measure, null);
  assert.deepEqual(arm.measure, { dropout: { rate: 0.5, where: 'before-classifier' } });
  const updated = await store.upsertArm({ ...arm, label: 'dropout half', position: 5 });
  assert.equal(updated.id, arm.id);
  assert.equal(updated.label, 'dropout half');
  const stack = await store.upsertArm({
    studyId: study.id,
    key: 'stack',
    label: 'stack',
    kind: 'stack',
    position: 2,
    measure: null,
    config: {},
  });
  assert.deepEqual(
    (await store.arms(study.id)).map((a) => [a.key, a.position]),
    [
      ['baseline', 0],
      ['stack', 2],
      ['m1-dropout', 5],
    ],
  );
  assert.deepEqual(
    (await store.arms(study.id)).find((a) => a.id === stack.id),
    stack,
  );
  await assert.rejects(
    async () => await store.upsertArm({ ...arm, studyId: 999 }),
    isStoreError(/no study/, 1),
  );
});

test('trials: ensureTrial creates a queued trial once per (arm, seed)', async (t) => {
  const store = await openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const { study, baseline, arm } = await smallStudy(store);
  const a = await store.ensureTrial(arm.id, 2);
  assert.deepEqual(a, {
    id: a.id,
    armId: arm.id,
    seed: 2,
    state: 'queued',
    startedAt: null,
    finishedAt: null,
    seconds: null,
    metrics: null,
    result: null,
    error: null,
    attempts: 0,
    host: null,
    worker: null,
    leaseUntil: null,
    priority: 0,
    key: null,
    reusedFrom: null,
  });
  assert.deepEqual(await store.ensureTrial(arm.id, 2), a);
  await store.ensureTrial(arm.id, 1);
  await store.ensureTrial(baseline.id, 2);
  await store.ensureTrial(baseline.id, 1);
  assert.deepEqual(
    (await store.trials(study.id)).map((x) => `${x.armKey}/${x.seed}`),
    ['baseline/1', 'baseline/2', 'm1-dropout/1', 'm1-dropout/2'],
  );
  assert.deepEqual(await store.trial(a.id), a);
  assert.equal(await store.trial(999), null);
  await assert.rejects(
    async () => await store.ensureTrial(999, 1),
    isStoreError(/no arm with id 999/, 1),
  );
});

test('a trial runs and finishes: metrics, result and epochs (NaN, Infinity, absent) round trip', async (t) => {
  const store = await openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const { study, arm } = await smallStudy(store);
  const trial = await store.ensureTrial(arm.id, 1);
  await store.markRunning(trial.id);
  const running = (await store.trial(trial.id))!;
  assert.equal(running.state, 'running');
  assert.equal(running.attempts, 1);
  assert.ok(running.startedAt);
  const epochs: EpochRow[] = [
    {
      epoch: 0,
      lr: 0.01,
      trainLoss: 2.3,
      valLoss: 2.1,
      valAccuracy: 0.4,
      valBalancedAccuracy: 0.38,
      valMacroF1: 0.35,
      seconds: 0.5,
      extra: { parity_loss: 0.69 },
    },
    { epoch: 1, lr: 0.001, trainLoss: Number.NaN, valLoss: Number.NaN, seconds: 0.25 },
    { epoch: 2, lr: 0, trainLoss: Number.POSITIVE_INFINITY, seconds: Number.NaN },
  ];
  const metrics = {
    test_accuracy: 0.9,
    test_balanced_accuracy: 0.88,
    test_loss: Number.NaN,
    recall_0: 1,
  };
  await store.finishTrial(trial.id, {
    state: 'diverged',
    seconds: 3.25,
    metrics,
    result: {
      confusion: [
        [1, 0],
        [0, 1],
      ],
      bound: Number.NEGATIVE_INFINITY,
    },
    error: null,
    epochs,
  });
  const finished = (await store.trial(trial.id))!;
  assert.equal(finished.state, 'diverged');
  assert.equal(finished.seconds, 3.25);
  assert.deepEqual(finished.metrics, metrics);
  assert.deepEqual(finished.result, {
    confusion: [
      [1, 0],
      [0, 1],
    ],
    bound: Number.NEGATIVE_INFINITY,
  });
  assert.ok(finished.finishedAt && finished.finishedAt >= finished.startedAt!);
  assert.deepEqual(await store.epochs(trial.id), epochs);
  assert.deepEqual(await store.epochsForStudy(study.id), new Map([[trial.id, epochs]]));
  assert.ok((await store.findStudy('tiny'))!.updatedAt >= finished.finishedAt);

  // A finished result is kept: starting it again is a bug unless it is requeued first.
  await assert.rejects(
    async () => await store.markRunning(trial.id),
    isStoreError(/already diverged/, 1),
  );
  await assert.rejects(
    async () => await store.markRunning(999),
    isStoreError(/no trial with id 999/, 1),
  );
  await assert.rejects(
    async () => await store.finishTrial(999, done({})),
    isStoreError(/no trial with id 999/, 1),
  );
  await assert.rejects(
    async () => await store.finishTrial(trial.id, { ...done({}), state: 'running' as 'done' }),
    isStoreError(/finishes as one of done, failed, diverged/, 1),
  );
});

test('finishTrial replaces the epochs of an earlier attempt; a failure keeps its error', async (t) => {
  const store = await openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const { arm } = await smallStudy(store);
  const trial = await store.ensureTrial(arm.id, 1);
  const epoch = (n: number): EpochRow => ({
    epoch: n,
    lr: 0.1,
    trainLoss: 1 / (n + 1),
    seconds: 1,
  });
  await store.markRunning(trial.id);
  await store.finishTrial(trial.id, {
    state: 'failed',
    seconds: null,
    metrics: null,
    result: null,
    error: 'worker ran out of memory',
    epochs: [epoch(0), epoch(1), epoch(2)],
  });
  assert.equal((await store.trial(trial.id))!.error, 'worker ran out of memory');
  assert.equal((await store.epochs(trial.id)).length, 3);
  await store.markRunning(trial.id);
  const rerun = (await store.trial(trial.id))!;
  assert.equal(rerun.attempts, 2);
  assert.equal(rerun.error, null);
  assert.deepEqual(await store.epochs(trial.id), []);
  await store.finishTrial(trial.id, done({ test_accuracy: 1 }, [epoch(0)]));
  assert.deepEqual(await store.epochs(trial.id), [epoch(0)]);
});

test('finishTrial is atomic: a bad epoch leaves the trial and its epochs as they were', async (t) => {
  const store = await openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const { arm } = await smallStudy(store);
  const trial = await store.ensureTrial(arm.id, 1);
  await store.markRunning(trial.id);
  const before = await store.trial(trial.id);
  const e0: EpochRow = { epoch: 0, lr: 0.1, trainLoss: 1, seconds: 1 };
  // Two rows for epoch 0: the primary key fails on the second insert, after the update ran.
  await assert.rejects(
    async () => await store.finishTrial(trial.id, done({ test_accuracy: 1 }, [e0, e0])),
  );
  assert.deepEqual(await store.trial(trial.id), before);
  assert.deepEqual(await store.epochs(trial.id), []);
  await assert.rejects(
    async () =>
      await store.finishTrial(trial.id, done({ test_accuracy: 1 }, [{ ...e0, epoch: 1.5 }])),
  );
  assert.deepEqual(await store.trial(trial.id), before);
  await assert.rejects(
    async () =>
      await store.finishTrial(trial.id, done({ test_accuracy: '1' as unknown as number })),
    isStoreError(/metric test_accuracy is not a number/, 1),
  );
  assert.deepEqual(await store.trial(trial.id), before);
});

test('requeueUnfinished after a crash: running and failed trials rerun, finished ones stay', async (t) => {
  const file = join(tempDir(t), 'a.db');
  let store = await openStore(file);
  const { study, baseline, arm } = await smallStudy(store);
  const [running, failed, finished, diverged, queued] = [
    await store.ensureTrial(baseline.id, 1),
    await store.ensureTrial(baseline.id, 2),
    await store.ensureTrial(arm.id, 1),
    await store.ensureTrial(arm.id, 2),
    await store.ensureTrial(arm.id, 3),
  ];
  for (const x of [running, failed, finished, diverged]) await store.markRunning(x.id);
  await store.finishTrial(failed.id, { ...done({}), state: 'failed', error: 'boom' });
  await store.finishTrial(finished.id, done({ test_accuracy: 0.9 }));
  await store.finishTrial(diverged.id, { ...done({}), state: 'diverged' });
  await store.close(); // the process dies here: `running` never finishes

  store = await openStore(file);
  t.after(() => store.close());
  const states = async () =>
    (await store.trials(study.id)).map((x) => `${x.armKey}/${x.seed}:${x.state}`);
  assert.deepEqual(await states(), [
    'baseline/1:running',
    'baseline/2:failed',
    'm1-dropout/1:done',
    'm1-dropout/2:diverged',
    'm1-dropout/3:queued',
  ]);
  assert.equal(await store.requeueUnfinished(study.id, { failed: false }), 1);
  assert.deepEqual((await states()).slice(0, 2), ['baseline/1:queued', 'baseline/2:failed']);
  assert.equal(await store.requeueUnfinished(study.id), 1);
  assert.deepEqual(await states(), [
    'baseline/1:queued',
    'baseline/2:queued',
    'm1-dropout/1:done',
    'm1-dropout/2:diverged',
    'm1-dropout/3:queued',
  ]);
  const requeued = (await store.trial(failed.id))!;
  assert.equal(requeued.error, null);
  assert.equal(requeued.startedAt, null);
  assert.equal(requeued.attempts, 1);
  assert.deepEqual((await store.trial(finished.id))!.metrics, { test_accuracy: 0.9 });
  assert.equal((await store.trial(queued.id))!.state, 'queued');
  assert.equal(await store.requeueUnfinished(study.id), 0);
});

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

test('verdicts: saved per study (replacing), NaN and infinite bounds kept; allVerdicts joins', async (t) => {
  const store = await openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const one = await smallStudy(store, 'one');
  const two = await smallStudy(store, 'two');
  await store.saveVerdicts(one.study.id, [
    {
      studyId: one.study.id,
      armId: one.arm.id,
      verdict: 'undecided',
      effect: Number.NaN,
      lo: Number.NEGATIVE_INFINITY,
      hi: Number.POSITIVE_INFINITY,
      n: 1,
      details: { sd: Number.NaN, differences: [1.5] },
    },
  ]);
  const first = await store.verdicts(one.study.id);
  assert.equal(first.length, 1);
  assert.equal(first[0].verdict, 'undecided');
  assert.ok(Number.isNaN(first[0].effect));
  assert.equal(first[0].lo, Number.NEGATIVE_INFINITY);
  assert.equal(first[0].hi, Number.POSITIVE_INFINITY);
  assert.deepEqual(first[0].details, { sd: Number.NaN, differences: [1.5] });

  const effective = {
    studyId: one.study.id,
    armId: one.arm.id,
    verdict: 'effective' as const,
    effect: 2.5,
    lo: 1,
    hi: 4,
    n: 5,
    details: { timeRatio: 1.1 },
  };
  await store.saveVerdicts(one.study.id, [effective]);
  const saved = await store.verdicts(one.study.id);
  assert.equal(saved.length, 1);
  assert.deepEqual({ ...saved[0], computedAt: undefined }, { ...effective, computedAt: undefined });
  await store.saveVerdicts(two.study.id, [
    { ...effective, studyId: two.study.id, armId: two.arm.id, verdict: 'harmful', effect: -3 },
  ]);
  const all = await store.allVerdicts();
  assert.deepEqual(
    all.map((v) => [v.studyName, v.armKey, v.armLabel, v.kind, v.verdict]),
    [
      ['one', 'm1-dropout', 'dropout 0.5', 'dropout', 'effective'],
      ['two', 'm1-dropout', 'dropout 0.5', 'dropout', 'harmful'],
    ],
  );
  assert.deepEqual(all[0].measure, { dropout: { rate: 0.5, where: 'before-classifier' } });
  assert.deepEqual((all[1].studyConfig as { name: string }).name, 'two');

  // Another study's arm is refused, and the refusal leaves the saved verdicts in place.
  await assert.rejects(
    async () => await store.saveVerdicts(one.study.id, [{ ...effective, armId: two.arm.id }]),
    isStoreError(/is not an arm of study/, 1),
  );
  assert.equal((await store.verdicts(one.study.id)).length, 1);
  await assert.rejects(
    async () => await store.saveVerdicts(one.study.id, [{ ...effective, studyId: two.study.id }]),
    isStoreError(/passed to saveVerdicts/, 1),
  );
});

test('notes: added, listed by measure or all, oldest first', async (t) => {
  const store = await openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const { study } = await smallStudy(store);
  const a = await store.addNote({ measure: 'dropout', text: 'helps only with extra dense layers' });
  const b = await store.addNote({
    measure: 'augment',
    text: 'flip breaks digits',
    studyId: study.id,
  });
  const c = await store.addNote({ measure: 'dropout', text: 'rate 0.5 too high on MNIST' });
  assert.equal(a.studyId, null);
  assert.equal(b.studyId, study.id);
  assert.deepEqual(await store.notes('dropout'), [a, c]);
  assert.deepEqual(await store.notes(), [a, b, c]);
  assert.deepEqual(await store.notes('none'), []);
  await assert.rejects(
    async () => await store.addNote({ measure: 'x', text: 'y', studyId: 999 }),
    isStoreError(/no study/, 1),
  );
});

test('deleteStudy removes the study and everything under it; other studies and notes stay', async (t) => {
  const file = join(tempDir(t), 'a.db');
  const store = await openStore(file);
  t.after(() => store.close());
  const fill = async (name: string) => {
    const s = await smallStudy(store, name);
    for (const arm of [s.baseline, s.arm]) {
      const trial = await store.ensureTrial(arm.id, 1);
      await store.markRunning(trial.id);
      await store.finishTrial(
        trial.id,
        done({ x: 1 }, [{ epoch: 0, lr: 1, trainLoss: 1, seconds: 1 }]),
      );
    }
    await store.saveVerdicts(s.study.id, [
      {
        studyId: s.study.id,
        armId: s.arm.id,
        verdict: 'ineffective',
        effect: 0,
        lo: -0.1,
        hi: 0.1,
        n: 3,
        details: null,
      },
    ]);
    await store.addNote({ measure: 'dropout', text: name, studyId: s.study.id });
    return s;
  };
  const gone = await fill('gone');
  const kept = await fill('kept');
  const count = (table: string) => {
    const raw = new Database(file, { readonly: true });
    try {
      return (raw.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    } finally {
      raw.close();
    }
  };
  assert.deepEqual(
    ['studies', 'arms', 'trials', 'epochs', 'verdicts', 'notes'].map(count),
    [2, 4, 4, 4, 2, 2],
  );
  assert.equal(await store.deleteStudy('gone'), true);
  assert.equal(await store.deleteStudy('gone'), false);
  assert.deepEqual(
    ['studies', 'arms', 'trials', 'epochs', 'verdicts', 'notes'].map(count),
    [1, 2, 2, 2, 1, 2],
  );
  assert.equal(await store.findStudy('gone'), null);
  assert.deepEqual(await store.arms(gone.study.id), []);
  assert.equal((await store.trials(kept.study.id)).length, 2);
  assert.equal((await store.verdicts(kept.study.id)).length, 1);
  assert.deepEqual(
    (await store.notes()).map((n) => [n.text, n.studyId]),
    [
      ['gone', null],
      ['kept', kept.study.id],
    ],
  );
  // A fresh study under the freed name starts empty.
  const again = await smallStudy(store, 'gone');
  assert.deepEqual(await store.trials(again.study.id), []);
});

test('transaction: all or nothing, and nested calls join it', async (t) => {
  const store = await openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const { study, arm } = await smallStudy(store);
  await assert.rejects(
    store.transaction(async (tx) => {
      await tx.ensureTrial(arm.id, 1);
      await tx.transaction((inner) => inner.ensureTrial(arm.id, 2));
      throw new Error('planner bug');
    }),
  );
  assert.deepEqual(await store.trials(study.id), []);
  const n = await store.transaction(
    async (tx) => (await Promise.all([1, 2, 3].map((s) => tx.ensureTrial(arm.id, s)))).length,
  );
  assert.equal(n, 3);
  assert.equal((await store.trials(study.id)).length, 3);
});

test('a read-only store reads everything and refuses writes; a closed store says so', async (t) => {
  const file = join(tempDir(t), 'a.db');
  const writer = await openStore(file);
  const { study, arm } = await smallStudy(writer);
  await writer.ensureTrial(arm.id, 1);
  // The reader opens while the writer still has the file: WAL lets both in.
  const reader = await openStore(file, { readonly: true });
  assert.equal(reader.readonly, true);
  assert.deepEqual(await reader.findStudy('tiny'), study);
  assert.equal((await reader.trials(study.id)).length, 1);
  await assert.rejects(
    async () => await reader.addNote({ measure: 'x', text: 'y' }),
    isStoreError(/read-only/, 1),
  );
  await assert.rejects(
    async () => await reader.ensureTrial(arm.id, 2),
    isStoreError(/read-only/, 1),
  );
  await writer.ensureTrial(arm.id, 2);
  assert.equal((await reader.trials(study.id)).length, 2);
  reader.close();
  reader.close();
  await writer.close();
  await assert.rejects(async () => await writer.listStudies(), isStoreError(/closed/, 1));
});

test('the file is in WAL mode with the tunebook schema; :memory: works for tests', async (t) => {
  const file = join(tempDir(t), 'a.db');
  await (await openStore(file)).close();
  const raw = new Database(file, { readonly: true });
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  const tables = raw
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => (r as { name: string }).name);
  assert.deepEqual(tables, [
    'arms',
    'checkpoints',
    'epochs',
    'meta',
    'notes',
    'studies',
    'trials',
    'verdicts',
  ]);
  raw.close();
  const memory = await openStore(':memory:');
  const { study } = await smallStudy(memory);
  assert.equal((await memory.findStudy('tiny'))?.id, study.id);
  await memory.close();
});
