import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classCounts } from './by-class.js';
import { imbalanceCounts, injectImbalance } from './imbalance.js';
import { loadMnistDigits } from './mnist.js';

test('balanced classes shrink as n * ratio^(-k/(K-1))', () => {
  assert.deepEqual(imbalanceCounts([100, 100, 100], { ratio: 4 }), [100, 50, 25]);
  assert.deepEqual(imbalanceCounts([1000, 1000, 1000, 1000], { ratio: 10 }), [1000, 464, 215, 100]);
  assert.deepEqual(imbalanceCounts([100, 100, 100], { ratio: 4, order: [2, 0, 1] }), [50, 25, 100]);
  assert.deepEqual(imbalanceCounts([90, 100, 80], { ratio: 1 }), [80, 80, 80]);
});

test('on MNIST, ratio 10 gives largest / smallest = 10 and a geometric profile', () => {
  const { labels } = loadMnistDigits();
  const kept = injectImbalance(labels, { ratio: 10 }, 1);
  const counts = classCounts(
    Int32Array.from(kept, (i) => labels[i]),
    10,
  );
  assert.ok(Math.abs(Math.max(...counts) / Math.min(...counts) - 10) < 0.06, `${counts}`);
  for (let k = 1; k < 10; k++) assert.ok(counts[k] < counts[k - 1], `${counts}`);
  assert.ok(
    kept.every((v, k) => k === 0 || kept[k - 1] < v),
    'sorted, no repeats',
  );
  assert.deepEqual(kept, injectImbalance(labels, { ratio: 10 }, 1));
  assert.notDeepEqual(kept, injectImbalance(labels, { ratio: 10 }, 2));
});

test('options are checked', () => {
  assert.throws(
    () => imbalanceCounts([5, 5], { ratio: 0.5 }),
    /imbalance\.ratio: expected a number >= 1, got 0\.5/,
  );
  assert.throws(
    () => imbalanceCounts([5, 5], { ratio: 2, order: [0, 0] }),
    /imbalance\.order: expected each class present in the labels exactly once \(0, 1\), got \[0,0\]/,
  );
});
