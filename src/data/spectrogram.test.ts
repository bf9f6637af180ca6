import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { relativeError } from '../testing/compare.js';
import { RealDft } from './fft.js';
import { signalSource } from './signal-set.js';
import {
  type SpectrogramOptions,
  spectrogram,
  spectrogramImage,
  spectrogramShape,
  spectrogramSource,
} from './spectrogram.js';
import { syntheticSignals } from './synthetic-signals.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/data/', import.meta.url));
interface Case extends SpectrogramOptions {
  name: string;
  signal: number[];
  shape: [number, number];
  expected: number[];
}
const { cases } = JSON.parse(readFileSync(`${FIXTURES}spectrogram.json`, 'utf8')) as {
  cases: Case[];
};

test('STFT log magnitude equals scipy.signal.stft within 1e-4 relative', () => {
  assert.equal(cases.length, 4);
  for (const c of cases) {
    const img = spectrogram(c.signal, c);
    assert.deepEqual([img.height, img.width, img.channels], [...c.shape, 1], c.name);
    assert.deepEqual(spectrogramShape(c.signal.length, c), c.shape);
    const error = relativeError(img.data, c.expected);
    assert.ok(error <= 1e-4, `${c.name}: relative error ${error}`);
  }
});

test('the DFT (radix-2 and direct) matches a naive transform', () => {
  for (const n of [8, 12, 64, 50]) {
    const x = Float64Array.from({ length: n }, (_, j) => Math.sin(j * 1.7) + (j % 3));
    const re = new Float64Array(n / 2 + 1);
    const im = new Float64Array(n / 2 + 1);
    new RealDft(n).transform(x, re, im);
    for (let k = 0; k <= n / 2; k++) {
      let sr = 0;
      let si = 0;
      for (let j = 0; j < n; j++) {
        sr += x[j] * Math.cos((2 * Math.PI * j * k) / n);
        si -= x[j] * Math.sin((2 * Math.PI * j * k) / n);
      }
      assert.ok(Math.abs(re[k] - sr) < 1e-9 && Math.abs(im[k] - si) < 1e-9, `n ${n} bin ${k}`);
    }
  }
});

test('multi-channel signals give one spectrogram channel each; a source computes on get', async () => {
  const a = Float32Array.from({ length: 128 }, (_, j) => Math.sin(j / 2));
  const b = Float32Array.from({ length: 128 }, (_, j) => Math.cos(j / 5) * 3);
  const both = new Float32Array(256);
  for (let j = 0; j < 128; j++) {
    both[2 * j] = a[j];
    both[2 * j + 1] = b[j];
  }
  const img = spectrogramImage(
    { data: both, height: 1, width: 128, channels: 2 },
    { nFft: 32, hop: 8 },
  );
  const sa = spectrogram(a, { nFft: 32, hop: 8 });
  const sb = spectrogram(b, { nFft: 32, hop: 8 });
  assert.deepEqual([img.height, img.width, img.channels], [17, 17, 2]);
  for (let p = 0; p < sa.data.length; p++) {
    assert.equal(img.data[2 * p], sa.data[p]);
    assert.equal(img.data[2 * p + 1], sb.data[p]);
  }

  const set = syntheticSignals({ seed: 1, perClass: 2, length: 256 });
  const source = spectrogramSource(signalSource(set), { nFft: 64, hop: 16 });
  assert.deepEqual(source.shape, [33, 17, 1]);
  const first = await source.get(0);
  assert.deepEqual(
    first.data,
    spectrogram(set.signals.subarray(0, 256), { nFft: 64, hop: 16 }).data,
  );
});

test('options are checked', () => {
  const x = new Float32Array(40);
  assert.throws(() => spectrogram(x, { nFft: 1 }), /nFft: expected an integer >= 2, got 1/);
  assert.throws(() => spectrogram(x, { hop: 0 }), /hop: expected an integer >= 1, got 0/);
  assert.throws(
    () => spectrogram(x, { scale: 'power' as 'log' }),
    /scale: expected log, db, magnitude, got "power"/,
  );
  assert.throws(
    () => spectrogram(x, { nFft: 128 }),
    /nFft: expected at most 79 for reflect padding/,
  );
  assert.throws(
    () => spectrogram(x, { nFft: 64, center: false }),
    /nFft: expected at most the signal length 40/,
  );
  assert.throws(
    () => spectrogramImage({ data: x, height: 2, width: 20, channels: 1 }),
    /signal\.height: expected 1/,
  );
});
