/**
 * The study schema and the components agree: for every registered schedule, optimiser,
 * transform, model, head option, backbone spec, data source, resampler and class-weight
 * form, a study file with an option set is accepted exactly when the component itself
 * (its constructor or `makeX`) accepts that option set. Option sets are generated from a
 * good set per component: the good set, the good set with an unknown key, and the good set
 * with each of its keys given a value of the wrong type; plus hand-written edge cases.
 * A component registered without a good set here fails the test, so none is skipped.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { blankImage, type Image } from '../../core/image.js';
import { encodeImage } from '../../data/encode-image.js';
import { openSource } from '../../data/open-source.js';
import { SOURCE_KINDS, type SourceKind } from '../../data/options.js';
import { randomOversample, randomUndersample } from '../../data/resample.js';
import { initEngine } from '../../engine/backend.js';
import { checkBackboneSpec } from '../../models/backbone.js';
import { MODEL_NAMES, type ModelName } from '../../models/names.js';
import { buildModel } from '../../models/registry.js';
import { classWeights } from '../../training/class-weights.js';
import { OPTIMIZER_NAMES, type OptimizerName, SCHEDULE_NAMES } from '../../training/names.js';
import { resolveOptimizerSpec } from '../../training/optimizers.js';
import { makeSchedule, type ScheduleName } from '../../training/schedules.js';
import { TRANSFORMS } from '../../transforms/registry.js';
import { parseStudy } from './load.js';
import { MEASURE_KINDS } from './measures.js';

type Options = Record<string, unknown>;

/** Good sets, and the variants generated from each. */
function variants(good: Options, extra: Options[] = []): Options[] {
  const out: Options[] = [good, { ...good, bogus: 1 }, ...extra];
  for (const key of Object.keys(good)) {
    if (key === 'name') continue;
    out.push({ ...good, [key]: { notAValue: true } }, { ...good, [key]: null });
  }
  return out;
}

function accepts(fn: () => unknown): boolean | string {
  try {
    fn();
    return true;
  } catch (error) {
    return (error as Error).message;
  }
}

async function acceptsAsync(fn: () => Promise<unknown>): Promise<boolean | string> {
  try {
    await fn();
    return true;
  } catch (error) {
    return (error as Error).message;
  }
}

const study = (over: {
  data?: Options;
  model?: Options;
  training?: Options;
  measures?: unknown[];
}) =>
  JSON.stringify({
    name: 'agree',
    data: { source: 'mnist', limit: 100, ...over.data },
    model: { name: 'small-cnn', ...over.model },
    training: { epochs: 10, batchSize: 16, optimizer: { name: 'adam', lr: 0.1 }, ...over.training },
    measures: over.measures ?? [{ classWeights: 'balanced' }],
  });

const studyAccepts = (over: Parameters<typeof study>[0]) => accepts(() => parseStudy(study(over)));

function agree(what: string, options: unknown, s: boolean | string, c: boolean | string) {
  assert.equal(
    s === true,
    c === true,
    `${what} ${JSON.stringify(options)}: study ${s === true ? 'accepts' : `refuses (${s})`}, component ${c === true ? 'accepts' : `refuses (${c})`}`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'tunebook-agree-'));
after(() => rmSync(dir, { recursive: true, force: true }));
before(async () => {
  await initEngine({ backend: 'cpu' });
});

test('the measure registry: every kind is tested below through the setting it changes', () => {
  assert.deepEqual([...MEASURE_KINDS].sort(), [
    'augment',
    'classWeights',
    'dropout',
    'extraDense',
    'lrSchedule',
    'multiTask',
    'normalize',
    'optimizer',
    'pretrained',
    'resample',
    'set',
  ]);
});

