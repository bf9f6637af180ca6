import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseStudy } from '../config/load.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { tempDir } from '../store/test-helpers.js';
import { runWorker } from './run-worker.js';
import { TRAINING_CODE_VERSION } from './version.js';

const STUDY = parseStudy(`
name: resume
data: { source: synthetic-signals, options: { perClass: 40, length: 64 } }
model: { name: mlp }
training: { epochs: 12, batchSize: 16 }
seeds: { minSeeds: 2, maxSeeds: 2 }
control: false
measures:
  - set: { training.batchSize: 8 }
`);

/** A study with one arm as a planner writes it, and its trial at `seed`. */
async function queued(store: Store, name: string, key = 'baseline', config?: unknown) {
  const study = await store.createStudy({
    name,
    hash: STUDY.hash,
    file: `${name}.yaml`,
    config: STUDY.config,
    environment: { trainingCodeVersion: TRAINING_CODE_VERSION },
  });
  const arm = await store.upsertArm({
    studyId: study.id,
    key,
    label: key,
    kind: 'baseline',
    position: 0,
    measure: null,
    config: config ?? STUDY.arms[0].config,
  });
  return { study, trial: await store.ensureTrial(arm.id, 0) };
}

test('a trial stopped after a saved epoch resumes there on the next claim, with the numbers of an uninterrupted run', async (t) => {
  const store = await openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const { study, trial } = await queued(store, 'resume');
  const stop = new AbortController();
  const first = runWorker({
    store,
    threads: 1,
    leaseMs: 5000,
    studyId: study.id,
    signal: stop.signal,
    pollMs: 50,
  });
  for (let i = 0; i < 600; i++) {
    const cp = await store.checkpoint(trial.id);
    if (cp && cp.epoch >= 2) break;
    await sleep(50);
  }
  stop.abort();
  assert.deepEqual(await first, { finished: 0, failed: 0, lost: 0 });
  const cp = (await store.checkpoint(trial.id))!;
  assert.equal(cp.attempt, 1);
  assert.ok(cp.epoch >= 2 && cp.epoch < 12, `checkpoint at epoch ${cp.epoch}`);
  const handedBack = (await store.trial(trial.id))!;
  assert.ok(Date.parse(handedBack.leaseUntil!) <= Date.now() + 5, 'the claim was handed back');
  // The second attempt: its planner is done, so the worker ends when the queue is empty.
  await store.setStudyState(study.id, 'done');
  const lines: string[] = [];
  const second = await runWorker({
    store,
    threads: 1,
    leaseMs: 5000,
    pollMs: 50,
    log: (l) => lines.push(l),
  });
  assert.deepEqual(second, { finished: 1, failed: 0, lost: 0 });
  assert.ok(
    lines.some((l) => /^claimed resume baseline seed 0 \(attempt 2, from epoch \d+\)$/.test(l)),
    lines.join('\n'),
  );
  const resumed = (await store.trial(trial.id))!;
  assert.equal(resumed.state, 'done');
  assert.equal(resumed.attempts, 2);
  assert.ok((resumed.result as { resumedAt: number }).resumedAt >= 2);
  const epochs = await store.epochs(trial.id);
  assert.deepEqual(
    epochs.map((e) => e.epoch),
    Array.from({ length: 12 }, (_, i) => i),
  );
  assert.equal(await store.checkpoint(trial.id), null, 'dropped once the trial finished');
  // The same trial run whole, in another study: the same numbers.
  const whole = await queued(store, 'whole');
  await store.setStudyState(whole.study.id, 'done');
  await runWorker({ store, threads: 1, leaseMs: 5000, pollMs: 50 });
  const reference = (await store.trial(whole.trial.id))!;
  // Scores exactly; losses to float rounding (a sum's order may differ from run to run).
  const { test_loss: loss, ...scores } = resumed.metrics!;
  const { test_loss: refLoss, ...refScores } = reference.metrics!;
  assert.deepEqual(scores, refScores);
  assert.ok(Math.abs(loss - refLoss) < 1e-5 * refLoss, `${loss} vs ${refLoss}`);
  const refEpochs = await store.epochs(whole.trial.id);
  epochs.forEach((e, i) => {
    const ref = refEpochs[i].trainLoss;
    assert.ok(
      Math.abs(e.trainLoss - ref) < 1e-5 * Math.abs(ref),
      `epoch ${i}: ${e.trainLoss} vs ${ref}`,
    );
  });
});

test('a worker whose renewal is refused (the planner set the trial aside) stops it and writes nothing', async (t) => {
  const store = await openStore(join(tempDir(t), 'b.db'));
  t.after(() => store.close());
  // The runner tests' stand-in worker: m1's seeds from 6 on take 400 ms.
  const config = { ...STUDY.arms[0].config };
  const { study } = await queued(store, 'aside', 'm1-set', config);
  const arm = (await store.arms(study.id))[0];
  const trial = await store.ensureTrial(arm.id, 6, { priority: 5 }); // claimed before seed 0
  const stop = new AbortController();
  const lines: string[] = [];
  const running = runWorker({
    store,
    threads: 1,
    leaseMs: 90,
    studyId: study.id,
    signal: stop.signal,
    pollMs: 20,
    workerUrl: new URL('../fixture-trial-worker.js', import.meta.url),
    log: (l) => lines.push(l),
  });
  for (let i = 0; i < 200 && (await store.trial(trial.id))!.state !== 'running'; i++)
    await sleep(10);
  await store.requeueTrial(trial.id);
  await store.dropQueued(study.id); // and nothing left for the worker to take again
  for (let i = 0; i < 200 && !lines.some((l) => l.startsWith('lost ')); i++) await sleep(10);
  stop.abort();
  const summary = await running;
  assert.equal(summary.lost, 1, lines.join('\n'));
  assert.equal(summary.finished, 0);
  const trials = await store.trials(study.id);
  // Both trials were queued when dropped: the seed-0 one and the set-aside one.
  assert.ok(
    trials.every((x) => x.state !== 'done'),
    JSON.stringify(trials),
  );
});
