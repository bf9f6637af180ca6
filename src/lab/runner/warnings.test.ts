import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStudy } from '../config/load.js';
import { boundWarning, planWarnings, pointsPerExample, resolutionWarning } from './warnings.js';

test('one test example in points: 100/N for accuracy, 100/(k * largest class) for balanced accuracy', () => {
  assert.equal(pointsPerExample('test_accuracy', [10, 20]), 100 / 30);
  assert.equal(pointsPerExample('test_balanced_accuracy', [10, 20, 0]), 100 / (2 * 20));
  assert.equal(resolutionWarning('test_balanced_accuracy', 0.5, [100, 100, 100, 100]), null);
  assert.equal(
    resolutionWarning('test_accuracy', 0.5, [10, 20]),
    'the test split has 30 example(s): one example moves test_accuracy by 3.33 points or more, ' +
      'against delta 0.5; effects smaller than one example are not measured (more test data, or a larger delta)',
  );
});

test('a baseline at its ceiling or at chance is named; anything between is not', () => {
  assert.match(
    boundWarning('test_accuracy', [1, 1, 1], 10) ?? '',
    /^the baseline scores 100.00% test_accuracy at every seed: the metric is at its ceiling/,
  );
  assert.match(
    boundWarning('test_balanced_accuracy', [0.1, 0.05], 10) ?? '',
    /^the baseline scores 10.00% test_balanced_accuracy or less at every seed, chance level \(10.00%\)/,
  );
  assert.equal(boundWarning('test_accuracy', [1, 0.99], 10), null);
  assert.equal(boundWarning('test_accuracy', [], 10), null);
});

test('measures equal to the baseline or to each other, whatever their keys order', () => {
  const loaded = parseStudy(`
name: dup
data: { source: mnist }
model: { name: mlp }
training: { epochs: 1, batchSize: 16 }
measures:
  - label: a
    dropout: { rate: 0.5, where: head }
  - label: b
    dropout: { where: head, rate: 0.5 }
  - label: c
    set: { training.batchSize: 16 }
  - set: { training.batchSize: 8 }
`);
  assert.deepEqual(planWarnings(loaded.arms), [
    'measures "a" (m1-dropout) and "b" (m2-dropout) give the same settings: one is a duplicate',
    `measure "c" (m3-set) changes nothing: its settings equal the baseline's`,
  ]);
});
