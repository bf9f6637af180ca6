/**
 * What each measure does to the settings, pinned as explicit expected objects: the bundled
 * examples' arms, one arm of every measure kind (a `set:` and a label among them), the stack
 * arm, and the errors a measure that makes a bad arm is refused with.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TunebookError } from '../../core/errors.js';
import { type Arm, applyMeasure, planArms, stackArm } from './arms.js';
import { loadStudyFile, parseStudy } from './load.js';
import type { MeasureConfig, StudyConfig } from './schema.js';

const example = (name: string) =>
  fileURLToPath(new URL(`../../../../examples/${name}`, import.meta.url));

interface Patch {
  data?: Partial<StudyConfig['data']>;
  model?: Partial<StudyConfig['model']>;
  training?: Partial<StudyConfig['training']>;
}

/** The base settings with some keys of data, model or training replaced. */
function withPatch(base: StudyConfig, patch: Patch): StudyConfig {
  return {
    ...base,
    data: { ...base.data, ...patch.data },
    model: { ...base.model, ...patch.model },
    training: { ...base.training, ...patch.training },
  };
}

function checkArms(
  arms: Arm[],
  base: StudyConfig,
  expected: [id: string, label: string, patch: Patch][],
): void {
  assert.deepEqual(
    arms.map((a) => a.id),
    ['baseline', ...expected.map(([id]) => id)],
  );
  assert.deepEqual(arms[0].config, base);
  expected.forEach(([id, label, patch], i) => {
    const arm = arms[i + 1];
    assert.equal(arm.label, label, id);
    assert.equal(arm.index, i + 1, id);
    assert.equal(arm.measure, base.measures[i], id);
    assert.equal(arm.kind, id.replace(/^m\d+-/, ''), id);
    assert.deepEqual(arm.config, withPatch(base, patch), id);
  });
}

const STUDY_DEFAULTS = {
  seeds: { minSeeds: 3, maxSeeds: 5 },
  metric: 'test_balanced_accuracy',
  delta: 0.5,
  stack: false,
} as const;

test('examples/mnist-tricks.yaml: each arm is the base with its one setting switched on', async () => {
  const study = await loadStudyFile(example('mnist-tricks.yaml'));
  const base: StudyConfig = {
    name: 'mnist-tricks',
    description:
      'augmentation, normalisation, class weights, LR decay, heads and transfer on imbalanced digits',
    data: {
      source: 'mnist',
      limit: 4000,
      split: { validation: 0.15, test: 0.25 },
      imbalance: { ratio: 10 },
    },
    model: { name: 'small-cnn' },
    training: { epochs: 5, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } },
    measures: study.config.measures,
    ...STUDY_DEFAULTS,
    seeds: { minSeeds: 3, maxSeeds: 8 },
  };
  const crop = { randomCrop: { size: [28, 28], padding: 2 } };
  checkArms(study.arms, base, [
    [
      'm1-augment',
      'augment crop+rotation',
      {
        training: {
          augment: { pipeline: [crop, { randomRotation: 10 }], mode: 'online', copies: 1 },
        },
      },
    ],
    [
      'm2-augment',
      "augment crop+flip+rotation (the seed's)",
      {
        training: {
          augment: {
            pipeline: [crop, { randomHorizontalFlip: {} }, { randomRotation: 10 }],
            mode: 'online',
            copies: 1,
          },
        },
      },
    ],
    ['m3-normalize', 'standardise', { data: { preprocessing: { method: 'standard' } } }],
    ['m4-normalize', 'histogram equalisation', { data: { preprocessing: { method: 'equalize' } } }],
    ['m5-classWeights', 'class weights (balanced)', { training: { classWeights: 'balanced' } }],
    [
      'm6-lrSchedule',
      'step LR decay (x0.4 every 2 epochs)',
      { training: { schedule: { name: 'step', stepSize: 2, gamma: 0.4 } } },
    ],
    ['m7-extraDense', 'extra dense 256+128', { model: { extraDense: [256, 128] } }],
    [
      'm8-dropout',
      'dropout 0.5 before the classifier',
      { model: { dropout: { rate: 0.5, where: 'before-classifier' } } },
    ],
    [
      'm9-multiTask',
      'multi-task parity head',
      { model: { multiTask: [{ name: 'parity', target: 'parity', weight: 0.5 }] } },
    ],
    [
      'm10-pretrained',
      'backbone pretrained on digits 0-4',
      { model: { pretrained: { source: 'backbones/digits-0-4', freeze: 'trainable' } } },
    ],
  ]);
  // One arm spelled out in full, not through withPatch.
  assert.deepEqual(study.arms[3].config, {
    name: 'mnist-tricks',
    description: base.description,
    data: {
      source: 'mnist',
      limit: 4000,
      split: { validation: 0.15, test: 0.25 },
      imbalance: { ratio: 10 },
      preprocessing: { method: 'standard' },
    },
    model: { name: 'small-cnn' },
    training: { epochs: 5, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } },
    measures: study.config.measures,
    seeds: { minSeeds: 3, maxSeeds: 8 },
    metric: 'test_balanced_accuracy',
    delta: 0.5,
    stack: false,
  });
});

