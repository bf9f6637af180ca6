import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ArmRow } from '../lab/store/store.js';
import { verdictDiff, verdictDiffTable } from './verdict-diff.js';
import type { VerdictLine } from './verdict-rows.js';

const arm = (key: string, measure: unknown): ArmRow => ({
  id: 0,
  studyId: 0,
  key,
  label: key,
  kind: 'k',
  position: 0,
  measure,
  config: {},
});
const line = (armKey: string, label: string, effect: number, verdict: string): VerdictLine => ({
  arm: armKey,
  label,
  kind: 'k',
  verdict,
  effect,
  lo: effect - 1,
  hi: effect + 1,
  seeds: 6,
  metric: 'test_balanced_accuracy',
  timeRatio: null,
  parameters: null,
  epochsToBaseline: null,
  trials: [],
});

test('measures meet by what they switch on, whatever their labels and positions', () => {
  const armsA = [
    arm('m1-dropout', { dropout: { rate: 0.5, where: 'head' }, label: 'dropout half' }),
    arm('m2-classWeights', { classWeights: 'balanced' }),
    arm('control', null),
  ];
  const armsB = [
    arm('m1-classWeights', { label: 'weights', classWeights: 'balanced' }),
    arm('m2-dropout', { dropout: { where: 'head', rate: 0.5 } }),
    arm('m3-extraDense', { extraDense: [64] }),
  ];
  const rows = verdictDiff(
    armsA,
    [
      line('m1-dropout', 'dropout half', -2, 'harmful'),
      line('m2-classWeights', 'cw', 1, 'unstable'),
      line('control', 'control', 0, 'unstable'),
    ],
    armsB,
    [
      line('m1-classWeights', 'weights', 1.5, 'effective'),
      line('m2-dropout', 'd', -1, 'unstable'),
      line('m3-extraDense', 'dense', 0, 'ineffective'),
    ],
  );
  assert.deepEqual(
    rows.map((r) => [r.label, r.a?.effect ?? null, r.b?.effect ?? null]),
    [
      ['dropout half', -2, -1],
      ['cw', 1, 1.5],
      ['dense', null, 0],
    ],
  );
  const table = verdictDiffTable(rows, 'first', 'second');
  assert.match(table, /^measure\s+first\s+second$/m);
  assert.match(
    table,
    /dropout half\s+-2\.00 \[-3\.00, -1\.00\] 6 seeds harmful\s+-1\.00 \[-2\.00, \+0\.00\] 6 seeds unstable/,
  );
  assert.match(table, /dense\s+—\s+\+0\.00/);
});
