import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { Rng } from '../../core/rng.js';
import { loadMnistDigits } from '../../data/index.js';
import { datasetStats, imageSetInput } from '../../preprocessing/index.js';
import { runCli, runInProcess } from '../../testing/cli.js';

/**
 * Exit code and stdout are checked in-process through `main`. The normalize warnings are
 * written straight to the process's stderr, and a bad input must leave exactly one
 * `tunebook: ` line there, so those run as a child process to see everything it writes.
 */
const run = runInProcess;
const runChild = runCli;

let dir = '';
let folder = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tunebook-stats-cli-'));
  folder = join(dir, 'pets');
  const rng = new Rng(11);
  const sizes: Record<string, [number, number][]> = {
    cat: [
      [12, 9],
      [8, 8],
    ],
    dog: [[6, 14]],
  };
  for (const [name, list] of Object.entries(sizes)) {
    mkdirSync(join(folder, name), { recursive: true });
    for (const [k, [height, width]] of list.entries()) {
      const data = Buffer.alloc(height * width * 3);
      // Channel-dependent ranges give each channel its own mean and std.
      for (let i = 0; i < data.length; i++) data[i] = (i % 3) * 60 + rng.int(120);
      await sharp(data, { raw: { width, height, channels: 3 } })
        .png()
        .toFile(join(folder, name, `${k}.png`));
    }
  }
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

test('MNIST statistics equal a direct computation over the 10,000 digits', async () => {
  const digits = loadMnistDigits();
  const stats = await datasetStats(imageSetInput(digits), 'mnist');
  let sum = 0;
  for (const v of digits.images) sum += v;
  const mean = sum / digits.images.length;
  let sq = 0;
  for (const v of digits.images) sq += (v - mean) ** 2;
  const std = Math.sqrt(sq / digits.images.length);
  assert.ok(Math.abs(stats.mean[0] - mean) < 1e-9, `${stats.mean[0]} vs ${mean}`);
  assert.ok(Math.abs(stats.std[0] - std) < 1e-9, `${stats.std[0]} vs ${std}`);
  assert.ok(Math.abs(mean - 0.13) < 0.005 && Math.abs(std - 0.31) < 0.005, `${mean} ${std}`);
  assert.equal(stats.images, 10000);
  assert.deepEqual([stats.min[0], stats.max[0]], [0, 1]);
  assert.deepEqual(
    [stats.height, stats.width],
    [
      { min: 28, max: 28 },
      { min: 28, max: 28 },
    ],
  );
  const counts = new Array(10).fill(0);
  for (const label of digits.labels) counts[label]++;
  assert.deepEqual(
    stats.classes.map((c) => c.count),
    counts,
  );
});

test('tunebook stats mnist prints the table and a normalize line; --json the numbers', async () => {
  const text = await run(['stats', 'mnist']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /mnist: 10000 images, 10 classes, 1 channel;/);
  assert.match(text.stdout, /height 28\.\.28, width 28\.\.28/);
  assert.match(text.stdout, /normalize\(mean=\[0\.13\d\d\], std=\[0\.3\d\d\d\]\)/);
  const json = await run(['stats', 'mnist', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const stats = JSON.parse(json.stdout);
  assert.equal(stats.channels, 1);
  assert.equal(stats.classes.length, 10);
  assert.ok(Math.abs(stats.mean[0] - 0.13) < 0.005);
});

test('an image folder: counts, sizes and per-channel statistics', async () => {
  const r = await run(['stats', folder, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const stats = JSON.parse(r.stdout);
  assert.equal(stats.images, 3);
  assert.equal(stats.channels, 3);
  assert.deepEqual(stats.classes, [
    { name: 'cat', count: 2 },
    { name: 'dog', count: 1 },
  ]);
  assert.deepEqual(stats.height, { min: 6, max: 12 });
  assert.deepEqual(stats.width, { min: 8, max: 14 });
  assert.ok(stats.mean[0] < stats.mean[1] && stats.mean[1] < stats.mean[2]);
  assert.equal(stats.normalize, null);
});

test('a typo in a configured std warns naming the channel, configured and measured value', async () => {
  const measured = JSON.parse((await run(['stats', folder, '--json'])).stdout);
  const std = [...measured.std];
  std[2] = measured.std[2] * (0.2225 / 0.225);
  const r = runChild([
    'stats',
    folder,
    '--normalize-mean',
    measured.mean.join(','),
    '--normalize-std',
    std.join(','),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const warnings = r.stderr.trim().split('\n');
  assert.equal(warnings.length, 1, r.stderr);
  assert.match(
    warnings[0],
    new RegExp(
      `^tunebook: warning: normalize std\\[2\\]: configured ${std[2]}, ` +
        `measured ${measured.std[2].toFixed(4)} \\(channel 2 would be normalised to std 1\\.011, not 1\\)$`,
    ),
  );
  const ok = runChild([
    'stats',
    folder,
    '--normalize-mean',
    measured.mean.join(','),
    '--normalize-std',
    measured.std.join(','),
  ]);
  assert.equal(ok.stderr, '');
  assert.match(ok.stdout, /the configured mean and std fit the data/);
});

test('--pipeline reads the normalize step of a YAML file (the seed pipeline, typo included)', async () => {
  const file = join(dir, 'seed.yaml');
  writeFileSync(
    file,
    [
      'transforms:',
      '  - resize: [256, 256]',
      '  - toTensor: {}',
      '  - normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.2225]}',
      '',
    ].join('\n'),
  );
  const r = runChild(['stats', folder, '--pipeline', file, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: normalize std\[2\]: configured 0\.2225, measured/);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.normalize.configured.std, [0.229, 0.224, 0.2225]);
  assert.ok(out.normalize.mismatches.length >= 1);
});

test('bad input exits 2 with one line naming the path or flag', async () => {
  const missing = join(dir, 'no-such-folder');
  const corruptRoot = join(dir, 'corrupt');
  mkdirSync(join(corruptRoot, 'a'), { recursive: true });
  const bad = join(corruptRoot, 'a', 'broken.jpg');
  writeFileSync(bad, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0]));
  const emptyRoot = join(dir, 'empty');
  mkdirSync(join(emptyRoot, 'a'), { recursive: true });
  const cases: [string[], RegExp][] = [
    [['stats', missing], new RegExp(`^tunebook: ${missing}: no such folder$`)],
    [['stats', corruptRoot], new RegExp(`^tunebook: ${bad}: cannot (read|decode) the image \\(`)],
    [
      ['stats', emptyRoot],
      new RegExp(`^tunebook: ${join(emptyRoot, 'a')}: class folder "a" has no .*images`),
    ],
    [
      ['stats', 'mnist', '--normalize-mean', '0.1,x', '--normalize-std', '0.3'],
      /--normalize-mean: expected comma-separated numbers/,
    ],
    [
      ['stats', 'mnist', '--normalize-mean', '0.1,0.2', '--normalize-std', '0.3'],
      /--normalize-mean: expected 1 value\(s\), one per channel/,
    ],
    [
      ['stats', 'mnist', '--normalize-mean', '0.1'],
      /--normalize-mean and --normalize-std go together/,
    ],
    [['stats'], /stats: expected one data source/],
  ];
  for (const [args, pattern] of cases) {
    const r = runChild(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), pattern);
  }
});
