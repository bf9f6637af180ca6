import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reusedFromOf } from './evidence.js';

test('a reused trial names the training it copies', () => {
  assert.equal(reusedFromOf({ id: 7, reusedFrom: 1 }), 1);
  assert.equal(reusedFromOf({ id: 9, result: { reusedFrom: 1 } }), 1);
  assert.equal(reusedFromOf({ id: 3 }), null);
  assert.equal(reusedFromOf({ id: 1, reusedFrom: null }), null);
});