test('examples/signals-standardize.yaml: each normalisation replaces the preprocessing', async () => {
  const study = await loadStudyFile(example('signals-standardize.yaml'));
  const base: StudyConfig = {
    name: 'signals-standardize',
    data: {
      source: 'synthetic-signals',
      options: { perClass: 150, length: 256 },
      split: { validation: 0.15, test: 0.25 },
    },
    model: { name: 'cnn1d' },
    training: { epochs: 4, batchSize: 32, optimizer: { name: 'adam', lr: 0.001 } },
    measures: study.config.measures,
    ...STUDY_DEFAULTS,
  };
  checkArms(study.arms, base, [
    [
      'm1-normalize',
      "standardise each signal (the seed's std())",
      { data: { preprocessing: { method: 'standard', axis: 'sample' } } },
    ],
    [
      'm2-normalize',
      'min-max scale each signal',
      { data: { preprocessing: { method: 'minmax', axis: 'sample' } } },
    ],
    [
      'm3-normalize',
      'standardise per channel (fitted on the training split)',
      { data: { preprocessing: { method: 'standard', axis: 'channel' } } },
    ],
  ]);
});

const EVERY_KIND = `
name: every-kind
data: { source: mnist, limit: 400, preprocessing: minmax }
model: { name: resnet, options: { widths: [8, 16] } }
training:
  epochs: 2
  batchSize: 32
  optimizer: { name: sgd, lr: 0.01, momentum: 0.9 }
measures:
  - augment: [{ randomHorizontalFlip: {} }]
  - augment: { pipeline: [{ randomRotation: 10 }], mode: offline, copies: 2 }
  - normalize: standard
  - normalize: { method: clahe, clipLimit: 2, tileGrid: [4, 4] }
  - classWeights: balanced
  - classWeights: [1, 2.5]
  - resample: oversample
  - resample: { method: undersample, ratio: 0.5 }
  - lrSchedule: { name: step, stepSize: 2, gamma: 0.5 }
  - optimizer: { lr: 0.05 }
  - optimizer: { name: adam, weightDecay: 0.0001 }
  - extraDense: [64]
  - dropout: { rate: 0.25, where: head }
  - multiTask: [{ name: parity, target: parity }]
  - pretrained: { source: backbones/x, cutAt: flatten }
  - set: { training.batchSize: 16, model.options.stem: cifar, data.spectrogram.nFft: 64 }
  - set: { training.labelSmoothing: 0.1 }
    label: smooth labels
`;

function everyKind() {
  const study = parseStudy(EVERY_KIND, 'every-kind.yaml');
  const base: StudyConfig = {
    name: 'every-kind',
    data: {
      source: 'mnist',
      limit: 400,
      split: { validation: 0.1, test: 0.2 },
      preprocessing: { method: 'minmax' },
    },
    model: { name: 'resnet', options: { widths: [8, 16] } },
    training: { epochs: 2, batchSize: 32, optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 } },
    measures: study.config.measures,
    seeds: { minSeeds: 3, maxSeeds: 6 },
    metric: 'test_balanced_accuracy',
    delta: 0.5,
    stack: false,
  };
  return { study, base };
}

