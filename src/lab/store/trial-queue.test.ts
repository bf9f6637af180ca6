import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { StoreError } from './errors.js';
import { openStore } from './sqlite-store.js';
import { smallStudy, tempDir } from './test-helpers.js';

test('requeueTrial sets one running trial aside; finished trials are refused', (t) => {
  const store = openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const { study, baseline, arm } = smallStudy(store);
  const [a, b, c] = [
    store.ensureTrial(baseline.id, 0),
    store.ensureTrial(arm.id, 0),
    store.ensureTrial(arm.id, 1),
  ];
  for (const x of [a, b, c]) store.markRunning(x.id);
  store.finishTrial(c.id, {
    state: 'done',
    seconds: 1,
    metrics: { test_accuracy: 0.9 },
    result: null,
    error: null,
    epochs: [],
  });
  store.requeueTrial(b.id);
  const states = () => store.trials(study.id).map((x) => `${x.armKey}/${x.seed}:${x.state}`);
  assert.deepEqual(states(), ['baseline/0:running', 'm1-dropout/0:queued', 'm1-dropout/1:done']);
  assert.equal(store.trial(b.id)!.startedAt, null);
  assert.throws(() => store.requeueTrial(c.id), StoreError);
  assert.throws(() => store.requeueTrial(9999), StoreError);
  assert.equal(store.trial(c.id)!.state, 'done');
});

test('dropQueued removes only the study’s queued trials', (t) => {
  const store = openStore(join(tempDir(t), 'a.db'));
  t.after(() => store.close());
  const one = smallStudy(store, 'one');
  const two = smallStudy(store, 'two');
  store.ensureTrial(one.arm.id, 0);
  store.ensureTrial(one.arm.id, 1);
  store.markRunning(store.ensureTrial(one.baseline.id, 0).id);
  store.ensureTrial(two.arm.id, 0);
  assert.equal(store.dropQueued(one.study.id), 2);
  assert.deepEqual(
    store.trials(one.study.id).map((x) => `${x.armKey}/${x.seed}:${x.state}`),
    ['baseline/0:running'],
  );
  assert.equal(store.trials(two.study.id).length, 1);
  assert.equal(store.dropQueued(one.study.id), 0);
});
