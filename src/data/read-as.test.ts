/**
 * Reading at one size: the data layer's resize gives the transforms' kernel's bytes (which
 * are golden-tested against PIL), with and without wasm; `shorter` is torchvision's
 * Resize + CenterCrop; `pad` letterboxes; folders read at a size, skip unreadable files, and
 * name two files of different sizes. (The test reaches up into transforms to compare; the
 * code under test does not.)
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { DataError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { setWasmKernels } from '../core/native/wasm-kernels.js';
import { centerCrop } from '../transforms/functional/geometry.js';
import { resize, resizedSize } from '../transforms/functional/resize.js';
import { resizeBilinear } from './bilinear.js';
import { encodeImage } from './encode-image.js';
import { openImageFolder } from './image-folder.js';
import { openSource } from './open-source.js';
import { checkOneSize, readAs } from './read-as.js';

function photo(height: number, width: number, channels: number, seed = 1): Image<Uint8Array> {
  const data = new Uint8Array(height * width * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13 + seed * 71 + ((i * i) % 17)) % 256;
  return { data, height, width, channels };
}

const dir = await mkdtemp(join(tmpdir(), 'tunebook-read-as-'));
after(() => rm(dir, { recursive: true, force: true }));

for (const wasm of [true, false]) {
  test(`resizeBilinear gives the transforms' PIL-exact bytes (${wasm ? 'wasm' : 'TypeScript'})`, () => {
    setWasmKernels(wasm);
    try {
      for (const [h, w, c, size] of [
        [37, 29, 3, [16, 20]],
        [24, 40, 1, [32, 32]],
        [28, 28, 3, [28, 13]],
      ] as const) {
        const img = photo(h, w, c);
        assert.deepEqual(resizeBilinear(img, size), resize(img, size, 'bilinear'));
        const win = { top: 2, left: 1, height: size[0] - 3, width: size[1] - 2 };
        assert.deepEqual(resizeBilinear(img, size, win), resize(img, size, 'bilinear', win));
      }
    } finally {
      setWasmKernels(true);
    }
  });
}

test('shorter is Resize(short side) then CenterCrop; exact ignores the aspect; pad letterboxes', () => {
  for (const [h, w] of [
    [40, 24],
    [24, 40],
    [33, 33],
  ] as const) {
    const img = photo(h, w, 3);
    const torchvision = centerCrop(resize(img, resizedSize(h, w, 28), 'bilinear'), [28, 28]);
    assert.deepEqual(readAs(img, { size: [28, 28] }), torchvision, `${h}x${w}`);
    assert.deepEqual(
      readAs(img, { size: [20, 30], resize: 'exact' }),
      resize(img, [20, 30], 'bilinear'),
    );
  }
  const wide = photo(20, 40, 1);
  const boxed = readAs(wide, { size: [32, 32], resize: 'pad' });
  assert.equal(boxed.height, 32);
  assert.equal(boxed.width, 32);
  // 40 wide fits as 32, so 20 tall becomes 16, centered: rows 0-7 and 24-31 are black.
  const row = (y: number) => Array.from(boxed.data.subarray(y * 32, (y + 1) * 32));
  assert.ok(row(7).every((v) => v === 0));
  assert.ok(row(24).every((v) => v === 0));
  assert.deepEqual(boxed.data.subarray(8 * 32, 24 * 32), resize(wide, [16, 32]).data);
});

test('channels: grey replicated to RGB, RGB to grey by PIL luma', () => {
  const grey = photo(4, 5, 1);
  const rgb = readAs(grey, { channels: 3 });
  assert.equal(rgb.channels, 3);
  assert.deepEqual(Array.from(rgb.data.subarray(0, 3)), [grey.data[0], grey.data[0], grey.data[0]]);
  assert.deepEqual(readAs(rgb, { channels: 1 }).data, grey.data);
});

async function writeFolder(name: string, sizes: Record<string, [number, number][]>) {
  const root = join(dir, name);
  for (const [cls, list] of Object.entries(sizes)) {
    await mkdir(join(root, cls), { recursive: true });
    for (const [i, [h, w]] of list.entries()) {
      await writeFile(join(root, cls, `${i}.png`), await encodeImage(photo(h, w, 3, i), 'png'));
    }
  }
  return root;
}

test('a folder of mixed sizes: an error naming two files, or read at data.image.size', async () => {
  const root = await writeFolder('mixed', {
    a: [
      [30, 30],
      [30, 30],
    ],
    b: [[24, 40]],
  });
  const folder = await openImageFolder(root);
  assert.equal(folder.shape, undefined);
  const names = folder.files.map((f) => relative(root, f));
  assert.throws(
    () => checkOneSize(root, names, folder.heights!, folder.widths!),
    (e: Error) =>
      e instanceof DataError &&
      e.message ===
        `${root}: images differ in size (a/0.png is 30x30, b/0.png is 24x40); add data.image: { size: [height, width] } to read every image at one size`,
  );
  const sized = await openSource(root, { image: { size: [16, 16], resize: 'exact' } });
  assert.deepEqual(sized.shape, [16, 16, 3]);
  const img = await sized.get(2);
  assert.deepEqual(img, resize(photo(24, 40, 3, 0), [16, 16]));
  // MNIST (not a folder) is read at the size and channels asked for too.
  const digits = await openSource('mnist', { image: { size: [32, 32] }, channels: 3 });
  assert.deepEqual(digits.shape, [32, 32, 3]);
  const d = await digits.get(0);
  assert.deepEqual([d.height, d.width, d.channels], [32, 32, 3]);
});

test('skipUnreadable leaves out a truncated file and says why; without it the file is named', async () => {
  const root = await writeFolder('broken', {
    a: [
      [20, 20],
      [20, 20],
    ],
    b: [[20, 20]],
  });
  const good = await encodeImage(photo(20, 20, 3, 5), 'png');
  const bad = join(root, 'b', 'truncated.png');
  await writeFile(bad, good.subarray(0, Math.floor(good.length / 2)));
  const kept = await openImageFolder(root, { skipUnreadable: true });
  assert.equal(kept.count, 3);
  assert.equal(kept.unreadable.length, 1);
  assert.equal(kept.unreadable[0].file, bad);
  assert.match(kept.unreadable[0].reason, /cannot decode the image/);
  const strict = await openImageFolder(root);
  const index = strict.files.indexOf(bad);
  await assert.rejects(
    strict.get(index),
    (e: Error) => e instanceof DataError && e.message.startsWith(`${bad}: cannot decode the image`),
  );
});
