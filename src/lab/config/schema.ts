/**
 * The study file: data, model, training settings, the measures to test, seeds, metric and
 * delta. One schema, so `tunebook validate` and `tunebook study` check files the same way,
 * and so a measure is checked with the same rules as the setting it changes.
 *
 * A measure is one key (plus an optional `label`): the setting it switches on for its arm.
 *
 * Nothing here restates a component's options: each section composes the schema its
 * component declares and parses with (schedules, optimisers, models, backbones, scalers,
 * class weights, data sources; the augment pipeline through the transform registry), so
 * `validate` refuses what a trial would refuse, and the measures come from one registry
 * (measures.ts).
 */
import { z } from 'zod';
import { closest, int, lineIssue, num, oneOf, record, text } from '../../core/validation.js';
import { DATA_IMAGE_SETTINGS } from '../../data/image-options.js';
import { Resample, SOURCE_OPTIONS, Spectrogram, Split, sourceKind } from '../../data/options.js';
import { MODEL_NAMES } from '../../models/names.js';
import { Backbone, Dropout, ExtraDense, MODEL_OPTIONS } from '../../models/options.js';
import { NORMALIZE_METHODS, Normalize, SCALER_AXES } from '../../preprocessing/options.js';
import { OptimizerOptions } from '../../training/optimizer-options.js';
import { ClassWeights, EarlyStopping, LabelSmoothing, MultiTask } from '../../training/options.js';
import { ScheduleOptions } from '../../training/schedule-options.js';
import { INTERVAL_RULES } from '../stats/rules.js';
import { ERROR_RATES } from '../stats/study-rule.js';
import { AUGMENT_MODES, Augment, Pipeline } from './augment.js';
import {
  MEASURE_KINDS,
  MEASURES,
  type MeasureConfig,
  type MeasureKind,
  OptimizerPatch,
} from './measures.js';
import { findSweep } from './sweep.js';

export const METRICS = ['test_balanced_accuracy', 'test_accuracy', 'test_macro_f1'] as const;
export type MetricName = (typeof METRICS)[number];
export { RESAMPLE_METHODS } from '../../data/options.js';
export {
  AUGMENT_MODES,
  Augment,
  ClassWeights,
  Dropout,
  EarlyStopping,
  ExtraDense,
  MEASURE_KINDS,
  type MeasureConfig,
  type MeasureKind,
  MultiTask,
  NORMALIZE_METHODS,
  Normalize,
  OptimizerPatch,
  Pipeline,
  Resample,
  SCALER_AXES,
};
export const Optimizer = OptimizerOptions;
export const Schedule = ScheduleOptions;
export const Pretrained = Backbone;

export const Data = record({
  source: text('a data source: mnist, synthetic-signals, an image folder, a .csv or .npy file'),
  /** Checked against the options of the kind of source `source` names (see data/options.ts). */
  options: z.record(z.string(), z.unknown(), { error: 'a mapping of source options' }).optional(),
  /** Keep only these classes (by index), relabelled 0.. in this order: a transfer task. */
  classes: z
    .array(int(0), { error: 'a list of class indices' })
    .min(2, { error: 'at least two classes' })
    .optional(),
  limit: int(20).optional(),
  split: Split.default({ validation: 0.1, test: 0.2 }),
  imbalance: record({ ratio: num(1) }).optional(),
  resample: Resample.optional(),
  preprocessing: Normalize.optional(),
  spectrogram: Spectrogram.optional(),
  ...DATA_IMAGE_SETTINGS,
}).superRefine((data, ctx) => {
  if (data.options === undefined) return;
  const kind = sourceKind(data.source);
  addIssues(ctx, SOURCE_OPTIONS[kind].safeParse(data.options), ['options']);
});

/** Copies a nested parse's issues into `ctx`, under `path`. */
function addIssues(
  ctx: z.RefinementCtx,
  result: { success: boolean; error?: z.ZodError },
  path: PropertyKey[],
): void {
  for (const issue of result.error?.issues ?? []) {
    ctx.addIssue({ ...issue, path: [...path, ...issue.path] } as never);
  }
}

export const Model = record({
  name: oneOf(MODEL_NAMES),
  /** Checked against the options of the model `name` names (see models/options.ts). */
  options: z.record(z.string(), z.unknown(), { error: 'a mapping of model options' }).optional(),
  extraDense: ExtraDense.optional(),
  dropout: Dropout.optional(),
  multiTask: MultiTask.optional(),
  pretrained: Backbone.optional(),
}).superRefine((model, ctx) => {
  if (model.options === undefined) return;
  addIssues(ctx, MODEL_OPTIONS[model.name].safeParse(model.options), ['options']);
});

