import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteLruCache } from './lru-cache.js';

test('evicts least recently used entries to stay within the byte budget', () => {
  const cache = new ByteLruCache<string, number>(10);
  cache.set('a', 1, 4);
  cache.set('b', 2, 4);
  assert.equal(cache.get('a'), 1); // a is now the most recent
  cache.set('c', 3, 4); // evicts b
  assert.equal(cache.get('b'), undefined);
  assert.equal(cache.get('a'), 1);
  assert.equal(cache.get('c'), 3);
  cache.set('big', 4, 11); // larger than the budget: not kept, nothing evicted
  assert.equal(cache.get('big'), undefined);
  assert.deepEqual(cache.stats(), {
    budget: 10,
    bytes: 8,
    entries: 2,
    hits: 3,
    misses: 2,
    evictions: 1,
  });
  cache.set('a', 5, 2); // replacing updates the byte count
  assert.equal(cache.stats().bytes, 6);
  assert.throws(() => new ByteLruCache(-1), /cacheBytes: expected a number of bytes >= 0, got -1/);
});
