import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { runInProcess } from '../../testing/cli.js';

const root = mkdtempSync(join(tmpdir(), 'tunebook-preview-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

const runCommand = (argv: string[]) => runInProcess(['preview', ...argv]);

const PIPELINE =
  '- randomResizedCrop: {size: 24, scale: [0.5, 1]}\n- randomHorizontalFlip: {}\n- colorJitter: {brightness: 0.4}\n- toTensor: {}\n- normalize: {mean: [0.5], std: [0.5]}\n';

test('tunebook preview draws MNIST digits and their augmentations', async () => {
  writeFileSync(join(root, 'p.yaml'), PIPELINE);
  const out = join(root, 'mnist.png');
  const r = await runCommand([
    '--pipeline',
    join(root, 'p.yaml'),
    '--data',
    'mnist',
    '--out',
    out,
    '--rows',
    '4',
    '--draws',
    '3',
    '--scale',
    '2',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /4 originals x 3 draws/);
  const meta = await sharp(out).metadata();
  // 4 columns of 56-pixel cells (28 x 2) with 2-pixel gaps.
  assert.equal(meta.width, 4 * 56 + 5 * 2);
  assert.equal(meta.height, 4 * 56 + 5 * 2);
});

test('tunebook preview reads an image folder; bad input exits 2', async () => {
  const dir = join(root, 'photos');
  for (const cls of ['x', 'y']) {
    mkdirSync(join(dir, cls), { recursive: true });
    await sharp({
      create: {
        width: 40,
        height: 30,
        channels: 3,
        background: cls === 'x' ? '#c04020' : '#2040c0',
      },
    })
      .jpeg()
      .toFile(join(dir, cls, 'one.jpg'));
  }
  writeFileSync(
    join(root, 'p.yaml'),
    PIPELINE.replace(
      'normalize: {mean: [0.5], std: [0.5]}',
      'normalize: {mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5]}',
    ),
  );
  const out = join(root, 'grid.png');
  const r = await runCommand(['--pipeline', join(root, 'p.yaml'), '--data', dir, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const meta = await sharp(out).metadata();
  assert.equal(meta.channels, 3);
  for (const [argv, message] of [
    [['--data', 'mnist'], /--pipeline <file\.yaml> is required/],
    [['--pipeline', join(root, 'p.yaml')], /--data <mnist\|folder> is required/],
    [['--pipeline', join(root, 'p.yaml'), '--data', join(root, 'nope')], /nope: no such folder/],
    [['--pipeline', join(root, 'p.yaml'), '--data', 'mnist', '--rows', '0'], /--rows/],
  ] as const) {
    const res = await runCommand([...argv]);
    assert.equal(res.code, 2, `${argv.join(' ')}: ${res.stderr}`);
    assert.match(res.stderr, message);
  }
});
