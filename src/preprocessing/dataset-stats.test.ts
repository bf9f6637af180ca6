import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DataError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { Rng } from '../core/rng.js';
import { directStats } from '../testing/stats.js';
import { datasetStats, imageSetInput, type StatsInput } from './dataset-stats.js';
import {
  checkNormalizeConfig,
  compareNormalize,
  describeMismatch,
  findNormalize,
} from './normalize-check.js';

function inputOf(images: Image[], labels: number[], classNames: string[]): StatsInput {
  return {
    count: images.length,
    labels: Int32Array.from(labels),
    classNames,
    get: async (i) => images[i],
    describe: (i) => `img${i}.png`,
  };
}

test('float image sets are measured as they are (already on the [0, 1] scale)', async () => {
  const images = Float32Array.from({ length: 2 * 2 * 3 * 2 }, (_, i) => (i % 7) / 7);
  const set = { images, labels: Int32Array.from([1, 1]), count: 2, shape: [2, 3, 2] as const };
  const stats = await datasetStats(imageSetInput({ ...set, classNames: ['a', 'b'] }), 'floats');
  const direct = directStats(images, 2);
  for (let c = 0; c < 2; c++) {
    assert.ok(Math.abs(stats.mean[c] - direct.mean[c]) < 1e-12);
    assert.ok(Math.abs(stats.std[c] - direct.std[c]) < 1e-12);
  }
  assert.deepEqual(stats.classes, [
    { name: 'a', count: 0 },
    { name: 'b', count: 2 },
  ]);
});

test('8-bit images are measured on the [0, 1] scale, per channel, sizes ranged', async () => {
  const rng = new Rng(5);
  const images: Image[] = [
    [3, 5],
    [7, 2],
    [4, 4],
  ].map(([height, width]) => {
    const data = new Uint8Array(height * width * 3);
    for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
    return { data, height, width, channels: 3 };
  });
  const stats = await datasetStats(inputOf(images, [0, 1, 1], ['a', 'b']), 'toy', {
    concurrency: 2,
  });
  const all = Uint8Array.from(images.flatMap((im) => Array.from(im.data)));
  const direct = directStats(all, 3, 1 / 255);
  for (let c = 0; c < 3; c++) {
    assert.ok(Math.abs(stats.mean[c] - direct.mean[c]) < 1e-12);
    assert.ok(Math.abs(stats.std[c] - direct.std[c]) < 1e-12);
  }
  assert.deepEqual(stats.height, { min: 3, max: 7 });
  assert.deepEqual(stats.width, { min: 2, max: 5 });
  assert.deepEqual(stats.classes, [
    { name: 'a', count: 1 },
    { name: 'b', count: 2 },
  ]);
});

test('mixed channel counts are a DataError naming both images', async () => {
  const grey = { data: new Uint8Array(4), height: 2, width: 2, channels: 1 };
  const rgb = { data: new Uint8Array(12), height: 2, width: 2, channels: 3 };
  await assert.rejects(
    datasetStats(inputOf([grey, rgb], [0, 0], ['x']), 'toy', { concurrency: 1 }),
    (e: unknown) =>
      e instanceof DataError && /^img1.png: has 3 channel\(s\) but img0.png has 1/.test(e.message),
  );
});

test('the seed typo std 0.2225 for 0.225 is caught; exact constants pass', () => {
  const measured = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
  const typo = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.2225] };
  const issues = compareNormalize(measured, typo);
  assert.equal(issues.length, 1);
  assert.deepEqual(
    { channel: issues[0].channel, field: issues[0].field, configured: issues[0].configured },
    { channel: 2, field: 'std', configured: 0.2225 },
  );
  assert.equal(
    describeMismatch(issues[0]),
    'normalize std[2]: configured 0.2225, measured 0.2250 ' +
      '(channel 2 would be normalised to std 1.011, not 1)',
  );
  assert.deepEqual(compareNormalize(measured, measured), []);
  const shifted = compareNormalize(measured, { mean: [0.5], std: [0.229, 0.224, 0.225] });
  assert.deepEqual(
    shifted.map((m) => `${m.field}[${m.channel}]`),
    ['mean[0]', 'mean[1]', 'mean[2]'],
  );
});

test('normalize values are checked against the channel count and sign', () => {
  assert.deepEqual(checkNormalizeConfig({ mean: [0.5], std: [0.25] }, 3), {
    mean: [0.5, 0.5, 0.5],
    std: [0.25, 0.25, 0.25],
  });
  assert.throws(
    () => checkNormalizeConfig({ mean: [0.5, 0.5], std: [0.2] }, 3, { mean: '--m', std: '--s' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message ===
        '--m: expected 3 value(s), one per channel of the data (or 1 for all), got [0.5,0.5]',
  );
  assert.throws(
    () => checkNormalizeConfig({ mean: [0.5], std: [0] }, 1),
    /normalize.std\[0\]: expected a number > 0, got 0/,
  );
});

test('findNormalize reads the usual ways of writing a normalize step', () => {
  const want = { mean: [0.5], std: [0.25] };
  assert.deepEqual(findNormalize({ transforms: [{ resize: [8, 8] }, { normalize: want }] }), want);
  assert.deepEqual(findNormalize([{ type: 'Normalize', ...want }]), want);
  assert.deepEqual(findNormalize({ pipeline: { steps: [{ name: 'normalize', ...want }] } }), want);
  assert.equal(findNormalize({ transforms: [{ resize: [8, 8] }] }), null);
});
