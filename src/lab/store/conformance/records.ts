/**
 * The contract's record keeping, as tests every engine must pass: studies, arms, trials and
 * their states, finishTrial's atomicity, requeue rules, verdicts, notes, the notebook,
 * deletion, transactions, read-only and closed stores. Ported from the SQLite engine's own
 * tests, which stay for what only SQLite has (files, WAL, a killed process's -wal file).
 *
 * @example
 *   recordsConformance('postgres', open);
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import type { EpochRow, Store } from '../store.js';
import { done, epoch, type OpenStore, opened, smallStudy, states, storeError } from './fixtures.js';

export function recordsConformance(name: string, open: OpenStore, skip?: string): void {
  const it = (title: string, fn: (t: TestContext) => Promise<void>) =>
    test(`${name} store: ${title}`, { skip }, fn);

  it('studies: create, find, list, state; a taken name is refused', async (t) => {
    const store = await opened(t, open);
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
      store.createStudy({ name: 'tiny', hash: 'h', file: 'f', config: {}, environment: {} }),
      storeError(store, /a study named "tiny" already exists$/, 2),
    );
    await assert.rejects(
      store.setStudyState(999, 'done'),
      storeError(store, /no study with id 999/, 1),
    );
  });

  it('arms: upsert inserts, then updates by (study, key) keeping the id; listed by position', async (t) => {
    const store = await opened(t, open);
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
      store.upsertArm({ ...arm, studyId: 999 }),
      storeError(store, /no study/, 1),
    );
  });

  it('trials: ensureTrial creates a queued trial once per (arm, seed); key and priority', async (t) => {
    const store = await opened(t, open);
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
    assert.deepEqual(await states(store, study.id), [
      'baseline/1:queued',
      'baseline/2:queued',
      'm1-dropout/1:queued',
      'm1-dropout/2:queued',
    ]);
    assert.deepEqual(await store.trial(a.id), a);
    assert.equal(await store.trial(999), null);
    await assert.rejects(store.ensureTrial(999, 1), storeError(store, /no arm with id 999/, 1));

    // Key and priority are set on creation; a queued trial's priority is raised later.
    const k = await store.ensureTrial(arm.id, 3, { key: 'key-3', priority: 1 });
    assert.equal(k.key, 'key-3');
    assert.equal(k.priority, 1);
    const raised = await store.ensureTrial(arm.id, 3, { key: 'other', priority: 5 });
    assert.equal(raised.id, k.id);
    assert.equal(raised.key, 'key-3');
    assert.equal(raised.priority, 5);
    assert.equal((await store.trial(k.id))?.priority, 5);
  });

  it('a trial runs and finishes: metrics, result and epochs (NaN, Infinity, absent) round trip', async (t) => {
    const store = await opened(t, open);
    const { study, arm } = await smallStudy(store);
    const trial = await store.ensureTrial(arm.id, 1);
    await store.markRunning(trial.id, 'alpha');
    const running = (await store.trial(trial.id))!;
    assert.equal(running.state, 'running');
    assert.equal(running.attempts, 1);
    assert.equal(running.host, 'alpha');
    assert.equal(running.worker, null);
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
    const result = {
      confusion: [
        [1, 0],
        [0, 1],
      ],
      bound: Number.NEGATIVE_INFINITY,
    };
    assert.equal(
      await store.finishTrial(trial.id, {
        state: 'diverged',
        seconds: 3.25,
        metrics,
        result,
        error: null,
        epochs,
      }),
      true,
    );
    const finished = (await store.trial(trial.id))!;
    assert.equal(finished.state, 'diverged');
    assert.equal(finished.seconds, 3.25);
    assert.equal(finished.host, 'alpha');
    assert.deepEqual(finished.metrics, metrics);
    assert.deepEqual(finished.result, result);
    assert.ok(finished.finishedAt && finished.finishedAt >= finished.startedAt!);
    assert.deepEqual(await store.epochs(trial.id), epochs);
    assert.deepEqual(await store.epochsForStudy(study.id), new Map([[trial.id, epochs]]));
    assert.ok((await store.findStudy('tiny'))!.updatedAt >= finished.finishedAt);

    // A finished result is kept: starting it again is a bug unless it is requeued first.
    await assert.rejects(store.markRunning(trial.id), storeError(store, /already diverged/, 1));
    await assert.rejects(store.markRunning(999), storeError(store, /no trial with id 999/, 1));
    await assert.rejects(
      store.finishTrial(999, done({})),
      storeError(store, /no trial with id 999/, 1),
    );
    await assert.rejects(
      store.finishTrial(trial.id, { ...done({}), state: 'running' as 'done' }),
      storeError(store, /finishes as one of done, failed, diverged/, 1),
    );
  });

  it('finishTrial replaces the epochs of an earlier attempt; a failure keeps its error', async (t) => {
    const store = await opened(t, open);
    const { arm } = await smallStudy(store);
    const trial = await store.ensureTrial(arm.id, 1);
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

  it('finishTrial is atomic: a bad epoch leaves the trial and its epochs as they were', async (t) => {
    const store = await opened(t, open);
    const { arm } = await smallStudy(store);
    const trial = await store.ensureTrial(arm.id, 1);
    await store.markRunning(trial.id);
    const before = await store.trial(trial.id);
    const e0: EpochRow = { epoch: 0, lr: 0.1, trainLoss: 1, seconds: 1 };
    // Two rows for epoch 0: the primary key fails on the second insert, after the update ran.
    await assert.rejects(store.finishTrial(trial.id, done({ test_accuracy: 1 }, [e0, e0])));
    assert.deepEqual(await store.trial(trial.id), before);
    assert.deepEqual(await store.epochs(trial.id), []);
    await assert.rejects(
      store.finishTrial(trial.id, done({ test_accuracy: 1 }, [{ ...e0, epoch: 1.5 }])),
    );
    assert.deepEqual(await store.trial(trial.id), before);
    await assert.rejects(
      store.finishTrial(trial.id, done({ test_accuracy: '1' as unknown as number })),
      storeError(store, /metric test_accuracy is not a number/, 1),
    );
    assert.deepEqual(await store.trial(trial.id), before);
  });

  it('requeueUnfinished after a crash: running and failed trials rerun, finished ones and kept errors stay', async (t) => {
    const first = await opened(t, open);
    const { study, baseline, arm } = await smallStudy(first);
    const [running, failed, finished, diverged, queued, oom] = [
      await first.ensureTrial(baseline.id, 1),
      await first.ensureTrial(baseline.id, 2),
      await first.ensureTrial(arm.id, 1),
      await first.ensureTrial(arm.id, 2),
      await first.ensureTrial(arm.id, 3),
      await first.ensureTrial(arm.id, 4),
    ];
    for (const x of [running, failed, finished, diverged, oom]) await first.markRunning(x.id);
    await first.finishTrial(failed.id, { ...done({}), state: 'failed', error: 'boom' });
    await first.finishTrial(finished.id, done({ test_accuracy: 0.9 }));
    await first.finishTrial(diverged.id, { ...done({}), state: 'diverged' });
    await first.finishTrial(oom.id, {
      ...done({}),
      state: 'failed',
      error: 'out of memory (wasm heap at 4096 MB)',
    });
    await first.close(); // the process dies here: `running` never finishes

    const store = await opened(t, open, { like: first });
    assert.deepEqual(await states(store, study.id), [
      'baseline/1:running',
      'baseline/2:failed',
      'm1-dropout/1:done',
      'm1-dropout/2:diverged',
      'm1-dropout/3:queued',
      'm1-dropout/4:failed',
    ]);
    assert.equal(await store.requeueUnfinished(study.id, { failed: false }), 1);
    assert.deepEqual((await states(store, study.id)).slice(0, 2), [
      'baseline/1:queued',
      'baseline/2:failed',
    ]);
    assert.equal(await store.requeueUnfinished(study.id, { keepErrors: ['out of memory'] }), 1);
    assert.deepEqual(await states(store, study.id), [
      'baseline/1:queued',
      'baseline/2:queued',
      'm1-dropout/1:done',
      'm1-dropout/2:diverged',
      'm1-dropout/3:queued',
      'm1-dropout/4:failed',
    ]);
    const requeued = (await store.trial(failed.id))!;
    assert.equal(requeued.error, null);
    assert.equal(requeued.startedAt, null);
    assert.equal(requeued.attempts, 1);
    assert.deepEqual((await store.trial(finished.id))!.metrics, { test_accuracy: 0.9 });
    assert.equal((await store.trial(queued.id))!.state, 'queued');
    assert.equal(await store.requeueUnfinished(study.id, { keepErrors: ['out of memory'] }), 0);
    assert.equal(await store.requeueUnfinished(study.id), 1);
    assert.equal((await store.trial(oom.id))!.state, 'queued');
    assert.equal(await store.requeueUnfinished(study.id), 0);
  });

  it('requeueTrial sets one running trial aside; finished trials are refused', async (t) => {
    const store = await opened(t, open);
    const { study, baseline, arm } = await smallStudy(store);
    const [a, b, c] = [
      await store.ensureTrial(baseline.id, 0),
      await store.ensureTrial(arm.id, 0),
      await store.ensureTrial(arm.id, 1),
    ];
    for (const x of [a, b, c]) await store.markRunning(x.id);
    await store.finishTrial(c.id, done({ test_accuracy: 0.9 }));
    await store.requeueTrial(b.id);
    assert.deepEqual(await states(store, study.id), [
      'baseline/0:running',
      'm1-dropout/0:queued',
      'm1-dropout/1:done',
    ]);
    assert.equal((await store.trial(b.id))!.startedAt, null);
    await assert.rejects(store.requeueTrial(c.id), storeError(store, /already done/, 1));
    await assert.rejects(store.requeueTrial(9999), storeError(store, /no trial with id 9999/, 1));
    assert.equal((await store.trial(c.id))!.state, 'done');
  });

  it('dropQueued removes only the study’s queued trials', async (t) => {
    const store = await opened(t, open);
    const one = await smallStudy(store, 'one');
    const two = await smallStudy(store, 'two');
    await store.ensureTrial(one.arm.id, 0);
    await store.ensureTrial(one.arm.id, 1);
    await store.markRunning((await store.ensureTrial(one.baseline.id, 0)).id);
    await store.ensureTrial(two.arm.id, 0);
    assert.equal(await store.dropQueued(one.study.id), 2);
    assert.deepEqual(await states(store, one.study.id), ['baseline/0:running']);
    assert.equal((await store.trials(two.study.id)).length, 1);
    assert.equal(await store.dropQueued(one.study.id), 0);
  });

  it('verdicts: saved per study (replacing), NaN and infinite bounds kept; the notebook joins', async (t) => {
    const store = await opened(t, open);
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
    assert.deepEqual(
      { ...saved[0], computedAt: undefined },
      { ...effective, computedAt: undefined },
    );
    assert.ok(!Number.isNaN(Date.parse(saved[0].computedAt)));
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
      store.saveVerdicts(one.study.id, [{ ...effective, armId: two.arm.id }]),
      storeError(store, /is not an arm of study/, 1),
    );
    assert.equal((await store.verdicts(one.study.id)).length, 1);
    await assert.rejects(
      store.saveVerdicts(one.study.id, [{ ...effective, studyId: two.study.id }]),
      storeError(store, /passed to saveVerdicts/, 1),
    );
  });

  it('notes: added, listed by measure or all, oldest first', async (t) => {
    const store = await opened(t, open);
    const { study } = await smallStudy(store);
    const a = await store.addNote({
      measure: 'dropout',
      text: 'helps only with extra dense layers',
    });
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
      store.addNote({ measure: 'x', text: 'y', studyId: 999 }),
      storeError(store, /no study/, 1),
    );
  });

  it('deleteStudy removes the study and everything under it; other studies and notes stay', async (t) => {
    const store = await opened(t, open);
    const fill = async (name: string) => {
      const s = await smallStudy(store, name);
      for (const arm of [s.baseline, s.arm]) {
        const trial = await store.ensureTrial(arm.id, 1);
        await store.markRunning(trial.id);
        await store.saveCheckpoint({
          trialId: trial.id,
          attempt: 1,
          epoch: 1,
          data: new Uint8Array([1]),
        });
        await store.finishTrial(trial.id, done({ x: 1 }, [epoch(0)]));
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
    const goneTrials = await store.trials(gone.study.id);
    assert.equal(await store.deleteStudy('gone'), true);
    assert.equal(await store.deleteStudy('gone'), false);
    assert.equal(await store.findStudy('gone'), null);
    assert.deepEqual(await store.arms(gone.study.id), []);
    assert.deepEqual(await store.trials(gone.study.id), []);
    assert.equal((await store.epochsForStudy(gone.study.id)).size, 0);
    assert.deepEqual(await store.verdicts(gone.study.id), []);
    for (const x of goneTrials) {
      assert.equal(await store.trial(x.id), null);
      assert.deepEqual(await store.epochs(x.id), []);
      assert.equal(await store.checkpoint(x.id), null);
    }
    assert.equal((await store.trials(kept.study.id)).length, 2);
    assert.equal((await store.epochsForStudy(kept.study.id)).size, 2);
    assert.equal((await store.verdicts(kept.study.id)).length, 1);
    assert.deepEqual(
      (await store.allVerdicts()).map((v) => v.studyName),
      ['kept'],
    );
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

  it('transaction: all or nothing, nested calls join it, a refused step caught inside does not spoil it', async (t) => {
    const store = await opened(t, open);
    const { study, arm } = await smallStudy(store);
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.ensureTrial(arm.id, 1);
        await tx.transaction((inner) => inner.ensureTrial(arm.id, 2));
        throw new Error('planner bug');
      }),
      /planner bug/,
    );
    assert.deepEqual(await store.trials(study.id), []);
    const n = await store.transaction(async (tx) => {
      for (const s of [1, 2, 3]) await tx.ensureTrial(arm.id, s);
      // Caught by the caller: the transaction goes on.
      await assert.rejects(
        tx.createStudy({ name: 'tiny', hash: 'h', file: 'f', config: {}, environment: {} }),
        /already exists/,
      );
      await Promise.all([4, 5].map((s) => tx.ensureTrial(arm.id, s)));
      return (await tx.trials(study.id)).length;
    });
    assert.equal(n, 5);
    assert.equal((await store.trials(study.id)).length, 5);
  });

  it('transaction: the outer store inside its own transaction, and the tx store after it, are refused', async (t) => {
    const store = await opened(t, open);
    const { study, arm } = await smallStudy(store);
    let leak: Store | null = null;
    await store.transaction(async (tx) => {
      leak = tx;
      await tx.ensureTrial(arm.id, 1);
    });
    await assert.rejects(
      leak!.trials(study.id),
      storeError(store, /after its transaction ended/, 1),
    );
    await assert.rejects(
      store.transaction(async () => store.trials(study.id)),
      storeError(store, /used inside its own transaction/, 1),
    );
    // The refused transaction was rolled back and the store still works.
    assert.equal((await store.trials(study.id)).length, 1);
  });

  it('a read-only store reads everything and refuses writes; a closed store says so', async (t) => {
    const writer = await opened(t, open);
    const { study, arm } = await smallStudy(writer);
    await writer.ensureTrial(arm.id, 1);
    const reader = await opened(t, open, { like: writer, readonly: true });
    assert.equal(reader.readonly, true);
    assert.deepEqual(await reader.findStudy('tiny'), study);
    assert.equal((await reader.trials(study.id)).length, 1);
    await assert.rejects(
      reader.addNote({ measure: 'x', text: 'y' }),
      storeError(reader, /read-only/, 1),
    );
    await assert.rejects(reader.ensureTrial(arm.id, 2), storeError(reader, /read-only/, 1));
    await assert.rejects(
      reader.claimTrial({ worker: 'h:1:0', host: 'h', leaseMs: 1000 }),
      storeError(reader, /read-only/, 1),
    );
    await writer.ensureTrial(arm.id, 2);
    assert.equal((await reader.trials(study.id)).length, 2);
    await reader.close();
    await reader.close();
    await writer.close();
    await assert.rejects(writer.listStudies(), storeError(writer, /closed/, 1));
  });
}
