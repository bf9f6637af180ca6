import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadMnistDigits } from './mnist.js';
import { gather, stratifiedSplit } from './subset.js';

test('the bundled digits: 10,000 labelled 28x28 images in [0, 1]', () => {
  const d = loadMnistDigits();
  assert.equal(d.count, 10000);
  assert.equal(d.images.length, 10000 * 784);
  assert.equal(new Set(d.labels).size, 10);
  assert.ok(d.images.every((v) => v >= 0 && v <= 1));
});

test('stratified split keeps class proportions, is disjoint and seeded', () => {
  const d = loadMnistDigits();
  const a = stratifiedSplit(d.labels, 0.2, 1);
  const b = stratifiedSplit(d.labels, 0.2, 1);
  const c = stratifiedSplit(d.labels, 0.2, 2);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.test, c.test);
  assert.equal(a.train.length + a.test.length, d.count);
  const inTest = new Set(a.test);
  assert.ok([...a.train].every((i) => !inTest.has(i)));
  for (let k = 0; k < 10; k++) {
    const all = d.labels.filter((l) => l === k).length;
    const t = [...a.test].filter((i) => d.labels[i] === k).length;
    assert.ok(Math.abs(t - all * 0.2) <= 1, `class ${k}: ${t} of ${all}`);
  }
  const sub = gather(d, a.test.subarray(0, 3));
  assert.equal(sub.count, 3);
  assert.deepEqual(
    [...sub.images.subarray(0, 784)],
    [...d.images.subarray(a.test[0] * 784, a.test[0] * 784 + 784)],
  );
});
