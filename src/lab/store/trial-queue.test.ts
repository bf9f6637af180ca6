import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { StoreError } from './errors.js';
import { openStore } from './open.js';
import { smallStudy, tempDir } from './test-helpers.js';

test('requeueTrial sets one running trial aside; finished trials are refused', async (t) => {
  const store = await openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const { study, baseline, arm } = await smallStudy(store);
  const [a, b, c] = [
    await store.ensureTrial(baseline.id, 0),
    await store.ensureTrial(arm.id, 0),
    await store.ensureTrial(arm.id, 1),
  ];
  for (const x of [a, b, c]) await store.markRunning(x.id);
  await store.finishTrial(c.id, {
    state: 'done',
    seconds: 1,
    metrics: { test_accuracy: 0.9 },
    result: null,
    error: null,
    epochs: [],
  });
  await store.requeueTrial(b.id);
  const states = async () =>
    (await store.trials(study.id)).map((x) => `${x.armKey}/${x.seed}:${x.state}`);
  assert.deepEqual(await states(), [
    'baseline/0:running',
    'm1-dropout/0:queued',
    'm1-dropout/1:done',
  ]);
  assert.equal((await store.trial(b.id))!.startedAt, null);
  await assert.rejects(async () => await store.requeueTrial(c.id), StoreError);
  await assert.rejects(async () => await store.requeueTrial(9999), StoreError);
  assert.equal((await store.trial(c.id))!.state, 'done');
});

test('dropQueued removes only the study’s queued trials', async (t) => {
  const store = await openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const one = await smallStudy(store, 'one');
  const two = await smallStudy(store, 'two');
  await store.ensureTrial(one.arm.id, 0);
  await store.ensureTrial(one.arm.id, 1);
  await store.markRunning((await store.ensureTrial(one.baseline.id, 0)).id);
  await store.ensureTrial(two.arm.id, 0);
  assert.equal(await store.dropQueued(one.study.id), 2);
  assert.deepEqual(
    (await store.trials(one.study.id)).map((x) => `${x.armKey}/${x.seed}:${x.state}`),
    ['baseline/0:running'],
  );
  assert.equal((await store.trials(two.study.id)).length, 1);
  assert.equal(await store.dropQueued(one.study.id), 0);
});
