import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classCounts } from './by-class.js';
import { randomOversample, randomUndersample } from './resample.js';

const labels = Int32Array.from([
  ...new Array(50).fill(0),
  ...new Array(10).fill(1),
  ...new Array(4).fill(2),
]);
const countsOf = (indices: Int32Array) =>
  classCounts(
    Int32Array.from(indices, (i) => labels[i]),
    3,
  );

test('over-sampling keeps every sample and repeats the small classes up to the largest', () => {
  const over = randomOversample(labels, 1);
  assert.deepEqual(countsOf(over), [50, 50, 50]);
  const set = new Set(over);
  assert.equal(set.size, labels.length, 'every original sample kept');
  assert.deepEqual(over, randomOversample(labels, 1));
  assert.notDeepEqual(over, randomOversample(labels, 2));
  assert.deepEqual(countsOf(randomOversample(labels, 1, { ratio: 0.5 })), [50, 25, 25]);
});

test('under-sampling keeps a random subset of the large classes down to the smallest', () => {
  const under = randomUndersample(labels, 1);
  assert.deepEqual(countsOf(under), [4, 4, 4]);
  assert.equal(new Set(under).size, 12, 'no repeats');
  assert.deepEqual(under.subarray(8), Int32Array.from([60, 61, 62, 63]));
  assert.notDeepEqual(under, randomUndersample(labels, 2));
  assert.deepEqual(countsOf(randomUndersample(labels, 1, { ratio: 0.5 })), [8, 8, 4]);
  assert.throws(
    () => randomUndersample(labels, 1, { ratio: 2 }),
    /resample\.ratio: expected a number in \(0, 1\], got 2/,
  );
});
