import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { DataError } from '../core/errors.js';
import { openImageFolder } from './image-folder.js';

let root: string;

/** A 12x16 image whose pixels follow `seed`, so each file is recognisable. */
function pixels(channels: number, seed: number, height = 12, width = 16): Buffer {
  const data = Buffer.alloc(height * width * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seed * 31) % 256;
  return data;
}

async function writeImage(
  path: string,
  format: 'png' | 'jpeg' | 'webp',
  channels: 1 | 3 | 4,
  seed: number,
  size: [number, number] = [12, 16],
): Promise<void> {
  const [height, width] = size;
  let img = sharp(pixels(channels, seed, height, width), { raw: { width, height, channels } });
  // sharp writes sRGB unless told to keep one grey channel.
  if (channels === 1) img = img.toColourspace('b-w');
  if (format === 'png') img = img.png();
  else if (format === 'jpeg') img = img.jpeg({ quality: 95 });
  else img = img.webp({ lossless: true });
  await img.toFile(path);
}

async function folder(
  name: string,
  layout: Record<string, [string, 'png' | 'jpeg' | 'webp', 1 | 3 | 4][]>,
) {
  const dir = join(root, name);
  for (const [cls, files] of Object.entries(layout)) {
    await mkdir(join(dir, cls), { recursive: true });
    for (const [i, [file, format, channels]] of files.entries()) {
      await writeImage(join(dir, cls, file), format, channels, i + cls.length);
    }
  }
  return dir;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tunebook-folder-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('ImageFolder layout: classes sorted, files sorted, labels by class, other files skipped', async () => {
  const dir = await folder('rgb', {
    dog: [
      ['b.webp', 'webp', 3],
      ['a.JPG', 'jpeg', 3],
    ],
    cat: [
      ['2.png', 'png', 4],
      ['10.png', 'png', 3],
    ],
  });
  await mkdir(join(dir, 'cat', 'sub'));
  await writeImage(join(dir, 'cat', 'sub', '0.png'), 'png', 3, 9);
  await writeFile(join(dir, 'cat', 'notes.txt'), 'not an image');
  await writeFile(join(dir, 'README.md'), 'a file beside the class folders is not a class');
  await mkdir(join(dir, '.ipynb_checkpoints'));

  const f = await openImageFolder(dir);
  assert.deepEqual(f.classNames, ['cat', 'dog']);
  assert.deepEqual(
    f.files.map((p) => p.slice(dir.length + 1)),
    ['cat/10.png', 'cat/2.png', 'cat/sub/0.png', 'dog/a.JPG', 'dog/b.webp'],
  );
  assert.deepEqual([...f.labels], [0, 0, 0, 1, 1]);
  assert.deepEqual(f.skipped, ['cat/notes.txt']);
  assert.equal(f.channels, 3);
  assert.deepEqual(f.shape, [12, 16, 3]);

  // RGBA: alpha dropped, colour kept exactly (PNG is lossless).
  const rgba = await f.get(1);
  assert.equal(rgba.channels, 3);
  const src = pixels(4, 0 + 3);
  const expected = new Uint8Array(12 * 16 * 3);
  for (let p = 0; p < 12 * 16; p++)
    for (let c = 0; c < 3; c++) expected[p * 3 + c] = src[p * 4 + c];
  assert.deepEqual(rgba.data, expected);
  // Lossless WebP round-trips exactly; JPEG decodes to the right size.
  assert.deepEqual((await f.get(4)).data, new Uint8Array(pixels(3, 0 + 3)));
  const jpeg = await f.get(3);
  assert.deepEqual([jpeg.height, jpeg.width, jpeg.channels], [12, 16, 3]);
});

test('grey folders are detected, RGB read as grey on request, grey read as RGB', async () => {
  const dir = await folder('grey', {
    a: [['1.png', 'png', 1]],
    b: [['1.jpg', 'jpeg', 1]],
  });
  const grey = await openImageFolder(dir);
  assert.equal(grey.channels, 1);
  const img = await grey.get(0);
  assert.deepEqual([img.height, img.width, img.channels], [12, 16, 1]);
  assert.deepEqual(img.data, new Uint8Array(pixels(1, 1)));

  const asRgb = await openImageFolder(dir, { channels: 3 });
  const rgb = await asRgb.get(0);
  assert.equal(rgb.channels, 3);
  for (let p = 0; p < 12 * 16; p++) {
    assert.equal(rgb.data[p * 3], img.data[p]);
    assert.equal(rgb.data[p * 3 + 2], img.data[p]);
  }
});

test('mixed grey and RGB without a declared mode is a DataError naming the files', async () => {
  const dir = await folder('mixed', {
    a: [['g.png', 'png', 1]],
    b: [
      ['c.png', 'png', 3],
      ['d.webp', 'webp', 3],
    ],
  });
  await assert.rejects(openImageFolder(dir), (e: Error) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /mixed channel counts: 1 grey file\(s\) \(a\/g\.png\) and 2 colour/);
    assert.match(e.message, /b\/c\.png, b\/d\.webp/);
    return true;
  });
  const declared = await openImageFolder(dir, { channels: 1 });
  assert.equal((await declared.get(1)).channels, 1);
});

