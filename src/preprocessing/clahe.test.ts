import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { clahe } from './clahe.js';
import { bytes, compareBytes, fixtureImages, readFixture } from './golden.test-helper.js';

interface ClaheCase {
  image: string;
  clipLimit: number;
  tileGridSize: [number, number];
  mode: 'grey' | 'luminance';
  output: string;
}

const { cases } = readFixture<{ cases: ClaheCase[] }>('clahe.json');

// OpenCV's integer steps and float32 interpolation are reproduced, so every fixture matches
// exactly; the test demands it. (An OpenCV build that fuses multiply-adds could differ by one
// grey level on rare pixels where a blend lands on a rounding boundary.)
const TOLERANCE = 0;
const MIN_EXACT = 1;

test('CLAHE agrees with cv2.createCLAHE(...).apply on every fixture', () => {
  const images = fixtureImages();
  assert.ok(cases.length >= 10);
  let pixels = 0;
  let differ = 0;
  for (const c of cases) {
    const out = clahe(images[c.image], { clipLimit: c.clipLimit, tileGridSize: c.tileGridSize });
    const expected = bytes(c.output);
    const label = `${c.image} clip ${c.clipLimit} grid ${c.tileGridSize.join('x')} ${c.mode}`;
    assert.equal(out.data.length, expected.length, label);
    const r = compareBytes(out.data, expected, TOLERANCE);
    assert.equal(r.beyond, 0, `${label}: ${r.beyond} bytes off by more than ${TOLERANCE}`);
    assert.ok(1 - r.differ / expected.length >= MIN_EXACT, `${label}: ${r.differ} bytes differ`);
    pixels += expected.length;
    differ += r.differ;
  }
  assert.ok(1 - differ / pixels >= MIN_EXACT);
});

test('CLAHE options are validated, naming the field and the value', () => {
  const image = { data: new Uint8Array(16), height: 4, width: 4, channels: 1 };
  assert.throws(
    () => clahe(image, { clipLimit: -1 }),
    (e: unknown) =>
      e instanceof ConfigError && /clahe: clipLimit: expected .* >= 0, got -1/.test(e.message),
  );
  assert.throws(
    () => clahe(image, { clipLimit: Number.NaN }),
    /clahe: clipLimit: expected a finite number >= 0, got NaN/,
  );
  assert.throws(
    () => clahe(image, { tileGridSize: [0, 8] }),
    /clahe: tileGridSize: expected two integers in \[1, 4096\], got \[0,8\]/,
  );
});

test('more tiles than pixels still works (reflect padding beyond the image)', () => {
  const data = Uint8Array.from([10, 20, 30, 40, 50, 60]);
  const out = clahe({ data, height: 2, width: 3, channels: 1 }, { tileGridSize: [8, 8] });
  assert.equal(out.data.length, 6);
});
