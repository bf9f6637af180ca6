import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classCounts } from './by-class.js';
import { stratifiedSplit } from './split.js';

/** 3 classes of 100, 50 and 20 samples, interleaved. */
const labels = Int32Array.from({ length: 170 }, (_, i) => (i < 150 ? (i % 3 === 0 ? 1 : 0) : 2));

test('three-way split: disjoint, complete, stratified, seeded', () => {
  const a = stratifiedSplit(labels, { validation: 0.1, test: 0.2 }, 3);
  assert.deepEqual(a, stratifiedSplit(labels, { validation: 0.1, test: 0.2 }, 3));
  const c = stratifiedSplit(labels, { validation: 0.1, test: 0.2 }, 4);
  assert.notDeepEqual(a.validation, c.validation);

  const all = [...a.train, ...a.validation, ...a.test].sort((x, y) => x - y);
  assert.deepEqual(
    all,
    Array.from({ length: 170 }, (_, i) => i),
  );
  const counts = (part: Int32Array) =>
    classCounts(
      Int32Array.from(part, (i) => labels[i]),
      3,
    );
  assert.deepEqual(classCounts(labels), [100, 50, 20]);
  assert.deepEqual(counts(a.test), [20, 10, 4]);
  assert.deepEqual(counts(a.validation), [10, 5, 2]);
  assert.deepEqual(counts(a.train), [70, 35, 14]);
  for (const part of [a.train, a.validation, a.test]) {
    assert.ok(
      part.every((v, k) => k === 0 || part[k - 1] < v),
      'sorted, no repeats',
    );
  }
});

test('adding a validation part leaves the test part as the two-way split had it', () => {
  const two = stratifiedSplit(labels, 0.2, 9);
  const three = stratifiedSplit(labels, { validation: 0.15, test: 0.2 }, 9);
  assert.deepEqual(three.test, two.test);
  assert.equal(Object.keys(two).length, 2);
});

test('fractions are checked', () => {
  assert.throws(
    () => stratifiedSplit(labels, { test: 1.5 }, 1),
    /split\.test: expected a fraction in \[0, 1\], got 1\.5/,
  );
  assert.throws(
    () => stratifiedSplit(labels, { validation: 0.6, test: 0.5 }, 1),
    /split: expected validation \+ test <= 1/,
  );
  assert.throws(() => stratifiedSplit(labels, Number.NaN, 1), /testFraction/);
});
