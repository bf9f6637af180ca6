import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import sharp from 'sharp';
import { DataError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { wasmKernels } from '../core/native/wasm-kernels.js';
import { Rng } from '../core/rng.js';
import { decodeImageBytes, rgbToGrey } from './decode-image.js';

const kernels = wasmKernels();

interface Entry {
  offset: number;
  shape: number[];
}

/** JPEG files written by PIL and OpenCV, with PIL's RGB decode of each (the transforms' fixtures). */
function loadGoldenJpegs(): { name: string; bytes: Buffer; expected: Image<Uint8Array> }[] {
  const dir = new URL('../../../test/fixtures/transforms/', import.meta.url);
  const manifest = JSON.parse(readFileSync(new URL('fixtures.json', dir), 'utf8')) as {
    jpegs: { name: string; file: Entry; output: Entry }[];
  };
  const blob = readFileSync(new URL('fixtures.bin', dir));
  const slice = (e: Entry, n: number) => blob.subarray(e.offset, e.offset + n);
  return manifest.jpegs.map(({ name, file, output }) => {
    const [height, width, channels] = output.shape;
    const data = new Uint8Array(slice(output, height * width * channels));
    return {
      name,
      bytes: Buffer.from(slice(file, file.shape[0])),
      expected: { data, height, width, channels },
    };
  });
}

test('the wasm decoder gives PIL pixels on files PIL and OpenCV wrote, and declines progressive', async () => {
  assert.ok(kernels, 'WebAssembly SIMD is available');
  const jpegs = loadGoldenJpegs();
  assert.ok(
    jpegs.some((j) => j.name.includes('restart')) && jpegs.some((j) => j.name.includes('422')),
  );
  for (const j of jpegs) {
    const ours = kernels.decodeJpeg(j.bytes, 3);
    if (j.name.includes('progressive')) assert.equal(ours, null, j.name);
    else {
      assert.ok(ours, `${j.name}: declined`);
      assert.deepEqual(
        [ours.height, ours.width, ours.channels],
        [j.expected.height, j.expected.width, 3],
      );
      assert.deepEqual(ours.data, j.expected.data, j.name);
    }
    // The image reader gives PIL's pixels either way (sharp for the progressive file), and
    // grey as PIL's convert('RGB').convert('L').
    const image = await decodeImageBytes(j.bytes, j.name, 3);
    assert.deepEqual(image.data, j.expected.data, `${j.name} through decodeImageBytes`);
    const grey = await decodeImageBytes(j.bytes, j.name, 1);
    assert.equal(grey.channels, 1);
    assert.deepEqual(grey.data, rgbToGrey(j.expected.data), `${j.name} read as grey`);
    const own = await decodeImageBytes(j.bytes, j.name);
    assert.equal(own.channels, j.name.includes('grey') ? 1 : 3, `${j.name} keeps its channels`);
  }
});

test('the wasm decoder matches sharp (libjpeg-turbo) across sizes, qualities and subsampling', async () => {
  assert.ok(kernels);
  const rng = new Rng('jpeg');
  const sizes = [
    [2, 2],
    [9, 7],
    [17, 33],
    [40, 31],
    [64, 48],
    [123, 77],
  ];
  let decoded = 0;
  for (const [w, h] of sizes) {
    // Smooth gradients plus noise: realistic spectra, values near 0 and 255 too.
    const pixels = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) {
          const v = (x * (c + 1) * 255) / w + (y * 128) / h + rng.normal() * 40 - 40;
          pixels[(y * w + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
        }
      }
    }
    for (const quality of [30, 90, 100]) {
      for (const chromaSubsampling of ['4:2:0', '4:4:4']) {
        for (const grey of [false, true]) {
          let img = sharp(pixels, { raw: { width: w, height: h, channels: 3 } });
          if (grey) img = img.toColourspace('b-w');
          const file = await img.jpeg({ quality, chromaSubsampling }).toBuffer();
          const ref = await sharp(file).raw().toBuffer({ resolveWithObject: true });
          const ours = kernels.decodeJpeg(file, 3);
          if (!ours) {
            // Only a chroma plane narrower than two samples is declined.
            assert.ok(
              w < 4 && chromaSubsampling === '4:2:0' && !grey,
              `${w}x${h} q${quality} declined`,
            );
            continue;
          }
          decoded++;
          assert.deepEqual([ours.width, ours.height], [ref.info.width, ref.info.height]);
          assert.deepEqual(
            ours.data,
            new Uint8Array(ref.data),
            `${w}x${h} q${quality} ${chromaSubsampling} grey ${grey}`,
          );
          if (grey) {
            const one = kernels.decodeJpeg(file);
            assert.equal(one?.channels, 1);
          }
        }
      }
    }
  }
  assert.ok(decoded >= 60, `${decoded} decoded`);
});

test('truncated or corrupt files are declined, and the image reader reports them', async () => {
  assert.ok(kernels);
  const good = loadGoldenJpegs().find((j) => j.name === 'astronaut/420-q75')!.bytes;
  const broken = [
    good.subarray(0, good.length - 400),
    good.subarray(0, 300),
    Buffer.concat([good.subarray(0, 600), Buffer.alloc(200, 0xff), good.subarray(800)]),
    Buffer.from([0xff, 0xd8, 0xff]),
  ];
  for (const bytes of broken) assert.equal(kernels.decodeJpeg(bytes, 3), null);
  await assert.rejects(
    decodeImageBytes(broken[1], 'cut.jpg', 3),
    (e: unknown) =>
      e instanceof DataError &&
      /^cut\.jpg: cannot decode the image \(sharp: [^\n]*$/.test(e.message),
  );
});
