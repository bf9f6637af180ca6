import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ArmProgress,
  armStatuses,
  plannedTrials,
  seedSavings,
  speculativeTrials,
} from './planner.js';

const options = { minSeeds: 3, maxSeeds: 5, delta: 0.5 };
const arm = (
  key: string,
  scores: [number, number][],
  pending: number[] = [],
  failed: number[] = [],
): ArmProgress => ({
  key,
  scores: new Map(scores),
  pending: new Set(pending),
  failed: new Set(failed),
});
/** Scores for seeds 0, 1, ... */
const seq = (key: string, values: number[], pending: number[] = []) =>
  arm(
    key,
    values.map((v, i) => [i, v]),
    pending,
  );

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

test('the verdict is the sequential rule’s: seeds finished beyond the decision are not read', () => {
  const base = seq('baseline', [0.9, 0.91, 0.9, 0.9, 0.9]);
  // +5 points on the first three seeds (effective there), then two seeds far below.
  const early = seq('m1', [0.95, 0.96, 0.95, 0.7, 0.7]);
  const [status] = armStatuses([base, early], options);
  assert.equal(status.verdict, 'effective');
  assert.deepEqual(status.effect.seeds, [0, 1, 2]);
  assert.equal(status.waitingFor, null);
  assert.deepEqual(plannedTrials([base, early], options).get('m1'), [0, 1, 2, 3, 4]);
  // An undecided arm is read up to the first seed missing from either side, whatever
  // finished after it.
  const gap = arm('m2', [
    [0, 0.93],
    [1, 0.88],
    [2, 0.92],
    [4, 0.99],
  ]);
  const [open] = armStatuses([base, gap], options);
  assert.equal(open.verdict, 'undecided');
  assert.equal(open.waitingFor, 3);
  assert.deepEqual(open.effect.seeds, [0, 1, 2]);
});

test('a failed trial uses up its seed: the rule skips it, and the budget still ends at maxSeeds', () => {
  const base = seq('baseline', [0.9, 0.91, 0.9, 0.92, 0.9]);
  const noisy = arm(
    'm2',
    [
      [0, 0.93],
      [2, 0.92],
      [3, 0.89],
    ],
    [],
    [1],
  );
  const [status] = armStatuses([base, noisy], options);
  assert.equal(status.verdict, 'undecided');
  assert.equal(status.waitingFor, 4);
  assert.deepEqual(status.effect.seeds, [0, 2, 3]);
  assert.deepEqual(plannedTrials([base, noisy], options).get('m2'), [0, 1, 2, 3, 4]);
  const done = arm('m2', [...noisy.scores, [4, 0.94]], [], [1]);
  const [end] = armStatuses([base, done], options);
  assert.equal(end.verdict, 'unstable');
  assert.equal(end.waitingFor, null);
  assert.equal(end.effect.n, 4);
  assert.deepEqual(speculativeTrials([base, done], options, 2), []);
});

test('speculation: next seeds of undecided arms on idle workers, baseline first, nearest first', () => {
  const base = seq('baseline', [0.9, 0.91, 0.9], [3]);
  const clear = seq('m1', [0.95, 0.96, 0.95]);
  const noisy = seq('m2', [0.93, 0.88, 0.92], [3]); // waiting for seed 3, running
  const wobbly = seq('m3', [0.9, 0.95, 0.86]); // undecided too: needs seed 3
  const arms = [base, clear, noisy, wobbly];
  const planned = plannedTrials(arms, options);
  assert.deepEqual(planned.get('m3'), [0, 1, 2, 3]);
  assert.deepEqual(speculativeTrials(arms, options, 0), []);
  // m3's seed 3 is planned (needed), not speculative; beyond it: seed 4 of the baseline,
  // then of the least settled arm (m3: mean -0.0 points; m2: +0.7).
  assert.deepEqual(speculativeTrials(arms, options, 3, planned), [
    { arm: 'baseline', seed: 4 },
    { arm: 'm3', seed: 4 },
    { arm: 'm2', seed: 4 },
  ]);
  assert.equal(speculativeTrials(arms, options, 10, planned).length, 3, 'nothing past maxSeeds');
  // No undecided arm: nothing to speculate.
  assert.deepEqual(speculativeTrials([seq('baseline', [0.9, 0.91, 0.9]), clear], options, 2), []);
});

test('repeated intervals need stronger evidence: a clear arm at 3 seeds per look is not clear over 6 looks', () => {
  const base = seq('baseline', [0.9, 0.91, 0.9]);
  const arm3 = seq('m1', [0.92, 0.94, 0.94]); // +2, +3, +4: per look effective at 3 seeds
  const perLook = { minSeeds: 3, maxSeeds: 8, delta: 0.5 };
  assert.equal(armStatuses([base, arm3], perLook)[0].verdict, 'effective');
  const [wide] = armStatuses([base, arm3], { ...perLook, level: 0.985 });
  assert.equal(wide.verdict, 'undecided');
  assert.equal(wide.waitingFor, 3);
  assert.ok(wide.effect.lo < 0 && wide.effect.hi > 6, JSON.stringify(wide.effect));
});
