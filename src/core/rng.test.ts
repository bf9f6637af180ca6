import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from './rng.js';

test('one seed gives one stream; another seed another', () => {
  const a = Array.from(
    { length: 5 },
    (
      (r) => () =>
        r.nextUint32()
    )(new Rng(7)),
  );
  const b = Array.from(
    { length: 5 },
    (
      (r) => () =>
        r.nextUint32()
    )(new Rng(7)),
  );
  const c = Array.from(
    { length: 5 },
    (
      (r) => () =>
        r.nextUint32()
    )(new Rng(8)),
  );
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('forks are reproducible and independent of each other', () => {
  const x = new Rng(1).fork('a').uniform();
  assert.equal(new Rng(1).fork('a').uniform(), x);
  assert.notEqual(new Rng(1).fork('b').uniform(), x);
});

test('uniform, int and normal have the right ranges and moments', () => {
  const rng = new Rng(3);
  let sum = 0;
  let sq = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const u = rng.uniform();
    assert.ok(u >= 0 && u < 1);
    const k = rng.int(7);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
    const z = rng.normal();
    sum += z;
    sq += z * z;
  }
  assert.ok(Math.abs(sum / n) < 0.03, `normal mean ${sum / n}`);
  assert.ok(Math.abs(sq / n - 1) < 0.05, `normal variance ${sq / n}`);
});

test('permutation holds every index once', () => {
  const p = new Rng(5).permutation(1000);
  assert.deepEqual(
    [...p].sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.notDeepEqual(
    [...p],
    Array.from({ length: 1000 }, (_, i) => i),
  );
});
