import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJson, encodeJson } from './json.js';

test('JSON columns keep NaN and infinities; plain objects that look alike stay objects', () => {
  const value = {
    a: Number.NaN,
    b: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1],
    c: { $num: 'NaN', other: 1 },
    d: { $num: 'toString' },
    e: undefined,
  };
  const back = decodeJson(encodeJson(value)) as Record<string, unknown>;
  assert.deepEqual(back, {
    a: Number.NaN,
    b: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1],
    c: { $num: 'NaN', other: 1 },
    d: { $num: 'toString' },
  });
  assert.equal(encodeJson(undefined), 'null');
  assert.equal(decodeJson(null), null);
});
