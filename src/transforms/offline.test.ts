import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, DataError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { decodeImage } from '../data/decode-image.js';
import { encodeImage } from '../data/encode-image.js';
import { loadGoldenCases } from './functional/golden.js';
import * as T from './index.js';

const root = mkdtempSync(join(tmpdir(), 'tunebook-offline-'));
after(() => rmSync(root, { recursive: true, force: true }));

const inputs = loadGoldenCases();

/** A small ImageFolder tree: cats (JPEG, PNG), digits (grey PNG). */
async function makeTree(dir: string): Promise<void> {
  const pick = (name: string) => inputs.find((c) => c.name === name)!.input as Image<Uint8Array>;
  mkdirSync(join(dir, 'cat'), { recursive: true });
  mkdirSync(join(dir, 'digit', 'nested'), { recursive: true });
  writeFileSync(join(dir, 'cat', 'chelsea.jpg'), await encodeImage(pick('hflip/chelsea'), 'jpeg'));
  writeFileSync(join(dir, 'cat', 'coffee.png'), await encodeImage(pick('hflip/coffee'), 'png'));
  writeFileSync(join(dir, 'digit', 'three.png'), await encodeImage(pick('hflip/digit3'), 'png'));
  writeFileSync(
    join(dir, 'digit', 'nested', 'seven.png'),
    await encodeImage(pick('hflip/digit7'), 'png'),
  );
  writeFileSync(join(dir, 'digit', 'notes.txt'), 'not an image');
}

const PIPELINE =
  '- resize: [40, 40]\n- randomCrop: {size: 32, padding: 2}\n- randomHorizontalFlip: {}\n- randomRotation: 10\n';

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    if (name.isDirectory())
      out.push(...listFiles(join(dir, name.name)).map((f) => join(name.name, f)));
    else out.push(name.name);
  }
  return out.sort();
}

test('augmentFolder writes K copies of every image in the same layout, reproducibly', async () => {
  const inDir = join(root, 'in');
  await makeTree(inDir);
  const pipeline = T.parsePipeline(PIPELINE, 'aug.yaml');
  const result = await T.augmentFolder({
    inDir,
    outDir: join(root, 'a'),
    pipeline,
    copies: 2,
    seed: 5,
  });
  assert.deepEqual(result, { images: 4, written: 8, classes: ['cat', 'digit'] });
  assert.deepEqual(listFiles(join(root, 'a')), [
    'cat/chelsea_aug0.jpg',
    'cat/chelsea_aug1.jpg',
    'cat/coffee_aug0.png',
    'cat/coffee_aug1.png',
    'digit/nested/seven_aug0.png',
    'digit/nested/seven_aug1.png',
    'digit/three_aug0.png',
    'digit/three_aug1.png',
  ]);
  const grey = await decodeImage(join(root, 'a', 'digit', 'three_aug0.png'));
  assert.deepEqual([grey.height, grey.width, grey.channels], [32, 32, 1]);
  const colour = await decodeImage(join(root, 'a', 'cat', 'coffee_aug1.png'));
  assert.deepEqual([colour.height, colour.width, colour.channels], [32, 32, 3]);
  // Copy k is what online augmentation gives in epoch k.
  const source = await decodeImage(join(inDir, 'cat', 'coffee.png'));
  const online = T.augmentSample(pipeline, source, { seed: 5, epoch: 1, index: 1 }).image;
  assert.deepEqual(colour.data, online.data);

  await T.augmentFolder({
    inDir,
    outDir: join(root, 'b'),
    pipeline,
    copies: 2,
    seed: 5,
    concurrency: 1,
  });
  await T.augmentFolder({ inDir, outDir: join(root, 'c'), pipeline, copies: 2, seed: 6 });
  const bytes = (dir: string) =>
    listFiles(dir).map((f) => readFileSync(join(dir, f)).toString('base64'));
  assert.deepEqual(bytes(join(root, 'b')), bytes(join(root, 'a')));
  assert.notDeepEqual(bytes(join(root, 'c')), bytes(join(root, 'a')));
  await T.augmentFolder({
    inDir,
    outDir: join(root, 'd'),
    pipeline,
    copies: 1,
    seed: 5,
    format: 'png',
  });
  assert.ok(listFiles(join(root, 'd')).every((f) => f.endsWith('.png')));
});

test('bad input fails before writing, or leaves only complete files', async () => {
  const inDir = join(root, 'bad');
  await makeTree(inDir);
  const pipeline = T.parsePipeline(PIPELINE, 'aug.yaml');
  const floats = T.parsePipeline(`${PIPELINE}- toTensor: {}\n`, 'aug.yaml');
  await assert.rejects(
    T.augmentFolder({ inDir, outDir: join(root, 'never'), pipeline: floats, copies: 1, seed: 0 }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /pipeline: expected a pipeline that ends with 8-bit images/.test(e.message),
  );
  assert.equal(existsSync(join(root, 'never')), false);
  await assert.rejects(
    T.augmentFolder({ inDir, outDir: join(inDir, 'cat', 'out'), pipeline, copies: 1, seed: 0 }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /out-dir: expected a folder outside the input folder/.test(e.message),
  );
  mkdirSync(join(inDir, 'empty'));
  await assert.rejects(
    T.augmentFolder({ inDir, outDir: join(root, 'never'), pipeline, copies: 1, seed: 0 }),
    (e: unknown) =>
      e instanceof DataError &&
      /empty: class folder "empty" has no JPEG, PNG or WebP images/.test(e.message),
  );
  assert.equal(existsSync(join(root, 'never')), false);
  rmSync(join(inDir, 'empty'), { recursive: true });

  // A truncated JPEG among good images: a DataError naming it, no partial or temporary files.
  const jpeg = readFileSync(join(inDir, 'cat', 'chelsea.jpg'));
  writeFileSync(join(inDir, 'cat', 'zz-broken.jpg'), jpeg.subarray(0, 200));
  const outDir = join(root, 'partial');
  await assert.rejects(
    T.augmentFolder({ inDir, outDir, pipeline, copies: 3, seed: 0, concurrency: 2 }),
    (e: unknown) =>
      e instanceof DataError && /zz-broken\.jpg: cannot decode the image/.test(e.message),
  );
  const written = listFiles(outDir);
  assert.ok(
    written.every((f) => !f.includes('.tunebook-tmp-')),
    written.join(', '),
  );
  assert.ok(written.length >= 3, written.join(', '));
  for (const f of written) await decodeImage(join(outDir, f));
});
