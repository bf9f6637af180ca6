import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStudy } from './load.js';

const study = (measures: string) =>
  parseStudy(`name: sweep
data: { source: mnist, limit: 100 }
model: { name: mlp }
training: { epochs: 1 }
measures:
${measures}`);

const arms = (measures: string) =>
  study(measures)
    .arms.slice(1)
    .map((a) => `${a.id} | ${a.label} | ${JSON.stringify(a.sweep?.value ?? null)}`);

test('a list where a measure takes one value becomes one arm per value, labelled by it', () => {
  assert.deepEqual(arms('  - dropout: { rate: [0.1, 0.3, 0.5], where: head }\n'), [
    'm1-dropout-v1 | dropout rate 0.1 | 0.1',
    'm1-dropout-v2 | dropout rate 0.3 | 0.3',
    'm1-dropout-v3 | dropout rate 0.5 | 0.5',
  ]);
  assert.deepEqual(arms('  - lrSchedule: { name: step, stepSize: 8, gamma: [0.2, 0.4] }\n'), [
    'm1-lrSchedule-v1 | lrSchedule gamma 0.2 | 0.2',
    'm1-lrSchedule-v2 | lrSchedule gamma 0.4 | 0.4',
  ]);
  assert.deepEqual(arms('  - classWeights: [balanced, effective]\n'), [
    'm1-classWeights-v1 | classWeights balanced | "balanced"',
    'm1-classWeights-v2 | classWeights effective | "effective"',
  ]);
  assert.deepEqual(arms('  - label: head\n    extraDense: [[128], [256, 128]]\n'), [
    'm1-extraDense-v1 | head [128] | [128]',
    'm1-extraDense-v2 | head [256, 128] | [256,128]',
  ]);
  // Each arm trains its own value and nothing else.
  const s = study('  - dropout: { rate: [0.1, 0.3], where: head }\n');
  assert.deepEqual(s.arms[2].config.model.dropout, { rate: 0.3, where: 'head' });
  assert.equal(s.arms[0].config.model.dropout, undefined);
});

test('a list the measure takes as one value is no sweep: layers, manual weights, milestones', () => {
  assert.deepEqual(arms('  - extraDense: [256, 128]\n'), [
    'm1-extraDense | extraDense [256, 128] | null',
  ]);
  assert.deepEqual(arms('  - classWeights: [1, 3]\n'), [
    'm1-classWeights | classWeights [1, 3] | null',
  ]);
  assert.equal(arms('  - lrSchedule: { name: multistep, milestones: [1, 2] }\n').length, 1);
});

test("each swept value is checked by the measure's own schema; a bad one is named by its index", () => {
  assert.throws(
    () => study('  - dropout: { rate: [0.1, 1.5], where: head }\n'),
    /measures\[0\]\.dropout\.rate\[1\]: expected a number in \[0, 1\), got 1\.5/,
  );
  assert.throws(
    () => study('  - classWeights: [balanced, bogus]\n'),
    /measures\[0\]\.classWeights\[1\]: expected one of .* got "bogus"/,
  );
  assert.throws(
    () => study('  - dropout: { rate: 0.5, where: head }\n    confirm: true\n'),
    /measures\[0\]\.confirm: confirm is for a sweep/,
  );
  const confirmed = study('  - dropout: { rate: [0.2, 0.4], where: head }\n    confirm: true\n');
  assert.ok(confirmed.arms.slice(1).every((a) => a.sweep?.confirm === true));
});
