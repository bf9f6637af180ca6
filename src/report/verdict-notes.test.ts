import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verdictNotes } from './verdict-notes.js';
import { controlWarning, splitControl, type VerdictLine } from './verdict-rows.js';
import { verdictTable } from './verdict-table.js';

const measures = Array.from({ length: 10 }, () => ({}));
const rule = {
  intervals: 'spending',
  errorRate: 'per-measure',
  control: true,
  alpha: 0.05,
} as const;

const line = (arm: string, kind: string, verdict: string, d: number[]): VerdictLine => ({
  arm,
  label: arm,
  kind,
  verdict,
  effect: d.reduce((a, b) => a + b, 0) / d.length,
  lo: -1,
  hi: 1,
  seeds: d.length,
  metric: 'test_balanced_accuracy',
  timeRatio: 1,
  parameters: 10,
  epochsToBaseline: 1,
  trials: d.map((x, seed) => ({ seed, state: 'done', score: 0.5 + x / 100, baseline: 0.5 })),
});

test('a study stored before rules keeps its per-look sentence, plus the family figure', () => {
  const notes = verdictNotes({ seeds: { minSeeds: 3, maxSeeds: 8 }, measures });
  assert.match(notes[0], /^intervals: 95% at each of up to 6 looks \(3-8 seeds\)/);
  // Per-look's own ~15% per measure: most studies of ten nulls have a false verdict.
  assert.match(
    notes[1],
    /^family: 10 measures at 1[45]% each: .* [78]\d% of the time \(1\.[45]\d expected\)/,
  );
});

test('the default rule: its error, power, family figure, what the intervals cover', () => {
  const stored = { seeds: { minSeeds: 3, maxSeeds: 8 }, measures, verdictRule: rule };
  const notes = verdictNotes(stored);
  assert.match(
    notes[0],
    /^intervals: O'Brien-Fleming alpha spending over looks at 6-8 seeds, none decisive before 6; .* at most 5% .*; power \d+% to call an effect of one seed-to-seed sd/,
  );
  assert.match(
    notes[1],
    /^family: 10 measures at 5% each: .* 40% of the time \(0\.50 expected\); errorRate: per-study/,
  );
  assert.match(notes[2], /^covers: seed-to-seed training randomness .* fixed split/);
  // A split drawn per seed: the intervals cover which examples landed in the test split too.
  const perSeed = verdictNotes({ ...stored, data: { split: { vary: 'per-seed' } } });
  assert.match(perSeed[2], /^covers: .* and which examples landed in the test split/);
  assert.doesNotMatch(perSeed[2], /not in the intervals/);
  const holm = verdictNotes({ ...stored, verdictRule: { ...rule, errorRate: 'per-study' } });
  assert.match(holm[1], /Holm step-down .* at most 5% of the time/);
  // With a control: the smallest effect detectable at its spread.
  const control = line('control', 'control', 'unstable', [1, -1, 0.5, -0.5, 1, -1, 0, 0]);
  const withControl = verdictNotes(stored, [control]);
  assert.match(
    withControl[3],
    /^detectable: at the control's spread \(0\.80 pts between seeds\), this study calls effects of \d\.\d\d pts at 80% power by 8 seeds/,
  );
});

test('the control is shown apart, and loudly when it ends decisive', () => {
  const m = line('m1', 'dropout', 'effective', [2, 2, 2]);
  const quiet = line('control', 'control', 'unstable', [0, 1, -1]);
  const loud = { ...quiet, verdict: 'harmful' };
  assert.deepEqual(splitControl([m, quiet]).measures, [m]);
  assert.equal(controlWarning(quiet), null);
  assert.match(controlWarning(loud)!, /^WARNING: the negative control .* ended harmful/);
  const table = verdictTable([m, loud]);
  assert.match(table, /\ncontrol: .* over 3 seeds, harmful \(the noise floor/);
  assert.match(table, /\nWARNING: the negative control/);
  // The control is not a row of the table.
  assert.doesNotMatch(table, /^control +[+-]/m);
});