test('bad folders: missing, a file, no class folders, an empty class, a corrupt image', async () => {
  await assert.rejects(openImageFolder(join(root, 'nope')), /nope: no such folder/);
  await writeFile(join(root, 'file.png'), 'x');
  await assert.rejects(openImageFolder(join(root, 'file.png')), /file\.png: is a file/);
  await mkdir(join(root, 'flat'));
  await writeImage(join(root, 'flat', 'x.png'), 'png', 3, 1);
  await assert.rejects(openImageFolder(join(root, 'flat')), /has no class sub-folders/);

  const empty = await folder('empty', { a: [['1.png', 'png', 3]] });
  await mkdir(join(empty, 'b'));
  await writeFile(join(empty, 'b', 'x.gif'), 'GIF89a');
  await assert.rejects(openImageFolder(empty), (e: Error) => {
    assert.ok(e instanceof DataError);
    assert.match(
      e.message,
      /empty\/b: class folder "b" has no JPEG, PNG or WebP images \(ignored 1 other file\(s\): x\.gif\)/,
    );
    return true;
  });
  await rm(join(empty, 'b', 'x.gif'));
  await writeFile(join(empty, 'a', 'y.gif'), 'GIF89a');
  await writeImage(join(empty, 'b', '1.png'), 'png', 3, 2);
  await assert.rejects(
    openImageFolder(empty, { unsupported: 'error' }),
    /a\/y\.gif: unsupported extension "\.gif"/,
  );
  assert.deepEqual((await openImageFolder(empty)).skipped, ['a/y.gif']);

  // Not an image at all: found when the headers are probed.
  const junk = await folder('junk', { a: [['1.png', 'png', 3]] });
  await writeFile(join(junk, 'a', '2.png'), 'not a png');
  await assert.rejects(
    openImageFolder(junk),
    /junk\/a\/2\.png: cannot read the image \(sharp: .*unsupported image format/,
  );

  // Truncated: the header reads, the pixels do not; found on get.
  const truncated = await folder('truncated', { a: [['1.jpg', 'jpeg', 3]] });
  await writeImage(join(truncated, 'a', '2.jpg'), 'jpeg', 3, 5, [200, 200]);
  const { readFile } = await import('node:fs/promises');
  const whole = await readFile(join(truncated, 'a', '2.jpg'));
  await writeFile(join(truncated, 'a', '2.jpg'), whole.subarray(0, whole.length >> 1));
  const f = await openImageFolder(truncated);
  await assert.rejects(f.get(1), (e: Error) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /truncated\/a\/2\.jpg: cannot decode the image \(sharp: .*JPEG/);
    return true;
  });
  assert.equal(f.heights?.[1], 200);
});

test('the decoded-image cache never holds more than its byte budget', async () => {
  const files: [string, 'png', 3][] = Array.from({ length: 10 }, (_, i) => [`${i}.png`, 'png', 3]);
  const dir = await folder('cache', { a: files });
  const imageBytes = 12 * 16 * 3;
  const f = await openImageFolder(dir, { cacheBytes: 3 * imageBytes + 10 });
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < f.count; i++) {
      await f.get(i);
      assert.ok(f.cacheStats().bytes <= f.cacheStats().budget);
    }
  }
  const stats = f.cacheStats();
  assert.equal(stats.entries, 3);
  assert.equal(stats.bytes, 3 * imageBytes);
  assert.equal(stats.hits, 0); // a cyclic scan larger than an LRU never hits
  const again = await f.get(9);
  assert.equal(f.cacheStats().hits, 1);
  assert.equal(again, await f.get(9)); // the cached object itself
  // Concurrent requests for one image share one decode.
  const [a, b] = await Promise.all([f.get(0), f.get(0)]);
  assert.equal(a, b);

  const uncached = await openImageFolder(dir, { cacheBytes: 0, probe: false, channels: 3 });
  await uncached.get(0);
  assert.equal(uncached.cacheStats().entries, 0);
  assert.equal(uncached.heights, undefined);
});

test('options are checked', async () => {
  const dir = await folder('opts', { a: [['1.png', 'png', 3]] });
  await assert.rejects(
    openImageFolder(dir, { channels: 2 as 1 }),
    /channels: expected 1 or 3, got 2/,
  );
  await assert.rejects(
    openImageFolder(dir, { probe: false }),
    /channels: expected 1 or 3 when probe is false/,
  );
  await assert.rejects(openImageFolder(dir, { cacheBytes: -1 }), /cacheBytes/);
  const f = await openImageFolder(dir);
  await assert.rejects(f.get(1), /index: expected an integer in \[0, 1\), got 1/);
});
