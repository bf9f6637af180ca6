import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { relativeError } from '../testing/compare.js';
import {
  CLASS_WEIGHT_STRATEGIES,
  classWeights,
  DEFAULT_EFFECTIVE_BETA,
  strategyWeights,
} from './class-weights.js';

/** Written by test/fixtures/training/make_fixtures.py (scikit-learn 1.2, NumPy). */
function fixture<T>(name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../../test/fixtures/training/${name}`, import.meta.url), 'utf8'),
  ) as T;
}

interface Case {
  counts: number[];
  balanced: number[];
  proportional: number[];
  effective: Record<string, number[]>;
}
const { cases } = fixture<{ cases: Case[] }>('class-weights.json');

test('balanced equals scikit-learn compute_class_weight("balanced")', () => {
  for (const c of cases) {
    assert.ok(
      relativeError(strategyWeights('balanced', c.counts), c.balanced) < 1e-14,
      `${c.counts}`,
    );
    assert.ok(relativeError(classWeights('balanced', c.counts), c.balanced) < 1e-7, `${c.counts}`);
  }
});

test('proportional is inverse frequency normalised to mean 1 over classes', () => {
  for (const c of cases) {
    const w = strategyWeights('proportional', c.counts);
    assert.ok(relativeError(w, c.proportional) < 1e-14, `${c.counts}`);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    assert.ok(Math.abs(mean - 1) < 1e-12);
    // Same direction as balanced: the two differ by one factor only.
    const b = strategyWeights('balanced', c.counts);
    for (let k = 1; k < w.length; k++) {
      assert.ok(Math.abs(w[k] / b[k] - w[0] / b[0]) < 1e-12);
    }
  }
  // by hand: inverse [1/900, 1/100], mean 1/180
  assert.ok(relativeError(strategyWeights('proportional', [900, 100]), [0.2, 1.8]) < 1e-15);
  assert.ok(relativeError(strategyWeights('balanced', [900, 100]), [1000 / 1800, 5]) < 1e-15);
});

test('effective number of samples (Cui et al. 2019), normalised to sum to the class count', () => {
  for (const c of cases) {
    for (const [beta, expected] of Object.entries(c.effective)) {
      const w = classWeights({ strategy: 'effective', beta: Number(beta) }, c.counts);
      assert.ok(relativeError(w, expected) < 1e-6, `${c.counts} beta ${beta}`);
      const sum = strategyWeights('effective', c.counts, Number(beta)).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - c.counts.length) < 1e-12);
    }
    const byName = strategyWeights('effective', c.counts);
    assert.ok(relativeError(byName, c.effective[String(DEFAULT_EFFECTIVE_BETA)]) < 1e-12);
  }
  // by hand, beta 0.9, counts [1, 2]: raw [0.1 / 0.1, 0.1 / 0.19], scaled to sum 2
  const raw = [1, 0.1 / 0.19];
  const s = raw[0] + raw[1];
  assert.ok(
    relativeError(strategyWeights('effective', [1, 2], 0.9), [(2 * raw[0]) / s, (2 * raw[1]) / s]) <
      1e-14,
  );
  // beta 0: every class weighs 1 (no re-weighting)
  assert.deepEqual(Array.from(classWeights({ strategy: 'effective', beta: 0 }, [7, 70])), [1, 1]);
});

test('a manual list is taken as given, one weight per class', () => {
  assert.deepEqual(Array.from(classWeights([1, 0.8], [900, 100])), [1, Math.fround(0.8)]);
  assert.deepEqual(Array.from(classWeights([0, 2, 1], [1, 0, 3])), [0, 2, 1]);
  const typed = new Float32Array([1, 0.5]) as unknown as number[];
  assert.deepEqual(Array.from(classWeights(typed, [3, 4])), [1, 0.5]);
});

test('bad specs and counts: ConfigError naming the field and the value', () => {
  const throwsConfig = (fn: () => unknown, message: string) =>
    assert.throws(fn, (e: unknown) => e instanceof ConfigError && e.message === message);
  throwsConfig(
    () => classWeights([1, 0.8], [5, 5, 5]),
    'classWeights: expected 3 weights (one per class), got 2',
  );
  throwsConfig(
    () => classWeights([1, -0.5], [5, 5], 'study.classWeights'),
    'study.classWeights[1]: expected a weight >= 0, got -0.5',
  );
  throwsConfig(
    () => classWeights([0, 0], [5, 5]),
    'classWeights: expected at least one weight > 0, got [0,0]',
  );
  throwsConfig(
    () => classWeights('inverse' as never, [5, 5]),
    'classWeights: expected a list of weights or one of proportional, balanced, effective, got "inverse"',
  );
  throwsConfig(
    () => classWeights({ strategy: 'effective', beta: 1 }, [5, 5]),
    'classWeights.beta: expected a number in [0, 1), got 1',
  );
  throwsConfig(
    () => classWeights({ strategy: 'balanced', beta: 0.9 } as never, [5, 5]),
    'classWeights.strategy: expected "effective" (the strategy that takes a beta), got "balanced"',
  );
  throwsConfig(
    () => classWeights('balanced', [10, 0, 5]),
    'classWeights (class counts): expected a training sample of every class for strategy "balanced" (none of class 1), got [10,0,5]',
  );
  throwsConfig(
    () => classWeights('proportional', [10, 2.5]),
    'classWeights (class counts)[1]: expected a sample count (integer >= 0), got 2.5',
  );
  for (const strategy of CLASS_WEIGHT_STRATEGIES) {
    assert.throws(() => classWeights(strategy, [3, 0]), ConfigError);
  }
  // A manual list needs no counts per class to be non-zero.
  assert.doesNotThrow(() => classWeights([1, 1], [3, 0]));
});
