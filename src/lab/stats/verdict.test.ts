import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tCdf, tQuantile } from './t-distribution.js';
import { classify, effectOf, pairedDifferences, verdictFor } from './verdict.js';

test('t quantiles match the tables', () => {
  const table: [number, number][] = [
    [1, 12.706204736],
    [2, 4.30265273],
    [4, 2.776445105],
    [5, 2.570581836],
    [10, 2.228138852],
    [30, 2.042272456],
    [1000, 1.962339081],
  ];
  for (const [df, t] of table) assert.ok(Math.abs(tQuantile(0.975, df) - t) < 1e-6, `df ${df}`);
  assert.ok(Math.abs(tCdf(0, 7) - 0.5) < 1e-12);
  assert.ok(Math.abs(tCdf(-2.570581836, 5) - 0.025) < 1e-8);
});

const pairs = (arm: number[], base: number[]) =>
  pairedDifferences(new Map(arm.map((v, i) => [i, v])), new Map(base.map((v, i) => [i, v])));

test('paired differences use only the seeds both arms ran, in points', () => {
  const p = pairedDifferences(
    new Map([
      [1, 0.9],
      [2, 0.8],
      [5, 0.7],
    ]),
    new Map([
      [2, 0.75],
      [1, 0.85],
      [3, 0.5],
    ]),
  );
  assert.deepEqual(p.seeds, [1, 2]);
  assert.ok(Math.abs(p.differences[0] - 5) < 1e-9 && Math.abs(p.differences[1] - 5) < 1e-9);
});

test('the 95% interval by hand: d = [1, 2, 3]', () => {
  const e = effectOf({ seeds: [0, 1, 2], differences: [1, 2, 3] });
  // mean 2, sd 1, se 1/sqrt(3), t(0.975, 2) = 4.3027
  assert.equal(e.mean, 2);
  assert.equal(e.sd, 1);
  assert.ok(Math.abs(e.lo - (2 - 4.30265273 / Math.sqrt(3))) < 1e-7);
  assert.ok(Math.abs(e.hi - (2 + 4.30265273 / Math.sqrt(3))) < 1e-7);
});

test('each verdict is reached', () => {
  const base = [0.9, 0.91, 0.9, 0.92];
  const plus = (x: number) => base.map((b, i) => b + x + (i % 2 ? 0.001 : -0.001));
  assert.equal(
    verdictFor(pairs(plus(0.02), base), { delta: 0.5, budgetSpent: false }).verdict,
    'effective',
  );
  assert.equal(
    verdictFor(pairs(plus(-0.02), base), { delta: 0.5, budgetSpent: false }).verdict,
    'harmful',
  );
  assert.equal(
    verdictFor(pairs(plus(0.0005), base), { delta: 0.5, budgetSpent: false }).verdict,
    'ineffective',
  );
  const noisy = base.map((b, i) => b + (i % 2 ? 0.03 : -0.025));
  assert.equal(
    verdictFor(pairs(noisy, base), { delta: 0.5, budgetSpent: false }).verdict,
    'undecided',
  );
  assert.equal(
    verdictFor(pairs(noisy, base), { delta: 0.5, budgetSpent: true }).verdict,
    'unstable',
  );
  // A gain known to be below delta is "ineffective"; one that is positive but may or may not
  // reach delta stays open (lo > 0, mean < delta < hi).
  assert.equal(
    verdictFor(pairs(plus(0.003), base), { delta: 0.5, budgetSpent: true }).verdict,
    'ineffective',
  );
  const open = { seeds: [0, 1, 2, 3], differences: [0.3, 0.6, 0.3, 0.6] };
  assert.equal(classify(effectOf(open), 0.5, false), 'undecided');
  assert.equal(classify(effectOf(open), 0.5, true), 'unstable');
  // One seed cannot decide anything.
  assert.equal(classify(effectOf({ seeds: [0], differences: [5] }), 0.5, false), 'undecided');
  // Identical runs: zero variance, shown not to matter.
  assert.equal(
    classify(effectOf({ seeds: [0, 1], differences: [0, 0] }), 0.5, false),
    'ineffective',
  );
});
