import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeDiff, diffStudy } from './study-diff.js';

const arm = (key: string, label: string, lr: number) => ({
  key,
  label,
  config: { data: { source: 'mnist' }, model: { name: 'mlp' }, training: { lr } },
});

test('arms are matched by their settings first, then by label; the rest are added or removed', () => {
  const stored = [
    arm('baseline', 'baseline', 1),
    arm('m1-a', 'a', 2),
    arm('m2-b', 'b', 3),
    arm('m3-c', 'c', 4),
    arm('control', 'control', 1),
  ];
  const next = [
    arm('baseline', 'baseline', 1),
    arm('m1-b', 'bee', 3),
    arm('m2-a', 'a', 5),
    arm('m3-d', 'd', 6),
  ];
  const diff = diffStudy(
    { seeds: { minSeeds: 3, maxSeeds: 6 } },
    stored,
    { seeds: { minSeeds: 3, maxSeeds: 6 }, delta: 1 },
    next,
  );
  assert.deepEqual(diff.unchanged, ['baseline']);
  assert.deepEqual(diff.renamed, [['b', 'bee']]);
  assert.deepEqual(diff.changed, ['a']);
  assert.deepEqual(diff.added, ['d']);
  assert.deepEqual(diff.removed, ['c']);
  assert.equal(diff.seeds, null);
  assert.deepEqual(describeDiff(diff), [
    'arms added: "d"',
    'arms removed: "c"',
    'arms changed (retrain): "a"',
    'arms relabelled or moved (kept): "b" -> "bee"',
    'delta: 0.5 -> 1 (verdicts re-read)',
  ]);
  assert.deepEqual(describeDiff(diffStudy({}, stored.slice(0, 1), {}, next.slice(0, 1))), [
    'no arm, seed, metric or delta changed (other settings only)',
  ]);
});
