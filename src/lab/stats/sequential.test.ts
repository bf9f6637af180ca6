import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sequentialStatus } from '../planner.js';
import { falseVerdictRate, repeatedLevel } from './sequential.js';

test('one look: the per-look level is the overall level, and a 95% interval is wrong 5% of the time', () => {
  assert.equal(repeatedLevel(3, 3), 0.95);
  assert.ok(Math.abs(falseVerdictRate(3, 3, 0.05) - 0.05) < 0.003);
  assert.ok(Math.abs(falseVerdictRate(5, 5, 0.01) - 0.01) < 0.002);
});

test('more looks: a 95% interval at each is wrong more often; repeated intervals hold 5% overall', () => {
  const rates = [5, 6, 8, 10].map((max) => falseVerdictRate(3, max, 0.05));
  for (let i = 1; i < rates.length; i++) assert.ok(rates[i] > rates[i - 1], String(rates));
  // Looks at 3..8 seeds: about 0.147 (an independent simulation with another generator).
  assert.ok(rates[2] > 0.13 && rates[2] < 0.16, String(rates[2]));
  const level = repeatedLevel(3, 8);
  // Between the plain level and Bonferroni's 1 - 0.05 / 6 (which ignores that looks overlap).
  assert.ok(level > 0.98 && level < 1 - 0.05 / 6, String(level));
  assert.ok(Math.abs(falseVerdictRate(3, 8, 1 - level) - 0.05) < 0.001);
  assert.throws(() => repeatedLevel(1, 4), /2 <= minSeeds <= maxSeeds, got 1..4/);
  assert.throws(() => falseVerdictRate(5, 4, 0.05), RangeError);
});

test('the sequential rule on a measure with no effect: per-look ~14% decisive verdicts, repeated <= 5%', () => {
  // Another generator than the module's: a Lehmer stream and Box-Muller on its own draws.
  let state = 48271;
  const uniform = () => {
    state = (state * 48271) % 2147483647;
    return state / 2147483647;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.sin(2 * Math.PI * uniform());
  const base = { key: 'baseline', scores: new Map<number, number>(), pending: new Set<number>() };
  for (let s = 0; s < 8; s++) base.scores.set(s, 0.5);
  const plan = { minSeeds: 3, maxSeeds: 8, delta: 0.5 };
  const repeated = { ...plan, level: repeatedLevel(3, 8) };
  const runs = 8000;
  let perLook = 0;
  let overall = 0;
  for (let i = 0; i < runs; i++) {
    // A spread of 5 points: the delta condition hardly ever binds, the intervals decide.
    const scores = new Map<number, number>();
    for (let s = 0; s < 8; s++) scores.set(s, 0.5 + (5 * normal()) / 100);
    const arm = { key: 'm', scores, pending: new Set<number>() };
    const decisive = (v: string) => v === 'effective' || v === 'harmful';
    if (decisive(sequentialStatus(arm, base, plan).verdict)) perLook++;
    if (decisive(sequentialStatus(arm, base, repeated).verdict)) overall++;
  }
  assert.ok(perLook / runs > 0.11 && perLook / runs < 0.18, `per-look ${perLook / runs}`);
  assert.ok(overall / runs < 0.06, `repeated ${overall / runs}`);
});