const SCHEDULES: Record<ScheduleName, { good: Options; extra: Options[] }> = {
  constant: { good: { name: 'constant' }, extra: [{ name: 'constant', gamma: 0.5 }] },
  step: {
    good: { name: 'step', stepSize: 2, gamma: 0.5 },
    extra: [{ name: 'step' }, { name: 'step', stepSize: 0 }, { name: 'step', stepSize: 1.5 }],
  },
  multistep: {
    good: { name: 'multistep', milestones: [2, 4] },
    extra: [
      { name: 'multistep', milestones: [0] },
      { name: 'multistep', milestones: [4, 2] },
      { name: 'multistep', milestones: [] },
    ],
  },
  exponential: {
    good: { name: 'exponential', gamma: 0.9 },
    extra: [{ name: 'exponential' }, { name: 'exponential', gamma: 1.5 }],
  },
  cosine: {
    good: { name: 'cosine', tMax: 5, minLr: 0.01 },
    extra: [
      { name: 'cosine', warmup: { epochs: 0 } },
      { name: 'cosine', warmup: { epochs: 2 } },
      { name: 'cosine', warmup: { epochs: 10 } },
      { name: 'cosine', warmup: { epochs: 2, steps: 3 } },
      { name: 'cosine', warmup: { steps: 3 } },
      { name: 'cosine', warmup: { epochs: 2, startFactor: 0 } },
      { name: 'cosine', tMax: 3, restarts: { tMult: 1.5 } },
      { name: 'cosine', tMax: 3, restarts: { tMult: 2 } },
      { name: 'cosine', restarts: true },
      { name: 'cosine', minLr: 0.5 },
      { name: 'cosine', per: 'batch' },
    ],
  },
  onecycle: {
    good: { name: 'onecycle', maxLr: 0.2, pctStart: 0.25 },
    extra: [
      { name: 'onecycle', pctStart: 1 },
      { name: 'onecycle', warmup: { epochs: 1 } },
    ],
  },
  plateau: {
    good: { name: 'plateau', patience: 1, factor: 0.5, cooldown: 2, mode: 'max' },
    extra: [
      { name: 'plateau', per: 'step' },
      { name: 'plateau', factor: 1 },
      { name: 'plateau', thresholdMode: 'abs', threshold: 0.01 },
      { name: 'plateau', cooldown: -1 },
    ],
  },
};

test('every schedule: the study schema and makeSchedule agree', () => {
  for (const name of SCHEDULE_NAMES) {
    const table = SCHEDULES[name];
    assert.ok(table, `no option sets for schedule ${name}`);
    for (const spec of variants(table.good, table.extra)) {
      const s = studyAccepts({ training: { schedule: spec } });
      const c = accepts(() =>
        makeSchedule(spec as never, 0.1, { epochs: 10, stepsPerEpoch: 4 }, 'training.schedule'),
      );
      agree(`schedule ${name}`, spec, s, c);
      if (s !== true && c !== true) assert.match(String(s), new RegExp(escapeRegExp(String(c))));
    }
  }
});

