import assert from 'node:assert/strict';
import { test } from 'node:test';
import { armCost, timeNote } from './cost.js';

type Trial = Parameters<typeof armCost>[0][number];

const trial = (seed: number, seconds: number, cpuSeconds?: number | null): Trial =>
  ({
    id: seed,
    armId: 1,
    seed,
    state: 'done',
    seconds,
    metrics: { test_balanced_accuracy: 0.9 },
    result: { parameters: 10, ...(cpuSeconds === undefined ? {} : { cpuSeconds }) },
    epochs: [],
  }) as unknown as Trial;

test('the time ratio is of thread CPU time when every trial has it: wall-clock load does not move it', () => {
  // The arm's trials ran on a busy machine (wall 2x), their CPU time the baseline's.
  const arm = [trial(0, 20, 10), trial(1, 22, 10.2)];
  const baseline = [trial(0, 10, 10), trial(1, 11, 10.2)];
  const cost = armCost(arm, baseline, 'test_balanced_accuracy');
  assert.equal(cost.timeSource, 'cpu');
  assert.equal(cost.timeRatio, 1);
  assert.ok(cost.timeSpread! < 0.02);
  // One trial without a CPU time (an older run, or tfjs-node): wall time for all, alike.
  const mixed = armCost([trial(0, 20, null), trial(1, 22, 10)], baseline, 'test_balanced_accuracy');
  assert.equal(mixed.timeSource, 'wall');
  assert.equal(mixed.timeRatio, 21 / 10.5);
});

test('a large spread of trial times within an arm gets a note; a small one none', () => {
  const steady = armCost(
    [trial(0, 10, 10), trial(1, 10, 10.1)],
    [trial(0, 10, 10), trial(1, 10, 10)],
    'x',
  );
  assert.equal(timeNote([{ label: 'steady', cost: steady }]), null);
  const swinging = armCost(
    [trial(0, 10, 5), trial(1, 10, 10)],
    [trial(0, 10, 10), trial(1, 10, 10)],
    'x',
  );
  assert.equal(
    timeNote([
      { label: 'steady', cost: steady },
      { label: 'swinging', cost: swinging },
      { label: 'no cost', cost: undefined },
    ]),
    'time: trials of one arm differ by up to 47% in thread CPU time (coefficient of variation, ' +
      '"swinging" or its baseline seeds): a time ratio closer to 1x than that is noise',
  );
});