test('one arm of every measure kind: the setting it replaces, merges or sets', () => {
  const { study, base } = everyKind();
  const sgd = base.training.optimizer;
  checkArms(study.arms, base, [
    [
      'm1-augment',
      'augment randomHorizontalFlip (online)',
      {
        training: {
          augment: { pipeline: [{ randomHorizontalFlip: {} }], mode: 'online', copies: 1 },
        },
      },
    ],
    [
      'm2-augment',
      'augment randomRotation (offline)',
      {
        training: {
          augment: { pipeline: [{ randomRotation: 10 }], mode: 'offline', copies: 2 },
        },
      },
    ],
    ['m3-normalize', 'normalize standard', { data: { preprocessing: { method: 'standard' } } }],
    [
      'm4-normalize',
      'normalize clahe',
      { data: { preprocessing: { method: 'clahe', clipLimit: 2, tileGrid: [4, 4] } } },
    ],
    ['m5-classWeights', 'classWeights balanced', { training: { classWeights: 'balanced' } }],
    ['m6-classWeights', 'classWeights [1, 2.5]', { training: { classWeights: [1, 2.5] } }],
    ['m7-resample', 'resample oversample', { data: { resample: { method: 'oversample' } } }],
    [
      'm8-resample',
      'resample undersample',
      { data: { resample: { method: 'undersample', ratio: 0.5 } } },
    ],
    [
      'm9-lrSchedule',
      'lr step',
      { training: { schedule: { name: 'step', stepSize: 2, gamma: 0.5 } } },
    ],
    // The optimizer patch is merged into the base optimizer: a patch without a name keeps
    // the study's optimizer (sgd here) and changes only what it names; one naming another
    // optimizer drops the base settings that one does not take (sgd's momentum for adam).
    ['m10-optimizer', 'optimizer lr 0.05', { training: { optimizer: { ...sgd, lr: 0.05 } } }],
    [
      'm11-optimizer',
      'optimizer name adam, weightDecay 0.0001',
      { training: { optimizer: { name: 'adam', lr: sgd.lr, weightDecay: 0.0001 } } },
    ],
    ['m12-extraDense', 'extraDense [64]', { model: { extraDense: [64] } }],
    [
      'm13-dropout',
      'dropout rate 0.25, where head',
      { model: { dropout: { rate: 0.25, where: 'head' } } },
    ],
    [
      'm14-multiTask',
      'multi-task parity',
      { model: { multiTask: [{ name: 'parity', target: 'parity', weight: 0.5 }] } },
    ],
    [
      'm15-pretrained',
      'pretrained source backbones/x, cutAt flatten, freeze frozen',
      { model: { pretrained: { source: 'backbones/x', cutAt: 'flatten', freeze: 'frozen' } } },
    ],
    [
      'm16-set',
      'set training.batchSize 16, model.options.stem cifar, data.spectrogram.nFft 64',
      {
        data: { spectrogram: { nFft: 64 } },
        model: { options: { widths: [8, 16], stem: 'cifar' } },
        training: { batchSize: 16 },
      },
    ],
    ['m17-set', 'smooth labels', { training: { labelSmoothing: 0.1 } }],
  ]);

  // Three arms spelled out in full: an assignment, a merge and a `set:`.
  const { measures, seeds, metric, delta, stack } = base;
  const rest = { measures, seeds, metric, delta, stack };
  assert.deepEqual(study.arms[2].config, {
    name: 'every-kind',
    data: {
      source: 'mnist',
      limit: 400,
      split: { validation: 0.1, test: 0.2 },
      preprocessing: { method: 'minmax' },
    },
    model: { name: 'resnet', options: { widths: [8, 16] } },
    training: {
      epochs: 2,
      batchSize: 32,
      optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 },
      augment: { pipeline: [{ randomRotation: 10 }], mode: 'offline', copies: 2 },
    },
    ...rest,
  });
  assert.deepEqual(study.arms[11].config, {
    name: 'every-kind',
    data: {
      source: 'mnist',
      limit: 400,
      split: { validation: 0.1, test: 0.2 },
      preprocessing: { method: 'minmax' },
    },
    model: { name: 'resnet', options: { widths: [8, 16] } },
    training: {
      epochs: 2,
      batchSize: 32,
      optimizer: { name: 'adam', lr: 0.01, weightDecay: 0.0001 },
    },
    ...rest,
  });
  assert.deepEqual(study.arms[16].config, {
    name: 'every-kind',
    data: {
      source: 'mnist',
      limit: 400,
      split: { validation: 0.1, test: 0.2 },
      preprocessing: { method: 'minmax' },
      spectrogram: { nFft: 64 },
    },
    model: { name: 'resnet', options: { widths: [8, 16], stem: 'cifar' } },
    training: { epochs: 2, batchSize: 16, optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 } },
    ...rest,
  });
});

