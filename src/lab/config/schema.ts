/**
 * The study file: data, model, training settings, the measures to test, seeds, metric and
 * delta. One schema, so `tunebook validate` and `tunebook study` check files the same way,
 * and so a measure is checked with the same rules as the setting it changes.
 *
 * A measure is one key (plus an optional `label`): the setting it switches on for its arm.
 */
import { z } from 'zod';
import { DROPOUT_PLACES, FREEZE_MODES, MODEL_NAMES } from '../../models/names.js';
import {
  CLASS_WEIGHT_STRATEGIES,
  MONITORS,
  OPTIMIZER_NAMES,
  SCHEDULE_NAMES,
  TASK_TARGETS,
} from '../../training/names.js';
import { INTERVAL_RULES } from '../stats/rules.js';
import { ERROR_RATES } from '../stats/study-rule.js';
import { int, num, oneOf, record, text } from './fields.js';

export const METRICS = ['test_balanced_accuracy', 'test_accuracy', 'test_macro_f1'] as const;
export type MetricName = (typeof METRICS)[number];
export const NORMALIZE_METHODS = ['standard', 'minmax', 'equalize', 'clahe'] as const;
/** Fitted on the training split per channel, globally or per feature; or `sample`: each sample by its own statistics (the seed's std() of one 1-D signal), nothing fitted. */
export const SCALER_AXES = ['channel', 'global', 'feature', 'sample'] as const;
export const RESAMPLE_METHODS = ['oversample', 'undersample'] as const;
export const AUGMENT_MODES = ['online', 'offline', 'both'] as const;
export const MEASURE_KINDS = [
  'augment',
  'normalize',
  'classWeights',
  'resample',
  'lrSchedule',
  'optimizer',
  'extraDense',
  'dropout',
  'multiTask',
  'pretrained',
  'set',
] as const;
export type MeasureKind = (typeof MEASURE_KINDS)[number];

const rate = num(0, 1, { max: true });
const fraction = num(0, 1, { min: true, max: true });

export const Pipeline = z.array(
  z.record(z.string(), z.unknown(), { error: 'a transform like {randomHorizontalFlip: {}}' }),
  {
    error: 'a list of transforms',
  },
);

export const Augment = z.union(
  [
    Pipeline.transform((pipeline) => ({ pipeline, mode: 'online' as const, copies: 1 })),
    record({
      pipeline: Pipeline,
      mode: oneOf(AUGMENT_MODES).default('online'),
      copies: int(1, 100).default(1),
    }),
  ],
  { error: 'a transform list or {pipeline, mode, copies}' },
);

export const Normalize = z.union(
  [
    oneOf(NORMALIZE_METHODS).transform((method) => ({ method })),
    record({
      method: oneOf(NORMALIZE_METHODS),
      axis: oneOf(SCALER_AXES).optional(),
      clipLimit: num(0).optional(),
      tileGrid: z
        .tuple([int(1, 64), int(1, 64)], { error: 'two integers [rows, columns]' })
        .optional(),
    }),
  ],
  { error: `one of ${NORMALIZE_METHODS.join(', ')} or {method, ...}` },
);

export const ClassWeights = z.union(
  [
    oneOf(CLASS_WEIGHT_STRATEGIES),
    z.array(num(0), { error: 'a list of non-negative numbers, one per class' }).min(1),
    record({ strategy: z.literal('effective'), beta: num(0, 1, { min: true, max: true }) }),
  ],
  {
    error: `one of ${CLASS_WEIGHT_STRATEGIES.join(', ')}, a list of weights, or {strategy: effective, beta}`,
  },
);

export const Resample = z.union(
  [
    oneOf(RESAMPLE_METHODS).transform((method) => ({ method })),
    record({ method: oneOf(RESAMPLE_METHODS), ratio: num(0, 1, { min: true }).optional() }),
  ],
  { error: `one of ${RESAMPLE_METHODS.join(', ')} or {method, ratio}` },
);

