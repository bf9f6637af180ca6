/**
 * The simulation suite: every rule's false-verdict rate and power, for normal, heavy-tailed
 * and skewed noise, at looks 3..8 and 3..12, through the planner's own sequential rule. With
 * 3000 simulated studies per case the standard error of a 5% rate is 0.4 points, so a rule
 * that exceeds its stated rate by a point fails.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { armStatuses, type PlanOptions } from '../planner.js';
import { type IntervalRule, minDecisiveSeeds } from './rules.js';
import { falseVerdictRate } from './sequential.js';
import { noiseSource, simulateRule } from './simulate.js';

const STUDIES = 3000;
const RANGES: [number, number][] = [
  [3, 8],
  [3, 12],
];
const planOf = (rule: IntervalRule, min: number, max: number, delta = 0.5): PlanOptions => ({
  minSeeds: min,
  maxSeeds: max,
  delta,
  rule,
  alpha: 0.05,
  resolution: 0,
  minDecisive: minDecisiveSeeds(0.05),
});

/** What each rule states: 5% over all looks, or per-look's own figure for its looks. */
const stated = (rule: IntervalRule, max: number) =>
  rule === 'per-look' ? falseVerdictRate(minDecisiveSeeds(0.05), max, 0.05) : 0.05;

for (const rule of ['spending', 'repeated', 'per-look'] as const) {
  test(`${rule}: a measure with no effect ends effective or harmful at most at the stated rate`, (t) => {
    for (const [min, max] of RANGES) {
      for (const noise of ['normal', 't3', 'skewed'] as const) {
        const plan = planOf(rule, min, max);
        const out = simulateRule({ plan, noise, effect: 0, sd: 5, studies: STUDIES, seed: 11 });
        const power = simulateRule({ plan, noise, effect: 5, sd: 5, studies: 500, seed: 12 });
        t.diagnostic(
          `${rule} ${min}..${max} ${noise}: false ${(100 * out.decisive).toFixed(1)}% ` +
            `(stated ${(100 * stated(rule, max)).toFixed(1)}%), power at 1 sd ` +
            `${((100 * power.effective) / 500).toFixed(0)}% after ${power.seeds.toFixed(1)} seeds`,
        );
        assert.ok(
          out.decisive <= stated(rule, max) + 0.01,
          `${rule} ${min}..${max} ${noise}: ${out.decisive}`,
        );
      }
    }
  });
}

test('ineffective holds the same error: an effect of exactly delta is called ineffective <= 5%', () => {
  for (const rule of ['spending', 'repeated'] as const)
    for (const [min, max] of RANGES)
      for (const noise of ['normal', 't3', 'skewed'] as const) {
        const plan = planOf(rule, min, max, 2);
        const out = simulateRule({ plan, noise, effect: 2, sd: 1.5, studies: 2000, seed: 13 });
        assert.ok(
          out.ineffective / 2000 <= 0.06,
          `${rule} ${min}..${max} ${noise}: ${out.ineffective}`,
        );
        // And the equivalence is reachable: a null effect is often shown not to matter.
        const none = simulateRule({ plan, noise, effect: 0, sd: 1.5, studies: 300, seed: 14 });
        assert.ok(none.ineffective / 300 > 0.5, `${rule} ${noise}: ${none.ineffective}`);
      }
});

test('spending is more powerful at the last look than repeated, and both beat nothing', () => {
  for (const [min, max] of RANGES) {
    const run = (rule: IntervalRule) =>
      simulateRule({
        plan: planOf(rule, min, max),
        noise: 'normal',
        effect: 3,
        sd: 5,
        studies: 2000,
        seed: 15,
      });
    const spending = run('spending');
    const repeated = run('repeated');
    assert.ok(
      spending.effective > repeated.effective,
      `${spending.effective} vs ${repeated.effective}`,
    );
    assert.ok(spending.effective / 2000 > 0.25, String(spending.effective));
  }
});

test('skewed differences (shape changes, mean does not): reported, within the documented 15%', (t) => {
  for (const [min, max] of RANGES) {
    const out = simulateRule({
      plan: planOf('spending', min, max),
      noise: 'skewed-differences',
      effect: 0,
      sd: 5,
      studies: STUDIES,
      seed: 16,
    });
    t.diagnostic(
      `spending ${min}..${max} skewed differences: false ${(100 * out.decisive).toFixed(1)}%`,
    );
    assert.ok(out.decisive <= 0.15, String(out.decisive));
  }
});

test('per-study (Holm): ten null measures give a false verdict somewhere <= 5%, per-measure ~40%', () => {
  const noise = noiseSource('normal', 17);
  const m = 10;
  const studies = 400;
  let perMeasure = 0;
  let perStudy = 0;
  const plan = planOf('spending', 3, 8);
  const base = {
    key: 'baseline',
    scores: new Map(Array.from({ length: 8 }, (_, s) => [s, 0.5])),
    pending: new Set<number>(),
  };
  for (let i = 0; i < studies; i++) {
    const arms = Array.from({ length: m }, (_, k) => ({
      key: `m${k}`,
      scores: new Map(Array.from({ length: 8 }, (_, s) => [s, 0.5 + (5 * noise()) / 100])),
      pending: new Set<number>(),
    }));
    const wrong = (options: PlanOptions) =>
      armStatuses([base, ...arms], options).some(
        (s) => s.verdict === 'effective' || s.verdict === 'harmful',
      );
    if (wrong(plan)) perMeasure++;
    if (wrong({ ...plan, errorRate: 'per-study' })) perStudy++;
  }
  assert.ok(perMeasure / studies > 0.3, `per-measure ${perMeasure / studies}`);
  assert.ok(perStudy / studies <= 0.07, `per-study ${perStudy / studies}`);
});