/** The component's message is the study's, after the file and the section's path. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const OPTIMIZERS: Record<OptimizerName, { good: Options; extra: Options[] }> = {
  adam: {
    good: { name: 'adam', lr: 0.01, beta1: 0.8, weightDecay: 0.001 },
    extra: [
      { name: 'adam', momentum: 0.9 },
      { name: 'adam', nesterov: true },
      { name: 'adam', beta2: 1 },
    ],
  },
  adamw: {
    good: { name: 'adamw', lr: 0.01, epsilon: 1e-6 },
    extra: [
      { name: 'adamw', momentum: 0.5 },
      { name: 'adamw', lr: 0 },
    ],
  },
  sgd: {
    good: { name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true },
    extra: [
      { name: 'sgd', nesterov: true },
      { name: 'sgd', beta1: 0.9 },
      { name: 'sgd', momentum: 1 },
    ],
  },
};

test('every optimizer: the study schema and the optimizer agree', () => {
  for (const name of OPTIMIZER_NAMES) {
    const table = OPTIMIZERS[name];
    assert.ok(table, `no option sets for optimizer ${name}`);
    for (const spec of variants(table.good, table.extra)) {
      const s = studyAccepts({ training: { optimizer: spec } });
      const c = accepts(() => resolveOptimizerSpec(spec as never, 'training.optimizer'));
      agree(`optimizer ${name}`, spec, s, c);
    }
  }
});

const TRANSFORM_OPTIONS: Record<string, Options> = {
  resize: { size: 8 },
  centerCrop: { size: 8 },
  randomCrop: { size: 8, padding: 2 },
  randomResizedCrop: { size: 8 },
  randomHorizontalFlip: { p: 0.5 },
  randomVerticalFlip: { p: 0.5 },
  randomRotation: { degrees: 5 },
  gaussianBlur: { kernelSize: 3 },
  randomErasing: { p: 0.5 },
  colorJitter: { brightness: 0.2 },
  grayscale: {},
  toTensor: {},
  normalize: { mean: [0.5], std: [0.5] },
};

test('every transform: the study schema and the transform agree', () => {
  for (const name of Object.keys(TRANSFORMS)) {
    const good = TRANSFORM_OPTIONS[name];
    assert.ok(good, `no option sets for transform ${name}`);
    for (const options of variants(good)) {
      // normalize takes float images: in a pipeline it follows toTensor.
      const steps =
        name === 'normalize' ? [{ toTensor: {} }, { [name]: options }] : [{ [name]: options }];
      const s = studyAccepts({ measures: [{ augment: steps }] });
      const c = accepts(() => TRANSFORMS[name].create(options, name));
      agree(`transform ${name}`, options, s, c);
    }
  }
});

const MODELS: Record<ModelName, { inputShape: number[]; good: Options; extra: Options[] }> = {
  mlp: { inputShape: [16], good: { hidden: [8] }, extra: [{ hidden: [0] }] },
  'small-cnn': { inputShape: [28, 28, 1], good: {}, extra: [{ filters: 8 }] },
  resnet: {
    inputShape: [16, 16, 1],
    good: { widths: [4, 8], stem: 'cifar' },
    extra: [
      { depth: 10, widths: [4, 8] },
      { depth: 11, widths: [4, 8] },
      { depth: 10, blocksPerStage: 1 },
      { blocksPerStage: [1, 1, 1], widths: [4, 8] },
      { widht: [4] },
    ],
  },
  cnn1d: {
    inputShape: [32, 1],
    good: { filters: [4, 8], kernelSize: 3 },
    extra: [{ filters: [] }, { poolSize: 0 }],
  },
};

test('every model: the study schema and buildModel agree on model.options', () => {
  for (const name of MODEL_NAMES) {
    const table = MODELS[name];
    assert.ok(table, `no option sets for model ${name}`);
    for (const options of variants(table.good, table.extra)) {
      const s = studyAccepts({ model: { name, options } });
      const c = accepts(() =>
        buildModel({ name, inputShape: table.inputShape, classes: 3, options }, 'model').dispose(),
      );
      agree(`model ${name}`, options, s, c);
    }
  }
});

test('head options and backbones: the study schema and the model agree', () => {
  const heads: Options[] = [
    ...variants({ dropout: { rate: 0.5, where: 'head' } }).map((v) => ({
      dropout: v.dropout ?? v,
    })),
    { dropout: { rate: 0.5, where: 'head', bogus: 1 } },
    { dropout: { rate: 1, where: 'head' } },
    { dropout: { rate: 0.2, where: 'tail' } },
    { extraDense: [16, 8] },
    { extraDense: [0] },
    { extraDense: 'x' },
  ];
  for (const head of heads) {
    const s = studyAccepts({ model: { name: 'mlp', ...head } });
    const c = accepts(() =>
      buildModel(
        { name: 'mlp', inputShape: [16], classes: 3, ...head } as never,
        'model',
      ).dispose(),
    );
    agree('head', head, s, c);
  }
  const backbones = variants(
    { source: 'b/model.json', cutAt: 'features', freeze: 'unfreeze-after', unfreezeAfter: 2 },
    [
      { source: '' },
      { source: 'b', lrMultiplier: 0 },
      { source: 'b', freeze: 'later' },
      { source: 'b', unfreezeAfter: 0 },
    ],
  );
  for (const spec of backbones) {
    const s = studyAccepts({ model: { name: 'small-cnn', pretrained: spec } });
    const c = accepts(() => checkBackboneSpec(spec, 'model.pretrained'));
    agree('backbone', spec, s, c);
  }
});

async function sourceFor(kind: SourceKind): Promise<{ source: string; good: Options }> {
  switch (kind) {
    case 'mnist':
      return { source: 'mnist', good: {} };
    case 'synthetic-signals':
      return { source: 'synthetic-signals', good: { perClass: 4, length: 32, noise: 0.1 } };
    case 'csv': {
      const file = join(dir, 's.csv');
      writeFileSync(file, 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n');
      return { source: file, good: { label: 'label', header: true } };
    }
    case 'npy': {
      const file = join(dir, 's.npy');
      writeFileSync(file, npyBytes([4, 3], [1, 2, 0, 3, 4, 1, 5, 6, 0, 7, 8, 1]));
      return { source: file, good: { labels: { column: -1 } } };
    }
    case 'folder': {
      const root = join(dir, 'photos');
      for (const cls of ['a', 'b']) {
        const { mkdirSync } = await import('node:fs');
        mkdirSync(join(root, cls), { recursive: true });
        for (let i = 0; i < 2; i++) {
          const png = await encodeImage(blankImage(8, 8, 1) as Image<Uint8Array>, 'png');
          writeFileSync(join(root, cls, `${i}.png`), png);
        }
      }
      return { source: root, good: { channels: 1, unsupported: 'ignore' } };
    }
  }
}

/** A little-endian float64 .npy file of `shape` holding `values`. */
function npyBytes(shape: number[], values: number[]): Buffer {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const total = 10 + header.length + 1;
  header = header.padEnd(header.length + ((64 - (total % 64)) % 64), ' ');
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length + 1, 8);
  return Buffer.concat([
    head,
    Buffer.from(`${header}\n`, 'latin1'),
    Buffer.from(new Float64Array(values).buffer),
  ]);
}

