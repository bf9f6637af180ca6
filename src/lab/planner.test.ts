import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ArmProgress, armStatuses, plannedTrials, seedSavings } from './planner.js';

const options = { minSeeds: 3, maxSeeds: 5, delta: 0.5 };
const arm = (key: string, scores: [number, number][], pending: number[] = []): ArmProgress => ({
  key,
  scores: new Map(scores),
  pending: new Set(pending),
});

test('every arm starts at minSeeds, all at the same seeds', () => {
  const plan = plannedTrials([arm('baseline', []), arm('m1', []), arm('m2', [])], options);
  assert.deepEqual(
    [...plan],
    [
      ['baseline', [0, 1, 2]],
      ['m1', [0, 1, 2]],
      ['m2', [0, 1, 2]],
    ],
  );
});

test('an undecided arm gets one more seed, and the baseline with it; decided arms stop', () => {
  const base = arm('baseline', [
    [0, 0.9],
    [1, 0.91],
    [2, 0.9],
  ]);
  const clear = arm('m1', [
    [0, 0.95],
    [1, 0.96],
    [2, 0.95],
  ]); // +5 points every seed
  const noisy = arm('m2', [
    [0, 0.93],
    [1, 0.88],
    [2, 0.92],
  ]);
  const plan = plannedTrials([base, clear, noisy], options);
  assert.deepEqual(plan.get('m1'), [0, 1, 2]);
  assert.deepEqual(plan.get('m2'), [0, 1, 2, 3]);
  assert.deepEqual(plan.get('baseline'), [0, 1, 2, 3]);
  const statuses = armStatuses([base, clear, noisy], options);
  assert.deepEqual(
    statuses.map((s) => s.verdict),
    ['effective', 'undecided'],
  );
});

test('no new seed while one is still running; none beyond maxSeeds', () => {
  const base = arm(
    'baseline',
    [
      [0, 0.9],
      [1, 0.91],
      [2, 0.9],
    ],
    [3],
  );
  const noisy = arm(
    'm2',
    [
      [0, 0.93],
      [1, 0.88],
      [2, 0.92],
    ],
    [3],
  );
  assert.deepEqual(plannedTrials([base, noisy], options).get('m2'), [0, 1, 2, 3]);
  const full = (k: string, v: number[]) =>
    arm(
      k,
      v.map((x, i) => [i, x]),
    );
  const b5 = full('baseline', [0.9, 0.91, 0.9, 0.92, 0.9]);
  const n5 = full('m2', [0.93, 0.88, 0.92, 0.89, 0.94]);
  assert.deepEqual(plannedTrials([b5, n5], options).get('m2'), [0, 1, 2, 3, 4]);
  assert.equal(armStatuses([b5, n5], options)[0].verdict, 'unstable');
});

test('savings against maxSeeds everywhere', () => {
  assert.equal(seedSavings(12, 4, 6), 0.5);
  assert.equal(seedSavings(24, 4, 6), 0);
});
