/**
 * The image-folder example end to end, as a user runs it: the folder made by
 * scripts/make-photo-folder.mjs (RGB PNGs and JPEGs of mixed sizes), examples/photo-folder.yaml
 * (made smaller: 2 epochs, 2 seeds) studied with `data.image`, class names in the verdicts,
 * then `export` and `predict`; and the exported model, loaded by `loadPredictor`, classifies
 * every test image as the in-process model did.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exportModel } from '../../lab/export/export-model.js';
import { loadPredictor } from '../../lab/export/predictor.js';
import { openStore } from '../../lab/store/index.js';
import { runCli } from '../../testing/cli.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tunebook-photos-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'photos.db');
const file = join(dir, 'photo-folder.yaml');

test('the photo-folder example: made, studied at one size, exported, predicted', async () => {
  const made = spawnSync(
    process.execPath,
    [join(ROOT, 'scripts/make-photo-folder.mjs'), join(dir, 'photo-folder'), '--per-class', '30'],
    { encoding: 'utf8' },
  );
  assert.equal(made.status, 0, made.stderr);
  const example = readFileSync(join(ROOT, 'examples/photo-folder.yaml'), 'utf8');
  const small = example
    .replace('epochs: 4', 'epochs: 2')
    .replace('seeds: { minSeeds: 2, maxSeeds: 3 }', 'seeds: { minSeeds: 2, maxSeeds: 2 }');
  assert.notEqual(small, example);
  writeFileSync(file, small);

  const validate = runCli(['validate', file]);
  assert.equal(validate.code, 0, validate.stderr);
  const study = runCli(['study', file, '--db', db, '--workers', '2']);
  assert.equal(study.code, 0, study.stderr);
  assert.match(study.stdout, /standardise\s+[+-]\d+\.\d\d/);
  const verdicts = JSON.parse(runCli(['verdicts', 'photo-folder', '--json', '--db', db]).stdout);
  assert.deepEqual(verdicts.classes, ['one', 'seven', 'zero']);

  // The CLI: export the standardise arm, classify three files.
  const model = join(dir, 'model');
  const exported = runCli([
    'export',
    'photo-folder',
    '--arm',
    'standardise',
    '--out',
    model,
    '--db',
    db,
  ]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(
    exported.stdout,
    /^exporting photo-folder arm m1-normalize \(standardise\): seed 0, 2 epochs \(training.epochs\), on train\+validation$/m,
  );
  assert.match(
    exported.stdout,
    /saved .*model\.json and .*preprocessing\.json \(classes: one, seven, zero\)/,
  );
  const pre = JSON.parse(readFileSync(join(model, 'preprocessing.json'), 'utf8'));
  assert.deepEqual(pre.image, { size: [32, 32], resize: 'shorter', channels: 3 });
  assert.equal(pre.scaler.type, 'standard-scaler');
  const images = ['zero/zero-000.png', 'one/one-001.jpg', 'seven/seven-002.png'].map((f) =>
    join(dir, 'photo-folder', f),
  );
  const predicted = runCli(['predict', model, ...images, '--json']);
  assert.equal(predicted.code, 0, predicted.stderr);
  const rows = JSON.parse(predicted.stdout) as {
    file: string;
    class: string;
    probability: number;
  }[];
  assert.deepEqual(
    rows.map((r) => r.file),
    images,
  );
  for (const r of rows) {
    assert.ok(['one', 'seven', 'zero'].includes(r.class));
    assert.ok(r.probability > 1 / 3 && r.probability <= 1);
  }
  const plain = runCli(['predict', model, images[0]]);
  assert.match(plain.stdout, new RegExp(`^${images[0]}  (one|seven|zero)\\s+\\d\\.\\d{3}$`, 'm'));

  // The library: the in-process model's test predictions are what the saved one gives.
  const store = await openStore(db, { readonly: true, create: false });
  const library = join(dir, 'library-model');
  let result: Awaited<ReturnType<typeof exportModel>>;
  try {
    result = await exportModel({ store, study: 'photo-folder', out: library });
  } finally {
    await store.close();
  }
  assert.ok(['stack', 'baseline'].includes(result.arm.key));
  const predictor = await loadPredictor(library);
  try {
    const again = await predictor.predictFiles(result.test.samples);
    assert.deepEqual(
      again.map((p) => p.classIndex),
      Array.from(result.test.predictions),
    );
  } finally {
    predictor.dispose();
  }
});

test('predict and export refuse bad input with one line', async () => {
  const none = runCli(['predict', join(dir, 'no-model'), 'a.png']);
  assert.equal(none.code, 2);
  assert.equal(
    none.stderr.trim(),
    `tunebook: ${join(dir, 'no-model', 'preprocessing.json')}: no such file (make a model folder with tunebook export <study> --out <dir>)`,
  );
  const arm = runCli([
    'export',
    'photo-folder',
    '--arm',
    'nope',
    '--out',
    join(dir, 'x'),
    '--db',
    db,
  ]);
  assert.equal(arm.code, 2);
  assert.match(
    arm.stderr,
    /^tunebook: --arm: expected stack, baseline or an arm \(baseline, m1-normalize, m2-augment.*\), got "nope"\n$/,
  );
});