export const Training = record({
  epochs: int(1, 1000),
  batchSize: int(1, 65536).default(64),
  optimizer: OptimizerOptions.default({ name: 'adam' }),
  schedule: ScheduleOptions.optional(),
  earlyStopping: EarlyStopping.optional(),
  classWeights: ClassWeights.optional(),
  labelSmoothing: LabelSmoothing.optional(),
  augment: Augment.optional(),
}).superRefine((t, ctx) => {
  // What a schedule refuses given the run: known here for everything counted in epochs.
  const s = t.schedule as
    | { per?: string; warmup?: { epochs?: number }; minLr?: number }
    | undefined;
  if (s?.warmup?.epochs !== undefined && s.warmup.epochs >= t.epochs) {
    ctx.addIssue({
      code: 'custom',
      path: ['schedule', 'warmup'],
      message: `a warmup shorter than the run (${t.epochs} epochs)`,
    });
  }
  const lr = t.optimizer.lr ?? (t.optimizer.name === 'sgd' ? 1e-2 : 1e-4);
  if (s?.minLr !== undefined && s.minLr > lr) {
    ctx.addIssue({
      code: 'custom',
      path: ['schedule', 'minLr'],
      message: `a rate in [0, ${lr}] (the base lr)`,
    });
  }
});

/**
 * A measure: exactly one known kind (and an optional label). A misspelt kind is named as an
 * unknown measure with the nearest known kind, and two kinds in one measure get their own
 * message, rather than the value being blamed for not matching some other kind.
 */
export const Measure = z.unknown().transform((raw, ctx): MeasureConfig => {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    ctx.addIssue({
      code: 'custom',
      message: `a measure: one of ${MEASURE_KINDS.join(', ')} (and an optional label)`,
    });
    return z.NEVER;
  }
  const keys = Object.keys(raw).filter((k) => !MEASURE_EXTRAS.includes(k));
  const unknown = keys.find((k) => !(MEASURE_KINDS as readonly string[]).includes(k));
  if (unknown !== undefined) {
    const guess = closest(unknown, MEASURE_KINDS);
    const hint = guess ? ` (did you mean '${guess}'?)` : ` (known: ${MEASURE_KINDS.join(', ')})`;
    ctx.addIssue(lineIssue([], `unknown measure '${unknown}'${hint}`));
    return z.NEVER;
  }
  if (keys.length !== 1) {
    const line =
      keys.length === 0
        ? `no measure (expected one of ${MEASURE_KINDS.join(', ')}, and an optional label)`
        : `${keys.map((k) => `'${k}'`).join(' and ')} in one measure: a measure switches on one thing; make each its own measure`;
    ctx.addIssue(lineIssue([], line));
    return z.NEVER;
  }
  const kind = keys[0] as MeasureKind;
  const extras = z.strictObject({
    [kind]: z.unknown(),
    label: text('a label').optional(),
    confirm: z.boolean({ error: 'true or false' }).optional(),
    // A measure parsed before (an arm's settings checked again): its sweep is made anew.
    sweep: z.unknown().optional(),
  });
  const checked = extras.safeParse(raw);
  if (!checked.success) {
    addIssues(ctx, checked, []);
    return z.NEVER;
  }
  const { confirm, sweep: _old, ...measure } = checked.data as Record<string, unknown>;
  const schema = MEASURES[kind].schema;
  const parsed = schema.safeParse(measure[kind]);
  if (parsed.success) {
    if (confirm !== undefined) {
      ctx.addIssue(lineIssue(['confirm'], 'confirm is for a sweep (a list of values to try)'));
      return z.NEVER;
    }
    return { ...measure, [kind]: parsed.data } as MeasureConfig;
  }
  // Not one value: a list of values to sweep, each checked by the same schema (sweep.ts).
  const found = findSweep(schema, measure[kind]);
  if (!found) {
    addIssues(ctx, parsed, [kind]);
    return z.NEVER;
  }
  if (found.issues.length > 0) {
    addIssues(ctx, { success: false, error: new z.ZodError(found.issues) }, [kind]);
    return z.NEVER;
  }
  const sweep = { ...found.sweep, ...(confirm ? { confirm: true } : {}) };
  return { ...measure, sweep } as MeasureConfig;
});

/** Keys a measure holds beside its kind. */
const MEASURE_EXTRAS = ['label', 'confirm', 'sweep'];

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
