/**
 * Every measure a study can test, in one registry: for each kind, the schema of its value
 * (the component's own), the setting it changes, how an arm is labelled, and the key the
 * notebook files its evidence under. Adding a measure is its mechanism (a setting that
 * training honours) plus one entry here; the study schema, `applyMeasure`, arm labels, the
 * notebook and `tunebook note` all read this table.
 *
 * @example
 *   MEASURES.dropout.describe({ rate: 0.5, where: 'head' }); // 'dropout rate 0.5, where head'
 *   MEASURES.dropout.notebookKey({ rate: 0.5, where: 'head' }); // 'dropout head'
 */
import { z } from 'zod';
import { describeValue } from '../../core/errors.js';
import { oneOf, record } from '../../core/validation.js';
import { Resample } from '../../data/options.js';
import { Backbone, Dropout, ExtraDense } from '../../models/options.js';
import { Normalize } from '../../preprocessing/options.js';
import { OPTIMIZER_NAMES } from '../../training/names.js';
import { OPTIMIZER_OPTIONS, patchOptimizer } from '../../training/optimizer-options.js';
import { ClassWeights, MultiTask } from '../../training/options.js';
import { ScheduleOptions } from '../../training/schedule-options.js';
import { Augment } from './augment.js';

/**
 * An optimizer measure: changes only what it names (no default name: `{ lr: 0.05 }` keeps
 * the optimizer). The merged optimizer is checked again with the optimizer's own schema
 * when the arm is planned, so Adam plus a patch's `momentum` is refused there.
 */
export const OptimizerPatch = record({
  ...OPTIMIZER_OPTIONS.adam.shape,
  ...OPTIMIZER_OPTIONS.sgd.shape,
  name: oneOf(OPTIMIZER_NAMES).optional(),
});

/** A `set:` measure: setting paths (`training.batchSize`) to values, checked on the arm. */
export const SetPaths = z.record(z.string(), z.unknown(), {
  error: 'a mapping of setting paths to values',
});

/** How a measure of one kind acts on the study's settings. */
export type Setting =
  /** The measure's value replaces this setting (`section.key`). */
  | { path: `${'data' | 'model' | 'training'}.${string}`; merge?: false }
  /** The measure's value is merged over this setting by `merge` (a patch). */
  | {
      path: `${'data' | 'model' | 'training'}.${string}`;
      merge: (base: Record<string, unknown>, patch: Record<string, unknown>) => unknown;
    }
  /** The measure's value maps setting paths to values. */
  | { paths: true };

interface MeasureEntry<S extends z.ZodType, T extends Setting> {
  schema: S;
  setting: T;
  /** The arm's label when the study gives none. */
  describe(value: z.output<S>): string;
  /** What the notebook calls the measure: its kind, refined where kinds hold different tricks. */
  notebookKey(value: z.output<S>): string;
}

const entry = <S extends z.ZodType, const T extends Setting>(e: MeasureEntry<S, T>) => e;

/** `rate 0.5, where before-classifier` rather than JSON. */
export function brief(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(brief).join(', ')}]`;
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k} ${brief(v)}`)
      .join(', ');
  }
  return typeof value === 'string' ? value : describeValue(value);
}

const stepNames = (pipeline: Record<string, unknown>[]) =>
  pipeline.map((t) => Object.keys(t)[0]).join('+');

export const MEASURES = {
  augment: entry({
    schema: Augment,
    setting: { path: 'training.augment' },
    describe: (a) => `augment ${stepNames(a.pipeline)} (${a.mode})`,
    notebookKey: (a) => `augment ${stepNames(a.pipeline)}`,
  }),
  normalize: entry({
    schema: Normalize,
    setting: { path: 'data.preprocessing' },
    describe: (n) => `normalize ${n.method}`,
    notebookKey: (n) =>
      `normalize ${n.method}${(n as { axis?: string }).axis === 'sample' ? ' per sample' : ''}`,
  }),
  classWeights: entry({
    schema: ClassWeights,
    setting: { path: 'training.classWeights' },
    describe: (c) => `classWeights ${brief(c)}`,
    notebookKey: (c) =>
      `classWeights ${typeof c === 'string' ? c : Array.isArray(c) ? 'manual' : 'effective'}`,
  }),
  resample: entry({
    schema: Resample,
    setting: { path: 'data.resample' },
    describe: (r) => `resample ${r.method}`,
    notebookKey: (r) => `resample ${r.method}`,
  }),
  lrSchedule: entry({
    schema: ScheduleOptions,
    setting: { path: 'training.schedule' },
    describe: (s) => `lr ${s.name}`,
    notebookKey: (s) => `lrSchedule ${s.name}`,
  }),
  optimizer: entry({
    schema: OptimizerPatch,
    setting: { path: 'training.optimizer', merge: patchOptimizer },
    describe: (o) => `optimizer ${brief(o)}`,
    notebookKey: () => 'optimizer',
  }),
  extraDense: entry({
    schema: ExtraDense,
    setting: { path: 'model.extraDense' },
    describe: (d) => `extraDense ${brief(d)}`,
    notebookKey: () => 'extraDense',
  }),
  dropout: entry({
    schema: Dropout,
    setting: { path: 'model.dropout' },
    describe: (d) => `dropout ${brief(d)}`,
    notebookKey: (d) => `dropout ${d.where}`,
  }),
  multiTask: entry({
    schema: MultiTask,
    setting: { path: 'model.multiTask' },
    describe: (heads) => `multi-task ${heads.map((h) => h.name).join('+')}`,
    notebookKey: () => 'multiTask',
  }),
  pretrained: entry({
    schema: Backbone,
    setting: { path: 'model.pretrained' },
    describe: (p) => `pretrained ${brief(p)}`,
    notebookKey: () => 'pretrained',
  }),
  set: entry({
    schema: SetPaths,
    setting: { paths: true },
    describe: (s) => `set ${brief(s)}`,
    notebookKey: (s) => `set ${Object.keys(s).sort().join(',')}`,
  }),
} as const;

export type MeasureKind = keyof typeof MEASURES;
export const MEASURE_KINDS = Object.keys(MEASURES) as [MeasureKind, ...MeasureKind[]];

/** The parsed value of a measure of kind `K`. */
export type MeasureValue<K extends MeasureKind> = z.output<(typeof MEASURES)[K]['schema']>;

/**
 * A parsed measure: one kind with its value, and an optional label. A sweep (a list where the
 * kind takes one value) keeps the list as written under its kind and the checked values in
 * `sweep`; `planArms` makes one arm per value, each a plain measure.
 */
export type MeasureConfig = {
  [K in MeasureKind]: { [P in K]: MeasureValue<K> } & { label?: string; sweep?: MeasureSweep };
}[MeasureKind];

export interface MeasureSweep {
  /** The field holding the list (`['rate']`), or `[]` when the whole value is the list. */
  at: string[];
  /** Each value, parsed by the kind's schema. */
  values: unknown[];
  /** Rerun the best value at fresh seeds; its verdict is the sweep's. */
  confirm?: boolean;
}

export function isMeasureKind(kind: string): kind is MeasureKind {
  return Object.hasOwn(MEASURES, kind);
}
