import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { DataError } from '../core/errors.js';
import { decodeImage, probeImage, rgbToGrey } from './decode-image.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/data/', import.meta.url));
const expected = JSON.parse(readFileSync(`${FIXTURES}grey.json`, 'utf8')) as Record<
  string,
  { height: number; width: number; L: number[]; RGB: number[] }
>;

test("grey and RGB decoding equal PIL's convert('L') and convert('RGB') exactly", async () => {
  for (const name of ['rgb', 'rgba']) {
    const file = `${FIXTURES}grey/${name}.png`;
    const ref = expected[name];
    const grey = await decodeImage(file, 1);
    assert.deepEqual([grey.height, grey.width, grey.channels], [ref.height, ref.width, 1]);
    assert.deepEqual([...grey.data], ref.L, name);
    const rgb = await decodeImage(file, 3);
    assert.deepEqual([...rgb.data], ref.RGB, name);
  }
  const probe = await probeImage(`${FIXTURES}grey/rgba.png`);
  assert.deepEqual(probe, { format: 'png', height: 5, width: 7, channels: 3 });
});

test('rgbToGrey leaves grey pixels unchanged', () => {
  const rgb = new Uint8Array(256 * 3);
  for (let v = 0; v < 256; v++) rgb.fill(v, v * 3, v * 3 + 3);
  assert.deepEqual(
    [...rgbToGrey(rgb)],
    Array.from({ length: 256 }, (_, v) => v),
  );
});

test('embedded ICC profiles are not applied, as PIL does not apply them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunebook-icc-'));
  try {
    const pixels = Buffer.alloc(8 * 6 * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
    const raw = { raw: { width: 8, height: 6, channels: 3 as const } };
    for (const format of ['png', 'jpeg'] as const) {
      const file = join(dir, `p3.${format}`);
      const img = sharp(pixels, raw).withIccProfile('p3');
      await (format === 'png' ? img.png() : img.jpeg({ quality: 90 })).toFile(file);
      const stored = await sharp(file, { ignoreIcc: true }).raw().toBuffer();
      const converted = await sharp(file).toColourspace('srgb').raw().toBuffer();
      assert.notDeepEqual(converted, stored, 'the profile changes the pixels');
      assert.deepEqual(Buffer.from((await decodeImage(file, 3)).data), stored, format);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without a channel count a file keeps its own; missing files are one-line errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunebook-own-'));
  try {
    const grey = join(dir, 'grey.png');
    await sharp(Buffer.alloc(12, 90), { raw: { width: 4, height: 3, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(grey);
    const one = await decodeImage(grey);
    assert.deepEqual([one.channels, ...one.data.slice(0, 2)], [1, 90, 90]);
    assert.equal((await decodeImage(`${FIXTURES}grey/rgba.png`)).channels, 3);
    await assert.rejects(
      decodeImage(join(dir, 'nope.png'), 3),
      (e: unknown) =>
        e instanceof DataError &&
        /^.*nope\.png: cannot read the image \(no such file\)$/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
