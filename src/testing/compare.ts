/**
 * Shared checkers for tests: numeric closeness, and the tensor-leak check.
 *
 * @example
 *   assert.ok(relativeError(actual, expected) <= 1e-4);
 */
import * as tf from '@tensorflow/tfjs-core';

/** max |a - b| / max |b| (b the reference); 0 when both are all zeros. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`length mismatch: ${actual.length} vs ${expected.length}`);
  }
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (Number.isNaN(d)) return Number.POSITIVE_INFINITY;
    diff = Math.max(diff, d);
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  if (scale === 0) return diff;
  return diff / scale;
}

/** Runs `step` `rounds` times and returns tf.memory().numTensors after each round. */
export function tensorCountsAcross(rounds: number, step: (round: number) => void): number[] {
  const counts: number[] = [];
  for (let r = 0; r < rounds; r++) {
    step(r);
    counts.push(tf.memory().numTensors);
  }
  return counts;
}