const OPTIMIZER_SETTINGS = {
  lr: num(0, 10, { min: true }).optional(),
  momentum: num(0, 1, { max: true }).optional(),
  nesterov: z.boolean({ error: 'true or false' }).optional(),
  weightDecay: num(0).optional(),
  beta1: num(0, 1, { max: true }).optional(),
  beta2: num(0, 1, { max: true }).optional(),
  epsilon: num(0, 1, { min: true }).optional(),
};

export const Optimizer = record({
  name: oneOf(OPTIMIZER_NAMES).default('adam'),
  ...OPTIMIZER_SETTINGS,
});

/** An optimizer measure: changes only what it names (no default name: `{ lr: 0.05 }` keeps the optimizer). */
export const OptimizerPatch = record({
  name: oneOf(OPTIMIZER_NAMES).optional(),
  ...OPTIMIZER_SETTINGS,
});

export const Schedule = record({
  name: oneOf(SCHEDULE_NAMES),
  per: oneOf(['epoch', 'step'] as const).optional(),
  stepSize: int(1).optional(),
  gamma: num(0, 1, { min: true }).optional(),
  milestones: z.array(int(0), { error: 'a list of epochs' }).optional(),
  tMax: int(1).optional(),
  restarts: z
    .union([z.boolean(), record({ tMult: num(1).optional() })], { error: 'true, false or {tMult}' })
    .optional(),
  minLr: num(0).optional(),
  maxLr: num(0, 10, { min: true }).optional(),
  pctStart: fraction.optional(),
  patience: int(0).optional(),
  factor: num(0, 1, { min: true, max: true }).optional(),
  mode: oneOf(['min', 'max'] as const).optional(),
  threshold: num(0).optional(),
  warmup: record({
    epochs: int(0).optional(),
    steps: int(0).optional(),
    startFactor: num(0, 1, { min: true }).optional(),
  }).optional(),
});

export const Dropout = record({ rate, where: oneOf(DROPOUT_PLACES) });
export const ExtraDense = z
  .array(int(1, 65536), { error: 'a list of layer widths, e.g. [256, 128]' })
  .min(1, {
    error: 'at least one layer width',
  });
export const MultiTask = z
  .array(
    record({
      name: text().regex(/^[A-Za-z][\w-]*$/, { error: 'a name of letters, digits, - and _' }),
      target: oneOf(TASK_TARGETS),
      weight: num(0).default(0.5),
    }),
    { error: 'a list of heads {name, target, weight}' },
  )
  .min(1, { error: 'at least one head' });
export const Pretrained = record({
  source: text('a path to a model.json (or its folder) or an http(s) URL'),
  cutAt: text('a layer name').optional(),
  freeze: oneOf(FREEZE_MODES).default('frozen'),
  unfreezeAfter: int(1).optional(),
  lrMultiplier: num(0, 1, { min: true }).optional(),
});

export const EarlyStopping = record({
  monitor: oneOf(MONITORS).default('val_loss'),
  patience: int(1).default(3),
  minDelta: num(0).optional(),
  restoreBest: z.boolean({ error: 'true or false' }).default(true),
});

export const Data = record({
  source: text('a data source: mnist, synthetic-signals, an image folder, a .csv or .npy file'),
  options: z.record(z.string(), z.unknown(), { error: 'a mapping of source options' }).optional(),
  /** Keep only these classes (by index), relabelled 0.. in this order: a transfer task. */
  classes: z
    .array(int(0), { error: 'a list of class indices' })
    .min(2, { error: 'at least two classes' })
    .optional(),
  limit: int(20).optional(),
  split: record({ validation: fraction.default(0.1), test: fraction.default(0.2) }).default({
    validation: 0.1,
    test: 0.2,
  }),
  imbalance: record({ ratio: num(1) }).optional(),
  resample: Resample.optional(),
  preprocessing: Normalize.optional(),
  spectrogram: record({
    nFft: int(8, 4096).optional(),
    hop: int(1).optional(),
    scale: oneOf(['log', 'db', 'magnitude'] as const).optional(),
  }).optional(),
});

