/**
 * PyTorch weights in a study: a torchvision state_dict trains as a frozen backbone; a bad,
 * truncated or foreign weights file, or a pickle with a forbidden global, is one line naming
 * the file, exit 2, before any trial.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInProcess } from '../../testing/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-torch-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (name: string) =>
  fileURLToPath(new URL(`../../../../test/fixtures/models/${name}`, import.meta.url));

function studyWith(name: string, pretrained: string, normalize = 'imagenet'): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
data: { source: mnist, classes: [5, 6, 7], limit: 150, preprocessing: ${normalize} }
model: { name: small-cnn }
training: { epochs: 1, batchSize: 32 }
seeds: { minSeeds: 2, maxSeeds: 2 }
measures:
  - pretrained: ${pretrained}
`,
  );
  return file;
}

const study = (file: string) =>
  runInProcess(['study', file, '--db', join(dir, 'db.sqlite'), '--workers', '1']);

test('a torchvision .pth trains as a frozen backbone on grey digits, ImageNet-normalised', async () => {
  copyFileSync(fixture('basic.pth'), join(dir, 'basic.pth'));
  const r = await study(
    studyWith('torch-ok', '{ source: basic.pth, from: torchvision, freeze: frozen }'),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /pretrained source .*basic\.pth/);
});

test('bad weights files: one line naming the file, exit 2', async () => {
  const bytes = readFileSync(fixture('basic.pth'));
  writeFileSync(join(dir, 'cut.pth'), bytes.subarray(0, bytes.length >> 1));
  copyFileSync(fixture('forbidden-global.pth'), join(dir, 'evil.pth'));
  copyFileSync(fixture('other-arch.pth'), join(dir, 'vgg.pth'));
  writeFileSync(join(dir, 'text.pth'), 'not weights at all');
  const cases: [string, RegExp][] = [
    ['cut.pth', /cut\.pth: truncated or not a zip archive/],
    ['evil.pth', /evil\.pth: refused the global posix\.system/],
    ['vgg.pth', /vgg\.pth: missing tensor conv1\.weight: not a torchvision\/timm ResNet/],
    ['text.pth', /text\.pth: not a torch\.save zip archive or a safetensors file/],
    ['absent.pth', /absent\.pth: cannot read the weights file \(ENOENT\)/],
  ];
  for (const [file, pattern] of cases) {
    const r = await study(studyWith(`bad-${file.replace('.', '-')}`, `{ source: ${file} }`));
    assert.equal(r.code, 2, `${file}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.ok(!r.stderr.includes('\n'), r.stderr);
  }
  const wrongArch = await study(
    studyWith('bad-arch', '{ source: basic.pth, from: torchvision, arch: resnet50 }'),
  );
  assert.equal(wrongArch.code, 2);
  assert.match(wrongArch.stderr, /expected a resnet50 state_dict, got resnet \(basic, 2-1-1-1\)/);
});

test('normalize imagenet and the pretrained options are checked by validate', async () => {
  // validate runs the study's preflight, so the weights file must exist and be read.
  const ok = await runInProcess([
    'validate',
    studyWith('v-ok', '{ source: basic.pth, from: timm }'),
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  const badFrom = await runInProcess([
    'validate',
    studyWith('v-from', '{ source: r.pth, from: keras }'),
  ]);
  assert.equal(badFrom.code, 2);
  assert.match(badFrom.stderr, /from: expected one of tfjs, torchvision, timm, got "keras"/);
  const badStats = await runInProcess([
    'validate',
    studyWith('v-stats', '{ source: r.pth }', '{ method: minmax, stats: imagenet }'),
  ]);
  assert.equal(badStats.code, 2);
  assert.match(badStats.stderr, /stats/);
});
