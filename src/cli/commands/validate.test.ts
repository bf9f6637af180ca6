/**
 * `tunebook validate` refuses, with one exact line and exit code 2, everything a trial
 * would refuse later (issue 12) and every unknown key at every level (issue 16); and
 * `tunebook note` refuses measures the notebook does not know unless `--new`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runInProcess } from '../../testing/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-validate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const BASE = {
  data: 'data: { source: mnist, limit: 300 }',
  model: 'model: { name: small-cnn }',
  training: 'training: { epochs: 4, batchSize: 32 }',
  measures: 'measures:\n  - classWeights: balanced',
};

function study(parts: Partial<typeof BASE>): string {
  const p = { ...BASE, ...parts };
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `name: t\n${p.data}\n${p.model}\n${p.training}\n${p.measures}\n`);
  return file;
}

async function refuses(parts: Partial<typeof BASE>, message: string) {
  const file = study(parts);
  const r = await runInProcess(['validate', file]);
  assert.equal(r.stderr, `${file}: ${message}`);
  assert.equal(r.code, 2);
}

test('validate accepts a good study and plateau cooldown', async () => {
  const r = await runInProcess([
    'validate',
    study({
      training:
        'training: { epochs: 4, batchSize: 32, schedule: { name: plateau, patience: 1, cooldown: 2 } }',
    }),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /arm m1-classWeights: classWeights balanced/);
});

test('validate refuses what a trial would refuse', async () => {
  await refuses(
    { training: 'training: { epochs: 4, schedule: { name: multistep, milestones: [0] } }' },
    'training.schedule.milestones[0]: expected an integer >= 1, got 0',
  );
  await refuses(
    { training: 'training: { epochs: 4, schedule: { name: cosine, warmup: { epochs: 0 } } }' },
    'training.schedule.warmup.epochs: expected an integer >= 1, got 0',
  );
  await refuses(
    { training: 'training: { epochs: 4, schedule: { name: cosine, warmup: { epochs: 4 } } }' },
    'training.schedule.warmup: expected a warmup shorter than the run (4 epochs), got {"epochs":4}',
  );
  await refuses(
    {
      training:
        'training: { epochs: 4, schedule: { name: cosine, tMax: 2, restarts: { tMult: 1.5 } } }',
    },
    'training.schedule.restarts.tMult: expected an integer >= 1, got 1.5',
  );
  await refuses(
    { training: 'training: { epochs: 4, optimizer: { name: adam, momentum: 0.9 } }' },
    'training.optimizer.momentum: unknown setting (expected name, lr, weightDecay, beta1, beta2, epsilon)',
  );
  await refuses(
    { measures: 'measures:\n  - augment: [randomRotaton: 10]' },
    'measures[0].augment[0].randomRotaton: unknown transform (did you mean randomRotation? known: resize, centerCrop, randomCrop, randomResizedCrop, randomHorizontalFlip, randomVerticalFlip, randomRotation, gaussianBlur, randomErasing, colorJitter, grayscale, toTensor, normalize, randomApply, compose)',
  );
  await refuses(
    { measures: 'measures:\n  - augment: { pipeline: [randomRotation: { degreez: 5 }] }' },
    'measures[0].augment.pipeline[0].randomRotation.degreez: unknown parameter (did you mean degrees? expected one of degrees, interpolation, expand, center, fill)',
  );
  await refuses(
    { measures: 'measures:\n  - optimizer: { momentum: 0.9 }' },
    'measures[0].optimizer: makes the arm invalid: training.optimizer.momentum: unknown setting (expected name, lr, weightDecay, beta1, beta2, epsilon)',
  );
});

test('validate refuses unknown keys at every level, with did-you-mean', async () => {
  await refuses(
    { data: 'data: { source: synthetic-signals, options: { perClas: 10 } }' },
    'data.options.perClas: unknown setting (did you mean perClass?)',
  );
  await refuses(
    { data: `data: { source: ${join(dir, 'photos')}, options: { chanels: 1 } }` },
    'data.options.chanels: unknown setting (did you mean channels?)',
  );
  await refuses(
    { model: 'model: { name: resnet, options: { widht: [8] } }' },
    'model.options.widht: unknown setting (did you mean widths?)',
  );
  await refuses(
    { model: 'model: { name: small-cnn, dropuot: { rate: 0.5, where: head } }' },
    'model.dropuot: unknown setting (did you mean dropout?)',
  );
  await refuses(
    { training: 'training: { epochs: 4, schedule: { name: plateau, cooldwn: 1 } }' },
    'training.schedule.cooldwn: unknown setting (did you mean cooldown?)',
  );
  await refuses(
    { measures: 'measures:\n  - augment: { pipeline: [randomRotation: 5], mdoe: online }' },
    'measures[0].augment.mdoe: unknown setting (did you mean mode?)',
  );
  await refuses(
    { data: 'data: { source: mnist, preprocessing: { method: standard, axsi: channel } }' },
    'data.preprocessing.axsi: unknown setting (did you mean axis?)',
  );
  await refuses(
    { measures: 'measures:\n  - classWeights: { strategy: effective, beta: 0.9, bta: 1 }' },
    'measures[0].classWeights.bta: unknown setting (did you mean beta?)',
  );
});

test('validate names a misspelt measure kind, and two kinds in one measure', async () => {
  const three =
    'measures:\n  - classWeights: balanced\n  - extraDense: [64]\n  - dropuot: { rate: 0.5, where: head }';
  await refuses(
    { measures: three },
    "measures[2]: unknown measure 'dropuot' (did you mean 'dropout'?)",
  );
  await refuses(
    { measures: 'measures:\n  - { dropout: { rate: 0.5, where: head }, extraDense: [64] }' },
    "measures[0]: 'dropout' and 'extraDense' in one measure: a measure switches on one thing; make each its own measure",
  );
  await refuses(
    { measures: 'measures:\n  - { label: nothing }' },
    'measures[0]: no measure (expected one of augment, normalize, classWeights, resample, lrSchedule, optimizer, extraDense, dropout, multiTask, pretrained, set, and an optional label)',
  );
});

test('note refuses a measure neither in the notebook nor a kind, unless --new', async () => {
  const db = join(dir, 'notes.db');
  const invented = await runInProcess(['note', 'dropout 0.5', 'x', '--db', db]);
  assert.equal(
    invented.stderr,
    'measure: expected a measure in the notebook or a bare kind (--new starts a new entry), got "dropout 0.5"',
  );
  assert.equal(invented.code, 2);
  const kind = await runInProcess(['note', 'dropout', 'applies to every dropout', '--db', db]);
  assert.equal(kind.code, 0, kind.stderr);
  const created = await runInProcess(['note', 'dropout head', 'x', '--new', '--db', db]);
  assert.equal(created.code, 0, created.stderr);
  // Now the notebook lists it, so it needs no --new, and a near miss is pointed at it.
  assert.equal((await runInProcess(['note', 'dropout head', 'y', '--db', db])).code, 0);
  const near = await runInProcess(['note', 'dropout haed', 'x', '--db', db]);
  assert.equal(
    near.stderr,
    'measure: expected a measure in the notebook or a bare kind (did you mean "dropout head"? --new starts a new entry), got "dropout haed"',
  );
  const typo = await runInProcess(['note', 'dropuot', 'x', '--new', '--db', db]);
  assert.match(
    typo.stderr,
    /^measure: expected a measure as the notebook names it, .*\(did you mean dropout\?\), got "dropuot"$/,
  );
  assert.equal(typo.code, 2);
});
