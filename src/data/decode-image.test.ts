import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
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
