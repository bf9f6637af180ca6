import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  distinctEvidence,
  independentPairs,
  originOf,
  reusedFromOf,
  sharedTrainings,
} from './evidence.js';

test('a reused trial counts as the training it copies, once', () => {
  const original = { id: 1, reusedFrom: null };
  const copy = { id: 7, reusedFrom: 1 };
  const inResult = { id: 9, result: { reusedFrom: 1 } };
  const other = { id: 3 };
  assert.equal(originOf(copy), 1);
  assert.equal(reusedFromOf(inResult), 1);
  assert.equal(originOf(other), 3);
  assert.deepEqual(distinctEvidence([original, copy, inResult, other]), [original, other]);
  // The copy first: still one of them kept.
  assert.deepEqual(distinctEvidence([copy, original]), [copy]);
  assert.equal(sharedTrainings([original, other], [copy, inResult, { id: 4 }]), 1);
});

test('pairs of a measure across studies: an arm trial reused by a second study is not counted again', () => {
  const base = (id: number, reusedFrom: number | null = null) => ({ id, reusedFrom });
  const pairs = [
    { arm: base(10), baseline: base(1), payload: 'study A seed 0' },
    { arm: base(11), baseline: base(2), payload: 'study A seed 1' },
    // Study B reused A's arm and baseline at seed 0, trained seed 2 anew on A's baseline.
    { arm: base(20, 10), baseline: base(21, 1), payload: 'study B seed 0' },
    { arm: base(22), baseline: base(23, 2), payload: 'study B seed 2' },
  ];
  assert.deepEqual(
    independentPairs(pairs).map((p) => p.payload),
    ['study A seed 0', 'study A seed 1', 'study B seed 2'],
  );
});
