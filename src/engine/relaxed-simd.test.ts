import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { relaxedSimdAvailable } from './relaxed-simd.js';

test('relaxed SIMD is detected on every Node this project supports (20 with its flag, 22+)', () => {
  assert.equal(relaxedSimdAvailable(), true);
  // Detection must mean the real thing compiles: the peak loop built with -mrelaxed-simd.
  const bytes = readFileSync(new URL('../../../native/peak-relaxed.wasm', import.meta.url));
  assert.equal(WebAssembly.validate(bytes), true);
});
