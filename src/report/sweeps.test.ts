import assert from 'node:assert/strict';
import { test } from 'node:test';
import { doseResponseSpec } from './charts/dose-response.js';
import { sweepGroups, sweepNotes } from './sweeps.js';
import { renderSvg } from './vega-render.js';
import type { VerdictLine } from './verdict-rows.js';

const line = (arm: string, label: string, effect: number, verdict: string): VerdictLine => ({
  arm,
  label,
  kind: 'dropout',
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

const settings = (confirm: boolean) => ({
  measures: [
    { classWeights: 'balanced' },
    {
      dropout: { rate: [0.1, 0.3, 0.5], where: 'head' },
      sweep: {
        at: ['rate'],
        values: [0.1, 0.3, 0.5].map((rate) => ({ rate, where: 'head' })),
        ...(confirm ? { confirm: true } : {}),
      },
    },
  ],
});
const lines = [
  line('m1-classWeights', 'classWeights balanced', 1, 'unstable'),
  line('m2-dropout-v1', 'dropout rate 0.1', 0.2, 'ineffective'),
  line('m2-dropout-v2', 'dropout rate 0.3', 2.5, 'effective'),
  line('m2-dropout-v3', 'dropout rate 0.5', 1.8, 'effective'),
];

test('a sweep reads back with its values; the notes say which are effective and that the best is biased', () => {
  const groups = sweepGroups(settings(false), lines);
  assert.equal(groups.length, 1);
  assert.deepEqual(
    groups[0].rows.map((r) => r.value),
    [0.1, 0.3, 0.5],
  );
  assert.deepEqual(sweepNotes(settings(false), lines), [
    'sweep dropout rate (3 values): effective at 0.3, 0.5; best 0.3 (+2.50), but the best of 3 estimates is biased upward',
    '  add confirm: true to the measure to rerun the best value at fresh seeds before calling it',
  ]);
  const confirmed = [
    ...lines,
    line('confirm-m2', 'confirm dropout rate 0.3 (fresh seeds 2000+)', 1.1, 'unstable'),
  ];
  assert.match(
    sweepNotes(settings(true), confirmed)[1],
    /^ {2}confirmed at fresh seeds: confirm dropout rate 0\.3 .*: \+1\.10 \[\+0\.10, \+2\.10\] over 6 seeds, unstable \(the sweep's verdict\)$/,
  );
});

test('the dose-response plot draws one point per value, on a numeric axis for numbers', async () => {
  const rows = sweepGroups(settings(false), lines)[0].rows.map((r) => ({
    value: r.value,
    ...r.line,
  }));
  const svg = await renderSvg(
    doseResponseSpec('dropout rate', rows, 0.5, 'test_balanced_accuracy'),
    {
      id: 'sweep-2',
    },
  );
  assert.equal((svg.match(/aria-label="dropout rate /g) ?? []).length, 3, svg.slice(0, 300));
  const nominal = doseResponseSpec(
    'class weights',
    [{ value: 'balanced', effect: 1, lo: 0, hi: 2, verdict: 'unstable' }],
    0.5,
    'm',
  );
  assert.match(JSON.stringify(nominal), /"type":"ordinal"/);
});
