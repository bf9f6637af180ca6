import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlanOptions } from '../planner.js';
import { calibrate, detectableInSd } from './calibration.js';

const plan: PlanOptions = {
  minSeeds: 3,
  maxSeeds: 8,
  delta: 0.5,
  rule: 'spending',
  alpha: 0.05,
  resolution: 0.5,
  minDecisive: 6,
};

test('detectable effect: none before 6 seeds, shrinking with more seeds', () => {
  assert.equal(detectableInSd({ ...plan, maxSeeds: 5 }), null);
  const six = detectableInSd({ ...plan, maxSeeds: 6 })!;
  const twelve = detectableInSd({ ...plan, maxSeeds: 12 })!;
  // A fixed 6-seed t test needs ~1.4 sd at 80% power (two-sided 5%); 12 seeds ~0.9.
  assert.ok(six > 1.2 && six < 1.9, String(six));
  assert.ok(twelve < six && twelve > 0.7, String(twelve));
});

test('calibration from baseline trials: spread, detectable effects, A/A rate, suggestions', () => {
  // Ten baseline trials on a 200-example test split (multiples of 0.5 points).
  const scores = [0.9, 0.91, 0.895, 0.92, 0.905, 0.9, 0.915, 0.91, 0.89, 0.9].map((s) => s);
  const c = calibrate(scores, plan, { largestBudget: 12, aaStudies: 1000 });
  assert.equal(c.trials, 10);
  assert.ok(Math.abs(c.spread - 0.91) < 0.05, String(c.spread));
  assert.ok(Math.abs(c.differenceSpread - Math.SQRT2 * c.spread) < 1e-12);
  assert.deepEqual(
    c.detectable.map((d) => d.seeds),
    [3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  );
  assert.equal(c.detectable[0].effect, null);
  // Resampled from ten tied, discrete trials: near the rule's 5%, not above it by much.
  assert.ok(c.falseVerdictRate <= 0.08, String(c.falseVerdictRate));
  // delta 0.5 is below what 8 seeds detect (~1.2 sd of 1.3 points): suggestions say so.
  assert.ok(c.suggested.delta! > 0.5, String(c.suggested.delta));
  assert.equal(c.suggested.maxSeeds, null);
  assert.throws(() => calibrate([0.9, 0.9], plan), /at least 3 baseline trials, got 2/);
});