test('every data source: the study schema and openSource agree on data.options', async () => {
  for (const kind of SOURCE_KINDS) {
    const { source, good } = await sourceFor(kind);
    for (const options of variants(good)) {
      const s = studyAccepts({ data: { source, options } });
      const c = await acceptsAsync(() => openSource(source, options as never));
      agree(`source ${kind}`, options, s, c);
    }
  }
});

test('resampling and class weights: the study schema and the component agree', () => {
  const labels = Int32Array.from([0, 0, 0, 0, 1, 1]);
  const resamples: unknown[] = [
    'oversample',
    'undersample',
    { method: 'oversample', ratio: 0.5 },
    { method: 'undersample', ratio: 0 },
    { method: 'undersample', ratio: 2 },
    { method: 'undersample', ratio: 0.5, bogus: 1 },
    { method: 'sideways' },
  ];
  for (const r of resamples) {
    const s = studyAccepts({ data: { resample: r } });
    const spec = typeof r === 'string' ? { method: r } : (r as Options);
    const { method, ...options } = spec;
    const c = accepts(() => {
      if (method !== 'oversample' && method !== 'undersample') throw new Error('method');
      if (Object.keys(options).some((k) => k !== 'ratio')) throw new Error('unknown key');
      (method === 'oversample' ? randomOversample : randomUndersample)(labels, 0, options);
    });
    agree('resample', r, s, c);
  }
  const weights: unknown[] = [
    'balanced',
    'proportional',
    'effective',
    [1, 2],
    [1, -2],
    { strategy: 'effective', beta: 0.99 },
    { strategy: 'effective', beta: 2 },
    { strategy: 'effective', beta: 0.9, bogus: 1 },
    { strategy: 'effective' },
    { strategy: 'effective', beta: 0 },
    { strategy: 'balanced', beta: 0.9 },
    [0, 0],
    'inverse',
  ];
  for (const w of weights) {
    const s = studyAccepts({ training: { classWeights: w } });
    const c = accepts(() => classWeights(w as never, [10, 5]));
    agree('classWeights', w, s, c);
  }
});
