import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signalAt } from './signal-set.js';
import { SIGNAL_FAMILIES, syntheticSignals } from './synthetic-signals.js';

function standardise(x: Float32Array): Float64Array {
  let mean = 0;
  for (const v of x) mean += v / x.length;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2 / x.length;
  const std = Math.sqrt(variance);
  return Float64Array.from(x, (v) => (v - mean) / std);
}

/** Shape features blind to phase and level: the sorted values and the magnitude spectrum. */
function features(x: Float32Array): number[] {
  const z = standardise(x);
  const sorted = [...z].sort((a, b) => a - b).filter((_, j) => j % 8 === 0);
  const n = z.length;
  const spectrum: number[] = [];
  for (let k = 1; k <= 48; k++) {
    let re = 0;
    let im = 0;
    for (let j = 0; j < n; j++) {
      re += z[j] * Math.cos((2 * Math.PI * j * k) / n);
      im -= z[j] * Math.sin((2 * Math.PI * j * k) / n);
    }
    spectrum.push((2 * Math.hypot(re, im)) / n);
  }
  return [...sorted, ...spectrum];
}

test('same seed, same signals; another seed, other signals; samples keep their draw', () => {
  const a = syntheticSignals({ seed: 4, perClass: 5, length: 64 });
  const b = syntheticSignals({ seed: 4, perClass: 5, length: 64 });
  const c = syntheticSignals({ seed: 5, perClass: 5, length: 64 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.signals, c.signals);
  const more = syntheticSignals({ seed: 4, perClass: 8, length: 64 });
  assert.deepEqual(more.signals.subarray(0, a.signals.length), a.signals);
  assert.deepEqual(a.classNames, [...SIGNAL_FAMILIES]);
  assert.deepEqual([...a.labels.subarray(0, 8)], [0, 1, 2, 3, 4, 5, 0, 1]);
});

test('large offsets and scales per sample: raw levels differ by orders of magnitude', () => {
  const set = syntheticSignals({ seed: 1, perClass: 20, length: 128 });
  const stds: number[] = [];
  const means: number[] = [];
  for (let i = 0; i < set.count; i++) {
    const x = signalAt(set, i);
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    means.push(mean);
    stds.push(Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length));
  }
  assert.ok(Math.max(...stds) / Math.min(...stds) > 100, 'scales span over 100x');
  assert.ok(Math.max(...means) - Math.min(...means) > 100, 'offsets span over 100');
});

test('classes are distinct: 1-nearest-neighbour on standardised shape features is accurate', () => {
  const train = syntheticSignals({ seed: 1, perClass: 40, length: 256 });
  const test_ = syntheticSignals({ seed: 2, perClass: 20, length: 256 });
  const K = train.classNames.length;
  const trainFeatures = Array.from({ length: train.count }, (_, i) => features(signalAt(train, i)));
  let correct = 0;
  const confusion = Array.from({ length: K }, () => new Array(K).fill(0));
  for (let i = 0; i < test_.count; i++) {
    const f = features(signalAt(test_, i));
    let best = 0;
    let bestDistance = Number.POSITIVE_INFINITY;
    trainFeatures.forEach((g, j) => {
      const distance = f.reduce((s, v, d) => s + (v - g[d]) ** 2, 0);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = train.labels[j];
      }
    });
    confusion[test_.labels[i]][best]++;
    if (best === test_.labels[i]) correct++;
  }
  const accuracy = correct / test_.count;
  assert.ok(accuracy >= 0.85, `accuracy ${accuracy}, confusion ${JSON.stringify(confusion)}`);
});

test('options are checked', () => {
  assert.throws(() => syntheticSignals({ seed: 1.5 }), /seed: expected an integer, got 1\.5/);
  assert.throws(
    () => syntheticSignals({ seed: 1, families: ['sine', 'noise' as 'sine'] }),
    /families\[1\]: expected one of sine, square, sawtooth, triangle, chirp, damped, got "noise"/,
  );
  assert.throws(
    () => syntheticSignals({ seed: 1, perClass: 0 }),
    /perClass: expected an integer >= 1, got 0/,
  );
  assert.throws(
    () => syntheticSignals({ seed: 1, scale: [10, 1] }),
    /scale: expected \[min, max\]/,
  );
  assert.throws(
    () => syntheticSignals({ seed: 1, noise: -1 }),
    /noise: expected a finite number >= 0, got -1/,
  );
});