test('the stack arm applies every measure in order, later ones winning', () => {
  const { study, base } = everyKind();
  const stack = stackArm(study.config, study.config.measures);
  assert.equal(stack.id, 'stack');
  assert.equal(stack.kind, 'stack');
  assert.equal(stack.index, 18);
  assert.equal(stack.measure, null);
  assert.match(stack.label, /^stack \(augment randomHorizontalFlip \(online\) \+ .* \+ set /);
  assert.deepEqual(stack.config, {
    ...base,
    data: {
      source: 'mnist',
      limit: 400,
      split: { validation: 0.1, test: 0.2 },
      preprocessing: { method: 'clahe', clipLimit: 2, tileGrid: [4, 4] },
      resample: { method: 'undersample', ratio: 0.5 },
      spectrogram: { nFft: 64 },
    },
    model: {
      name: 'resnet',
      options: { widths: [8, 16], stem: 'cifar' },
      extraDense: [64],
      dropout: { rate: 0.25, where: 'head' },
      multiTask: [{ name: 'parity', target: 'parity', weight: 0.5 }],
      pretrained: { source: 'backbones/x', cutAt: 'flatten', freeze: 'frozen' },
    },
    training: {
      epochs: 2,
      batchSize: 16,
      optimizer: { name: 'adam', lr: 0.05, weightDecay: 0.0001 },
      schedule: { name: 'step', stepSize: 2, gamma: 0.5 },
      classWeights: [1, 2.5],
      labelSmoothing: 0.1,
      augment: { pipeline: [{ randomRotation: 10 }], mode: 'offline', copies: 2 },
    },
  });
});

test('applying a measure leaves the base settings untouched', () => {
  const { study } = everyKind();
  const before = structuredClone(study.config);
  planArms(study.config);
  stackArm(study.config, study.config.measures);
  assert.deepEqual(study.config, before);
});

test('a measure that makes a bad arm is refused, naming the field', () => {
  const { config } = parseStudy(
    `
name: t
data: { source: mnist, limit: 400 }
model: { name: small-cnn }
training: { epochs: 2, batchSize: 32 }
measures:
  - classWeights: balanced
`,
    't',
  );
  const refuses = (measure: unknown, message: string) =>
    assert.throws(
      () => applyMeasure(config, measure as MeasureConfig, 'measures[3]'),
      (e: unknown) => {
        assert.ok(e instanceof TunebookError, String(e));
        assert.equal(e.code, 'E_CONFIG');
        assert.equal(e.message, message);
        return true;
      },
    );
  const kinds =
    'augment, normalize, classWeights, resample, lrSchedule, optimizer, extraDense, dropout, multiTask, pretrained, set';
  refuses({ frobnicate: 1 }, `measures[3]: expected a measure (${kinds}), got {"frobnicate":1}`);
  refuses({ label: 'x' }, `measures[3]: expected a measure (${kinds}), got {"label":"x"}`);
  const notAPath = (path: string) =>
    `measures[3].set[${JSON.stringify(path)}]: expected a setting path under data, model, training (e.g. training.batchSize), got ${JSON.stringify(path)}`;
  refuses({ set: { 'nothing.here': 1 } }, notAPath('nothing.here'));
  refuses({ set: { training: 1 } }, notAPath('training'));
  refuses({ set: { 'training..x': 1 } }, notAPath('training..x'));
  refuses(
    { set: { 'training.batchSize.x': 1 } },
    'measures[3].set["training.batchSize.x"]: expected a path through mappings; batchSize is not one, got "training.batchSize.x"',
  );
  refuses(
    { set: { 'training.batchSize': 0 } },
    'measures[3].set: makes the arm invalid: training.batchSize: expected an integer in [1, 65536], got 0',
  );
  refuses(
    { set: { 'training.colour': 'red' } },
    'measures[3].set: makes the arm invalid: training.colour: unknown setting (expected epochs, batchSize, optimizer, schedule, earlyStopping, classWeights, labelSmoothing, augment)',
  );
  refuses(
    { dropout: { rate: 2, where: 'head' } },
    'measures[3].dropout: makes the arm invalid: model.dropout.rate: expected a number in [0, 1), got 2',
  );
  // A `set:` may create a mapping on its way, and replaces a whole mapping at its end.
  assert.deepEqual(
    applyMeasure(config, { set: { 'training.optimizer': { name: 'sgd' } } }, 'm').training
      .optimizer,
    { name: 'sgd' },
  );
  assert.deepEqual(applyMeasure(config, { set: { 'model.options': {} } }, 'm').model.options, {});
  // A model option the model does not take is refused on the arm, as a build would.
  refuses(
    { set: { 'model.options.width': 3 } },
    'measures[3].set: makes the arm invalid: model.options.width: unknown setting (none is taken here)',
  );
  // An optimizer patch is checked merged: Adam (the base's) takes no momentum.
  refuses(
    { optimizer: { momentum: 0.9 } },
    'measures[3].optimizer: makes the arm invalid: training.optimizer.momentum: unknown setting (expected name, lr, weightDecay, beta1, beta2, epsilon)',
  );
});
