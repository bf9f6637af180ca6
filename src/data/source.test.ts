import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { loadMnistDigits, mnistSource } from './mnist.js';
import { openSource } from './open-source.js';
import { imageSetSource, subsetSource, toImageSet } from './source.js';

test('MNIST as a source: 8-bit grey 28x28, Math.round(v * 255) of the float digits', async () => {
  const digits = loadMnistDigits();
  const source = mnistSource();
  assert.equal(source.count, 10000);
  assert.deepEqual(source.classNames, digits.classNames);
  assert.deepEqual(source.shape, [28, 28, 1]);
  const img = await source.get(1234);
  assert.ok(img.data instanceof Uint8Array);
  assert.deepEqual([img.height, img.width, img.channels], [28, 28, 1]);
  const floats = digits.images.subarray(1234 * 784, 1235 * 784);
  assert.deepEqual(
    [...img.data],
    Array.from(floats, (v) => Math.round(v * 255)),
  );
  await assert.rejects(source.get(10000), /index: expected an integer in \[0, 10000\), got 10000/);
});

test('subsets, in-memory sets and back', async () => {
  const source = mnistSource();
  const sub = subsetSource(source, [5, 3, 5]);
  assert.equal(sub.count, 3);
  assert.deepEqual([...sub.labels], [source.labels[5], source.labels[3], source.labels[5]]);
  assert.deepEqual(await sub.get(2), await source.get(5));
  assert.equal(sub.describe?.(1), 'MNIST digit 3');
  assert.throws(
    () => subsetSource(source, [10000]),
    /indices\[0\]: expected an integer in \[0, 10000\)/,
  );

  const set = await toImageSet(sub);
  assert.deepEqual(set.shape, [28, 28, 1]);
  assert.equal(set.classes, 10);
  const digit3 = await source.get(3);
  assert.deepEqual(
    set.images.subarray(784, 1568),
    Float32Array.from(digit3.data, (v) => v / 255),
  );
  const back = imageSetSource(set);
  assert.deepEqual((await back.get(1)).data, set.images.subarray(784, 1568));
});

test('openSource: built-in names, folders, CSV, NPY, and a clear error otherwise', async () => {
  assert.equal((await openSource('mnist')).count, 10000);
  const synthetic = await openSource('synthetic-signals', { perClass: 3, length: 32 });
  assert.deepEqual(synthetic.shape, [1, 32, 1]);
  const dir = await mkdtemp(join(tmpdir(), 'tunebook-open-'));
  try {
    await mkdir(join(dir, 'imgs', 'a'), { recursive: true });
    await sharp({ create: { width: 4, height: 3, channels: 3, background: '#102030' } })
      .png()
      .toFile(join(dir, 'imgs', 'a', '1.png'));
    const folder = await openSource(join(dir, 'imgs'));
    assert.deepEqual(folder.shape, [3, 4, 3]);
    assert.deepEqual([...(await folder.get(0)).data.subarray(0, 3)], [16, 32, 48]);
    await sharp({ create: { width: 5, height: 3, channels: 3, background: '#000' } })
      .png()
      .toFile(join(dir, 'imgs', 'a', '2.png'));
    const mixed = await openSource(join(dir, 'imgs'));
    assert.equal(mixed.shape, undefined);
    await assert.rejects(
      toImageSet(mixed),
      /a\/2\.png: image is 3x5x3, but the first is 3x4x3; resize images to one size/,
    );
    await writeFile(join(dir, 's.csv'), '1,2,3,up\n4,5,6,down\n');
    const csv = await openSource(join(dir, 's.csv'));
    assert.deepEqual(csv.classNames, ['down', 'up']);
    assert.equal(csv.describe?.(1), `${join(dir, 's.csv')} 1`);
    await assert.rejects(openSource(join(dir, 'x.npy')), /x\.npy: no such file or folder/);
    await writeFile(join(dir, 'x.npy'), '');
    await assert.rejects(
      openSource(join(dir, 'x.npy')),
      /data\.options\.labels: missing; expected an \.npy file of labels/,
    );
    await writeFile(join(dir, 'x.txt'), '');
    await assert.rejects(openSource(join(dir, 'x.txt')), /x\.txt: unsupported file type "\.txt"/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
