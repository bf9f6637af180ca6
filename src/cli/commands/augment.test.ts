import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { BIN, runCli, runInProcess } from '../../testing/cli.js';

const root = mkdtempSync(join(tmpdir(), 'tunebook-augment-cli-'));
after(() => rmSync(root, { recursive: true, force: true }));

const runCommand = (argv: string[]) => runInProcess(['augment', ...argv]);

async function makeFolder(dir: string): Promise<void> {
  for (const [cls, n] of [
    ['a', 3],
    ['b', 2],
  ] as const) {
    mkdirSync(join(dir, cls), { recursive: true });
    for (let i = 0; i < n; i++) {
      const pixels = Buffer.alloc(20 * 24 * 3);
      for (let k = 0; k < pixels.length; k++) pixels[k] = (k * (i + 3) + cls.charCodeAt(0)) % 256;
      await sharp(pixels, { raw: { width: 24, height: 20, channels: 3 } })
        .png()
        .toFile(join(dir, cls, `img${i}.png`));
    }
  }
}

const GOOD =
  '- randomCrop: {size: 16, padding: 2}\n- randomHorizontalFlip: {}\n- randomRotation: 10\n';

test('tunebook augment writes K copies per image and a summary line', async () => {
  const inDir = join(root, 'in');
  await makeFolder(inDir);
  writeFileSync(join(root, 'good.yaml'), GOOD);
  const r = await runCommand([
    inDir,
    join(root, 'out'),
    '--pipeline',
    join(root, 'good.yaml'),
    '--copies',
    '3',
    '--seed',
    '7',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote 15 images \(5 x 3 copies, 2 classes\)/);
  assert.equal(readdirSync(join(root, 'out', 'a')).length, 9);
  assert.equal(readdirSync(join(root, 'out', 'b')).length, 6);
});

test('tunebook augment: bad pipeline or usage exits 2 with one line and writes nothing', async () => {
  const inDir = join(root, 'in2');
  await makeFolder(inDir);
  const bad = join(root, 'bad.yaml');
  writeFileSync(bad, GOOD.replace('randomRotation: 10', 'randomRotation: {degreez: 10}'));
  const out = join(root, 'out2');
  const r = await runCommand([inDir, out, '--pipeline', bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bad\.yaml:3: pipeline\[2\]\.randomRotation\.degreez: unknown parameter/);
  assert.equal(r.stderr.split('\n').length, 1);
  assert.equal(existsSync(out), false);
  for (const [argv, message] of [
    [[inDir, out], /--pipeline <file\.yaml> is required/],
    [[inDir, '--pipeline', bad], /expected <in-dir> <out-dir>, got 1 argument/],
    [
      [inDir, out, '--pipeline', join(root, 'missing.yaml')],
      /missing\.yaml: no such pipeline file/,
    ],
    [
      [join(root, 'nowhere'), out, '--pipeline', join(root, 'good.yaml')],
      /nowhere: no such folder/,
    ],
    [
      [inDir, out, '--pipeline', bad, '--copies', '0'],
      /--copies: expected an integer in \[1, 100000\], got "0"/,
    ],
  ] as const) {
    const res = await runCommand([...argv]);
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, message);
  }
  assert.equal(existsSync(out), false);
});

const registered = existsSync(BIN) && runCli(['--help']).stdout.includes('augment');

test(
  'the installed CLI runs augment end to end',
  { skip: !registered && 'augment is not registered in src/cli/main.ts yet' },
  async () => {
    const inDir = join(root, 'in3');
    await makeFolder(inDir);
    writeFileSync(join(root, 'good.yaml'), GOOD);
    const ok = runCli([
      'augment',
      inDir,
      join(root, 'out3'),
      '--pipeline',
      join(root, 'good.yaml'),
      '--copies',
      '2',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(readdirSync(join(root, 'out3', 'a')).length, 6);
    writeFileSync(join(root, 'bad.yaml'), '- randomRotaton: 5\n');
    const bad = runCli([
      'augment',
      inDir,
      join(root, 'out4'),
      '--pipeline',
      join(root, 'bad.yaml'),
    ]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /^tunebook: .*bad\.yaml:1: pipeline\[0\]\.randomRotaton: unknown transform/,
    );
    assert.equal(existsSync(join(root, 'out4')), false);
  },
);