export const Model = record({
  name: oneOf(MODEL_NAMES),
  options: z.record(z.string(), z.unknown(), { error: 'a mapping of model options' }).optional(),
  extraDense: ExtraDense.optional(),
  dropout: Dropout.optional(),
  multiTask: MultiTask.optional(),
  pretrained: Pretrained.optional(),
});

export const Training = record({
  epochs: int(1, 1000),
  batchSize: int(1, 65536).default(64),
  optimizer: Optimizer.default({ name: 'adam' }),
  schedule: Schedule.optional(),
  earlyStopping: EarlyStopping.optional(),
  classWeights: ClassWeights.optional(),
  labelSmoothing: num(0, 1, { max: true }).optional(),
  augment: Augment.optional(),
});

const measure = <K extends MeasureKind, S extends z.ZodType>(kind: K, schema: S) =>
  z.strictObject(
    { [kind]: schema, label: text('a label').optional() } as { [P in K]: S } & {
      label: z.ZodOptional<z.ZodString>;
    },
    { error: 'a measure' },
  );

export const Measure = z.union(
  [
    measure('augment', Augment),
    measure('normalize', Normalize),
    measure('classWeights', ClassWeights),
    measure('resample', Resample),
    measure('lrSchedule', Schedule),
    measure('optimizer', OptimizerPatch),
    measure('extraDense', ExtraDense),
    measure('dropout', Dropout),
    measure('multiTask', MultiTask),
    measure('pretrained', Pretrained),
    measure(
      'set',
      z.record(z.string(), z.unknown(), { error: 'a mapping of setting paths to values' }),
    ),
  ],
  { error: `a measure: one of ${MEASURE_KINDS.join(', ')} (and an optional label)` },
);

/**
 * How adaptive seeding's intervals are made (lab/stats/rules.ts): `spending` (the default),
 * O'Brien-Fleming-type alpha spending; `repeated`, Pocock's constant level; both hold 95%
 * over all looks together. `per-look`, a 95% t interval at each look (the more looks, the
 * likelier some look is wrong), kept by name for older studies.
 */
export const INTERVALS = INTERVAL_RULES;

export const Study = record({
  name: text('a study name').regex(/^[A-Za-z0-9][\w.-]{0,99}$/, {
    error: 'a name of letters, digits, ., - and _ (at most 100)',
  }),
  description: z.string({ error: 'a string' }).optional(),
  data: Data,
  model: Model,
  training: Training,
  measures: z
    .array(Measure, { error: 'a list of measures' })
    .min(1, { error: 'at least one measure' }),
  seeds: record({
    minSeeds: int(2, 100).default(3),
    maxSeeds: int(2, 100).default(6),
    // No default, so that a study file keeps its hash: left out, a new study records the
    // default rule when stored, and a study stored before that keeps per-look
    // (lab/stats/study-rule.ts).
    intervals: oneOf(INTERVALS).optional(),
  }).default({
    minSeeds: 3,
    maxSeeds: 6,
  }),
  metric: oneOf(METRICS).default('test_balanced_accuracy'),
  delta: num(0, 100, { min: true }).default(0.5),
  stack: z.boolean({ error: 'true or false' }).default(false),
  // Verdict error control (lab/stats/study-rule.ts). Optional without defaults, so that
  // study files that leave them out keep their hash: `control` (on unless false) adds the
  // negative control arm, `errorRate: per-study` holds the whole table to 5% (Holm).
  control: z.boolean({ error: 'true or false' }).optional(),
  errorRate: oneOf(ERROR_RATES).optional(),
  workers: int(1, 64).optional(),
});

export type StudyConfig = z.infer<typeof Study>;
export type MeasureConfig = z.infer<typeof Measure>;
export type DataConfig = z.infer<typeof Data>;
export type ModelConfig = z.infer<typeof Model>;
export type TrainingConfig = z.infer<typeof Training>;

/** A source task for `tunebook pretrain`: a study without measures, trained once. */
export const Pretrain = record({
  name: text('a name'),
  description: z.string({ error: 'a string' }).optional(),
  data: Data,
  model: Model,
  training: Training,
  seed: int(0).default(0),
});
export type PretrainConfig = z.infer<typeof Pretrain>;
