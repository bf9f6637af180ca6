/**
 * The data preflight through the CLI: `validate` and `study` both refuse, with one line and
 * exit 2, what would otherwise fail every trial: one class folder, mixed sizes without
 * `data.image.size`, a truncated image, a crop larger than the images, a backbone trained on
 * other shapes; and `data.skipUnreadable` skips with a count instead.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodeImage } from '../../data/encode-image.js';
import { initEngine } from '../../engine/backend.js';
import { saveModel } from '../../models/model-io.js';
import { buildModel } from '../../models/registry.js';
import { runCli, runInProcess } from '../../testing/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-preflight-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function image(h: number, w: number, seed: number) {
  const data = new Uint8Array(h * w * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seed * 29) % 256;
  return { data, height: h, width: w, channels: 3 };
}

/** A folder with `sizes[class]` PNGs of those sizes. */
async function folder(name: string, sizes: Record<string, [number, number][]>): Promise<string> {
  const root = join(dir, name);
  for (const [cls, list] of Object.entries(sizes)) {
    mkdirSync(join(root, cls), { recursive: true });
    for (const [i, [h, w]] of list.entries()) {
      writeFileSync(join(root, cls, `${i}.png`), await encodeImage(image(h, w, i), 'png'));
    }
  }
  return root;
}

const six = (h: number, w = h): [number, number][] => Array.from({ length: 6 }, () => [h, w]);

function study(name: string, data: string, extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
data: ${data}
model: { name: small-cnn }
training: { epochs: 1, batchSize: 8${extra} }
measures:
  - dropout: { rate: 0.5, where: before-classifier }
`,
  );
  return file;
}

/** Both commands give the same one line and exit 2. */
async function refused(file: string, message: string | RegExp): Promise<void> {
  const v = await runInProcess(['validate', file]);
  assert.equal(v.code, 2, v.stdout);
  if (typeof message === 'string') assert.equal(v.stderr, message);
  else assert.match(v.stderr, message);
  const s = runCli(['study', file, '--db', join(dir, 'refused.db')]);
  assert.equal(s.code, 2, s.stdout);
  assert.equal(s.stderr.trim().split('\n').length, 1, s.stderr);
  assert.equal(s.stderr.replace(/^tunebook: /, '').trim(), v.stderr);
}

test('one class folder: a study needs at least two classes', async () => {
  const root = await folder('one-class', { cats: six(20) });
  const file = study('one-class', `{ source: ${root} }`);
  await refused(
    file,
    `${file}: data.source: ${root} has 1 class ("cats"); a study needs at least 2 (one sub-folder per class)`,
  );
});

test('mixed sizes without data.image.size name two files and the setting; with it the study validates', async () => {
  const root = await folder('mixed', { a: [...six(30), [24, 40]], b: six(30) });
  await refused(
    study('mixed', `{ source: ${root} }`),
    `${root}: images differ in size (a/0.png is 30x30, a/6.png is 24x40); add data.image: { size: [height, width] } to read every image at one size`,
  );
  const ok = await runInProcess([
    'validate',
    study('mixed-sized', `{ source: ${root}, image: { size: [28, 28], channels: 1 } }`),
  ]);
  assert.equal(ok.code, 0, ok.stderr);
});

test('a truncated image is named; skipUnreadable skips it with a count', async () => {
  const root = await folder('truncated', { a: six(20), b: six(20) });
  const bytes = await encodeImage(image(20, 20, 9), 'png');
  const bad = join(root, 'b', 'broken.png');
  writeFileSync(bad, bytes.subarray(0, bytes.length >> 1));
  await refused(study('truncated', `{ source: ${root} }`), new RegExp(`^${bad}: cannot decode`));
  const skip = await runInProcess([
    'validate',
    study('truncated-skip', `{ source: ${root}, skipUnreadable: true }`),
  ]);
  assert.equal(skip.code, 0, skip.stderr);
  assert.match(
    skip.stdout,
    new RegExp(
      `^data: skipped 1 unreadable file\\(s\\) \\(data.skipUnreadable\\), e.g. ${bad}: cannot decode`,
      'm',
    ),
  );
});

test('a crop larger than the images as read is refused, naming the arm and the transform', async () => {
  const root = await folder('crop', { a: six(20), b: six(20) });
  const file = study(
    'crop',
    `{ source: ${root}, image: { size: [24, 24] } }`,
    ', augment: [{ randomCrop: { size: [28, 28], padding: 1 } }]',
  );
  await refused(
    file,
    `${file}: baseline: training.augment[0].randomCrop.size: a 28x28 crop is larger than the 24x24x3 images as read (26x26 padded); crop smaller or set data.image.size`,
  );
});

test('a backbone trained on grey 28x28 digits used on RGB images is one line naming both shapes', async () => {
  await initEngine({ backend: 'cpu' });
  const backbone = join(dir, 'digits-backbone');
  const model = buildModel({ name: 'small-cnn', inputShape: [28, 28, 1], classes: 5 });
  await saveModel(model, backbone);
  model.dispose();
  const root = await folder('rgb', { a: six(32), b: six(32) });
  const file = join(dir, 'backbone.yaml');
  writeFileSync(
    file,
    `name: backbone
data: { source: ${root} }
model: { name: small-cnn }
training: { epochs: 1 }
measures:
  - pretrained: { source: ${backbone} }
`,
  );
  await refused(
    file,
    `${file}: m1-pretrained: model.pretrained.source: the backbone takes 28x28x1 inputs but the data gives 32x32x3 (read the data so with data.image: { size: [28, 28], channels: 1 })`,
  );
});

test('a missing data folder is refused by validate too', async () => {
  const missing = join(dir, 'nowhere');
  await refused(study('missing', `{ source: ${missing} }`), new RegExp(`^${missing}: no such`));
});
