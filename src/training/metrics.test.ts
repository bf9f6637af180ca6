import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { relativeError } from '../testing/compare.js';
import { type ClassificationMetrics, classificationMetrics } from './metrics.js';

/** Written by test/fixtures/training/make_fixtures.py (scikit-learn 1.2). */
function fixture<T>(name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../../test/fixtures/training/${name}`, import.meta.url), 'utf8'),
  ) as T;
}

type Case = ClassificationMetrics & {
  name: string;
  classes: number;
  yTrue: number[];
  yPred: number[];
};

test('hand-made: a small imbalanced case', () => {
  // 6 of class 0, 2 of class 1, 1 of class 2 (never predicted); class 3 absent everywhere.
  const yTrue = [0, 0, 0, 0, 0, 0, 1, 1, 2];
  const yPred = [0, 0, 0, 0, 0, 1, 1, 0, 0];
  const m = classificationMetrics(yTrue, yPred, 4);
  assert.deepEqual(m.confusion, [
    [5, 1, 0, 0],
    [1, 1, 0, 0],
    [1, 0, 0, 0],
    [0, 0, 0, 0],
  ]);
  assert.deepEqual(m.support, [6, 2, 1, 0]);
  assert.equal(m.accuracy, 6 / 9);
  assert.deepEqual(m.precision, [5 / 7, 1 / 2, 0, 0]);
  assert.deepEqual(m.recall, [5 / 6, 1 / 2, 0, 0]);
  const f0 = (2 * (5 / 7) * (5 / 6)) / (5 / 7 + 5 / 6);
  assert.ok(Math.abs(m.f1[0] - f0) < 1e-15);
  assert.equal(m.f1[1], 0.5);
  assert.deepEqual(m.f1.slice(2), [0, 0]);
  // balanced accuracy over the classes in yTrue (0, 1, 2), not class 3
  assert.ok(Math.abs(m.balancedAccuracy - (5 / 6 + 1 / 2 + 0) / 3) < 1e-15);
  // macro-F1 over the classes in yTrue or yPred (0, 1, 2)
  assert.ok(Math.abs(m.macroF1 - (f0 + 0.5 + 0) / 3) < 1e-15);
  // the majority-class predictor: accuracy high, balanced accuracy at chance
  const majority = classificationMetrics(yTrue, new Array(9).fill(0), 3);
  assert.equal(majority.accuracy, 6 / 9);
  assert.equal(majority.balancedAccuracy, 1 / 3);
});

test('equals scikit-learn (accuracy, balanced accuracy, macro-F1, per class, confusion)', () => {
  const { cases } = fixture<{ cases: Case[] }>('metrics.json');
  for (const c of cases) {
    const m = classificationMetrics(Int32Array.from(c.yTrue), c.yPred, c.classes);
    for (const key of ['accuracy', 'balancedAccuracy', 'macroF1'] as const) {
      assert.ok(Math.abs(m[key] - c[key]) < 1e-12, `${c.name}: ${key} ${m[key]} vs ${c[key]}`);
    }
    for (const key of ['precision', 'recall', 'f1'] as const) {
      assert.ok(relativeError(m[key], c[key]) < 1e-12, `${c.name}: ${key} ${m[key]} vs ${c[key]}`);
    }
    assert.deepEqual(m.support, c.support, c.name);
    assert.deepEqual(m.confusion, c.confusion, c.name);
  }
});

test('empty input gives NaN rates, not 0', () => {
  const m = classificationMetrics([], [], 3);
  assert.ok(
    Number.isNaN(m.accuracy) && Number.isNaN(m.balancedAccuracy) && Number.isNaN(m.macroF1),
  );
  assert.deepEqual(m.support, [0, 0, 0]);
});

test('bad input: ConfigError naming the field and the value', () => {
  assert.throws(
    () => classificationMetrics([0, 1], [0], 2),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message === 'yPred: expected 2 predictions (one per true label), got 1',
  );
  assert.throws(
    () => classificationMetrics([0, 2], [0, 1], 2),
    (e: unknown) =>
      e instanceof ConfigError && e.message === 'yTrue[1]: expected a class index in [0, 2), got 2',
  );
  assert.throws(() => classificationMetrics([0], [-1], 2), ConfigError);
  assert.throws(() => classificationMetrics([0], [0], 0), ConfigError);
});
