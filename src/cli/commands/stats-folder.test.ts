/**
 * Statistics of a real image folder, read by data/'s image-folder source: the two layers
 * meet in the CLI, so the test sits beside the stats command.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { DataError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import { openImageFolder } from '../../data/index.js';
import * as preprocessing from '../../preprocessing/index.js';
import { directStats } from '../../testing/stats.js';

const { datasetStats } = preprocessing;

let dir = '';

async function writePng(
  file: string,
  height: number,
  width: number,
  channels: 1 | 3,
  seed: number,
) {
  const rng = new Rng(seed);
  const data = Buffer.alloc(height * width * channels);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  let img = sharp(data, { raw: { width, height, channels } });
  if (channels === 1) img = img.toColourspace('b-w');
  await img.png().toFile(file);
  return data;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tunebook-stats-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('an image folder: classes from sub-folders, PNG and lossless WebP decoded exactly', async () => {
  const root = join(dir, 'ok');
  for (const c of ['b-dogs', 'a-cats']) mkdirSync(join(root, c), { recursive: true });
  const a = await writePng(join(root, 'a-cats', '1.png'), 6, 9, 3, 1);
  const b = await writePng(join(root, 'a-cats', '2.PNG'), 10, 4, 3, 2);
  const rng = new Rng(3);
  const c = Buffer.alloc(5 * 7 * 3);
  for (let i = 0; i < c.length; i++) c[i] = rng.int(256);
  await sharp(c, { raw: { width: 7, height: 5, channels: 3 } })
    .webp({ lossless: true })
    .toFile(join(root, 'b-dogs', 'x.webp'));
  writeFileSync(join(root, 'b-dogs', 'notes.txt'), 'not an image: skipped');
  const input = await openImageFolder(root);
  assert.deepEqual(input.classNames, ['a-cats', 'b-dogs']);
  assert.deepEqual(Array.from(input.labels), [0, 0, 1]);
  const stats = await datasetStats(input, root);
  const direct = directStats(Buffer.concat([a, b, c]), 3, 1 / 255);
  for (let k = 0; k < 3; k++) {
    assert.ok(Math.abs(stats.mean[k] - direct.mean[k]) < 1e-12, `mean ${k}`);
    assert.ok(Math.abs(stats.std[k] - direct.std[k]) < 1e-12, `std ${k}`);
  }
  assert.deepEqual(stats.height, { min: 5, max: 10 });
  assert.deepEqual(stats.width, { min: 4, max: 9 });
  // Converting to grey on request gives one channel.
  const grey = await datasetStats(await openImageFolder(root, { channels: 1 }), root);
  assert.equal(grey.channels, 1);
});

test('grey PNGs stay one channel; mixing grey and colour names the files', async () => {
  const root = join(dir, 'mixed');
  mkdirSync(join(root, 'k'), { recursive: true });
  const g = await writePng(join(root, 'k', '1.png'), 4, 4, 1, 9);
  const greyOnly = await datasetStats(await openImageFolder(root), root);
  assert.equal(greyOnly.channels, 1);
  assert.ok(Math.abs(greyOnly.mean[0] - directStats(g, 1, 1 / 255).mean[0]) < 1e-12);
  await writePng(join(root, 'k', '2.png'), 4, 4, 3, 10);
  await assert.rejects(
    openImageFolder(root),
    (e: unknown) => e instanceof DataError && /mixed channel counts/.test(e.message),
  );
});
