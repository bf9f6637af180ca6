/**
 * The training loop of a trial: epochs of seeded batches with online augmentation, class-
 * weighted cross-entropy (plus weighted multi-task heads), an optimiser whose rate the loop
 * sets from a schedule (tfjs has no LR-schedule callback), validation metrics each epoch,
 * early stopping on a validation metric with best-weights restore, a checkpoint after every
 * epoch (a killed run resumes from its last epoch with the same numbers), NaN/Inf loss
 * reported as an outcome (`diverged`), time per epoch, and a final evaluation on the test
 * split (never used for stopping or selection).
 *
 * Deterministic: the same seed, data and backend give the same numbers, including dropout
 * (tfjs's random ops are seeded per step, see engine/seeded-random.ts).
 *
 * @example
 *   const result = await trainModel(model, { train, validation, test }, {
 *     epochs: 5, batchSize: 64, seed: 1, optimizer: { name: 'adam', lr: 1e-3 },
 *   });
 */
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { DataLoader, type SampleTransform } from '../data/loader.js';
import type { ImageSource } from '../data/source.js';
import { withSeededRandom } from '../engine/seeded-random.js';
import { FREEZE_MODES, type FreezeMode } from '../models/names.js';
import { disposeCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { type ClassWeightSpec, classWeights } from './class-weights.js';
import { type Evaluation, evaluate } from './evaluate.js';
import { crossEntropy, weightedSum } from './losses.js';
import type { TaskHead } from './multitask.js';
import { MONITORS, type Monitor } from './names.js';
import {
  defaultLearningRate,
  makeOptimizer,
  type OptimizerSpec,
  setLearningRate,
} from './optimizers.js';
import { type Progress, silentProgress } from './progress.js';
import { makeSchedule, type Schedule, type ScheduleSpec } from './schedules.js';

export { MONITORS, type Monitor };
export const BACKBONE_MODES = FREEZE_MODES;
export type BackboneMode = FreezeMode;

export interface EarlyStopping {
  monitor: Monitor;
  patience: number;
  minDelta?: number;
  restoreBest?: boolean;
}

export interface TrainConfig {
  epochs: number;
  batchSize: number;
  seed: number;
  optimizer: OptimizerSpec;
  schedule?: ScheduleSpec;
  classWeights?: ClassWeightSpec | null;
  labelSmoothing?: number;
  /** Extra heads, in the model's output order after the main one. */
  heads?: TaskHead[];
  earlyStopping?: EarlyStopping;
  /** A checkpoint file written after every epoch and resumed from when present. */
  checkpoint?: string;
  backbone?: {
    layers: tfl.layers.Layer[];
    mode: BackboneMode;
    unfreezeAfter?: number;
    lrMultiplier?: number;
  };
  trainTransform?: SampleTransform;
  evalTransform?: SampleTransform;
  /** 'nwc' for signals (one-row images) fed to 1-D models. */
  layout?: 'nhwc' | 'nwc';
  /** Anything else that defines the run, for the checkpoint key (e.g. the study arm). */
  identity?: unknown;
}

export interface TrainData {
  train: ImageSource;
  validation?: ImageSource;
  test?: ImageSource;
}

export interface EpochRecord {
  epoch: number;
  lr: number;
  trainLoss: number;
  valLoss?: number;
  valAccuracy?: number;
  valBalancedAccuracy?: number;
  valMacroF1?: number;
  seconds: number;
}

export type Outcome = 'completed' | 'early-stopped' | 'diverged';

export interface TrainResult {
  outcome: Outcome;
  epochs: EpochRecord[];
  bestEpoch: number | null;
  /** Epoch a resumed run started from (its first new epoch), or null. */
  resumedAt: number | null;
  diverged?: { epoch: number; step: number; loss: number };
  test?: Evaluation;
  /** Training time: this run's, plus the recorded epochs a resumed run restored. */
  seconds: number;
}

export interface TrainHooks {
  progress?: Progress;
  onEpoch?: (record: EpochRecord) => void;
}

interface LoopState {
  history: EpochRecord[];
  best: { epoch: number; value: number } | null;
  stale: number;
  schedule: unknown;
  outcome: Outcome | null;
}

const MAXIMISED: readonly Monitor[] = ['val_accuracy', 'val_balanced_accuracy', 'val_macro_f1'];

export async function trainModel(
  model: tfl.LayersModel,
  data: TrainData,
  config: TrainConfig,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  checkConfig(config, data);
  const started = performance.now();
  const progress = hooks.progress ?? silentProgress;
  const heads = config.heads ?? [];
  const counts = classCounts(data.train);
  const weights = config.classWeights
    ? classWeights(config.classWeights, counts, 'classWeights')
    : null;
  const loader = new DataLoader(data.train, {
    batchSize: config.batchSize,
    seed: config.seed,
    transform: config.trainTransform,
    layout: config.layout,
  });
  const stepsPerEpoch = loader.batchCount;
  const baseLr = config.optimizer.lr ?? defaultLearningRate(config.optimizer.name);
  const monitor = config.earlyStopping?.monitor ?? 'val_loss';
  const scheduleSpec: ScheduleSpec | undefined =
    config.schedule?.name === 'plateau' && config.schedule.mode === undefined
      ? { ...config.schedule, mode: MAXIMISED.includes(monitor) ? 'max' : 'min' }
      : config.schedule;
  const schedule: Schedule | null = scheduleSpec
    ? makeSchedule(scheduleSpec, baseLr, { epochs: config.epochs, stepsPerEpoch }, 'schedule')
    : null;
  const backbone = config.backbone;
  const backboneSet = new Set(backbone?.layers ?? []);
  const multiplier = backbone?.mode === 'discriminative' ? (backbone.lrMultiplier ?? 0.1) : 1;
  const headOptimizer = makeOptimizer(config.optimizer, 'optimizer');
  const backboneOptimizer = backbone
    ? makeOptimizer({ ...config.optimizer, lr: baseLr * multiplier })
    : null;
  const setBackboneTrainable = (on: boolean) => {
    for (const layer of backboneSet) layer.trainable = on;
  };
  if (backbone)
    setBackboneTrainable(backbone.mode === 'trainable' || backbone.mode === 'discriminative');

  const key = checkpointKey(model, data, config);
  const state: LoopState = { history: [], best: null, stale: 0, schedule: null, outcome: null };
  let bestWeights: tf.Tensor[] | null = null;
  let startEpoch = 0;
  let resumedAt: number | null = null;
  if (config.checkpoint) {
    const cp = await loadCheckpoint<LoopState>(config.checkpoint, key);
    if (cp) {
      Object.assign(state, cp.state);
      model.setWeights(cp.groups.model.map((e) => e.tensor));
      const named = (list?: { name?: string; tensor: tf.Tensor }[]) =>
        (list ?? []).map((e) => ({ name: e.name ?? '', tensor: e.tensor }));
      await headOptimizer.setWeights(named(cp.groups.headOptimizer));
      if (backboneOptimizer) await backboneOptimizer.setWeights(named(cp.groups.backboneOptimizer));
      if (cp.groups.best) bestWeights = cp.groups.best.map((e) => tf.keep(tf.clone(e.tensor)));
      if (schedule?.restore && state.schedule !== null) schedule.restore(state.schedule);
      startEpoch = state.history.length;
      resumedAt = startEpoch;
      disposeCheckpoint(cp);
    }
  }

  const rng = new Rng(config.seed).fork('train-steps');
  let diverged: TrainResult['diverged'];
  try {
    for (let epoch = startEpoch; epoch < config.epochs && state.outcome === null; epoch++) {
      const epochStart = performance.now();
      if (backbone?.mode === 'unfreeze-after') {
        setBackboneTrainable(epoch >= (backbone.unfreezeAfter ?? 1));
      }
      let lossSum = 0;
      let seen = 0;
      let step = 0;
      let lr = baseLr;
      for await (const batch of loader.epoch(epoch)) {
        if (schedule) {
          lr =
            schedule.per === 'step'
              ? schedule.rate(epoch, epoch * stepsPerEpoch + step)
              : schedule.rate(epoch, 0);
          setLearningRate(headOptimizer, lr);
          if (backboneOptimizer) setLearningRate(backboneOptimizer, lr * multiplier);
        }
        const loss = withSeededRandom(rng.fork(`${epoch}/${step}`), () =>
          trainStep(model, batch.x, batch.y, batch.labels, {
            weights,
            labelSmoothing: config.labelSmoothing,
            heads,
            headOptimizer,
            backboneOptimizer,
            backboneSet,
          }),
        );
        if (!Number.isFinite(loss)) {
          diverged = { epoch, step, loss };
          state.outcome = 'diverged';
          break;
        }
        lossSum += loss * batch.labels.length;
        seen += batch.labels.length;
        progress.batch({ epoch, epochs: config.epochs, batch: step, batches: stepsPerEpoch, loss });
        step++;
      }
      if (state.outcome === 'diverged') break;
      const record: EpochRecord = {
        epoch,
        lr,
        trainLoss: lossSum / Math.max(1, seen),
        seconds: 0,
      };
      if (data.validation) {
        const val = await evaluate(model, data.validation, {
          batchSize: Math.max(config.batchSize, 128),
          transform: config.evalTransform,
          heads,
          layout: config.layout,
        });
        record.valLoss = val.loss;
        record.valAccuracy = val.metrics.accuracy;
        record.valBalancedAccuracy = val.metrics.balancedAccuracy;
        record.valMacroF1 = val.metrics.macroF1;
      }
      record.seconds = (performance.now() - epochStart) / 1000;
      state.history.push(record);
      if (schedule?.observe)
        schedule.observe(monitored(record, config.earlyStopping?.monitor ?? 'val_loss'));
      if (config.earlyStopping && data.validation) {
        bestWeights = updateEarlyStopping(config.earlyStopping, record, state, model, bestWeights);
      }
      if (schedule?.state) state.schedule = schedule.state();
      progress.epoch({ epoch, epochs: config.epochs, text: describeEpoch(record) });
      hooks.onEpoch?.(record);
      if (config.checkpoint) {
        await saveCheckpoint(config.checkpoint, {
          key,
          state,
          groups: {
            model: model.getWeights().map((tensor) => ({ tensor })),
            headOptimizer: await optimizerWeights(headOptimizer),
            backboneOptimizer: backboneOptimizer ? await optimizerWeights(backboneOptimizer) : [],
            ...(bestWeights ? { best: bestWeights.map((tensor) => ({ tensor })) } : {}),
          },
        });
      }
    }
    progress.done();
    const outcome: Outcome = state.outcome ?? 'completed';
    if (bestWeights && config.earlyStopping?.restoreBest !== false && outcome !== 'diverged') {
      model.setWeights(bestWeights);
    }
    const test =
      data.test && outcome !== 'diverged'
        ? await evaluate(model, data.test, {
            batchSize: Math.max(config.batchSize, 128),
            transform: config.evalTransform,
            heads,
            layout: config.layout,
          })
        : undefined;
    return {
      outcome,
      epochs: state.history,
      bestEpoch: state.best?.epoch ?? null,
      resumedAt,
      diverged,
      test,
      seconds:
        (performance.now() - started) / 1000 +
        state.history.slice(0, startEpoch).reduce((sum, e) => sum + e.seconds, 0),
    };
  } finally {
    if (bestWeights) tf.dispose(bestWeights);
    headOptimizer.dispose();
    backboneOptimizer?.dispose();
  }
}

interface StepContext {
  weights: Float32Array | null;
  labelSmoothing?: number;
  heads: TaskHead[];
  headOptimizer: tf.Optimizer;
  backboneOptimizer: tf.Optimizer | null;
  backboneSet: Set<tfl.layers.Layer>;
}

/** One optimiser step; returns the batch loss (NaN/Inf passed through for the caller). */
function trainStep(
  model: tfl.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor2D,
  labels: Int32Array,
  ctx: StepContext,
): number {
  return tf.tidy(() => {
    const headVars: tf.Variable[] = [];
    const backboneVars: tf.Variable[] = [];
    for (const layer of model.layers) {
      if (!layer.trainable) continue;
      const target = ctx.backboneSet.has(layer) ? backboneVars : headVars;
      for (const w of layer.trainableWeights)
        target.push((w as unknown as { read(): tf.Variable }).read());
    }
    const headTargets = ctx.heads.map((head) =>
      tf.cast(
        tf.oneHot(
          tf.tensor1d(
            labels.map((l) => head.target(l)),
            'int32',
          ),
          head.classes,
        ),
        'float32',
      ),
    );
    const { value, grads } = tf.variableGrads(() => {
      const raw = model.apply(x, { training: true });
      const outputs = Array.isArray(raw) ? (raw as tf.Tensor[]) : [raw as tf.Tensor];
      const main = crossEntropy(y, outputs[0], {
        classWeights: ctx.weights,
        labelSmoothing: ctx.labelSmoothing,
      });
      if (ctx.heads.length === 0) return main;
      return weightedSum([
        { loss: main, weight: 1 },
        ...ctx.heads.map((head, h) => ({
          loss: crossEntropy(headTargets[h], outputs[h + 1], {
            labelSmoothing: ctx.labelSmoothing,
          }),
          weight: head.weight,
        })),
      ]);
    }, [...headVars, ...backboneVars]);
    const loss = value.dataSync()[0];
    if (!Number.isFinite(loss)) return loss;
    const pick = (vars: tf.Variable[]) =>
      Object.fromEntries(vars.map((v) => [v.name, grads[v.name]]));
    if (headVars.length > 0) ctx.headOptimizer.applyGradients(pick(headVars));
    if (backboneVars.length > 0 && ctx.backboneOptimizer)
      ctx.backboneOptimizer.applyGradients(pick(backboneVars));
    return loss;
  });
}

function monitored(record: EpochRecord, monitor: Monitor): number {
  const value = {
    val_loss: record.valLoss,
    val_accuracy: record.valAccuracy,
    val_balanced_accuracy: record.valBalancedAccuracy,
    val_macro_f1: record.valMacroF1,
  }[monitor];
  return value ?? record.trainLoss;
}

function updateEarlyStopping(
  rule: EarlyStopping,
  record: EpochRecord,
  state: LoopState,
  model: tfl.LayersModel,
  bestWeights: tf.Tensor[] | null,
): tf.Tensor[] | null {
  const value = monitored(record, rule.monitor);
  const sign = MAXIMISED.includes(rule.monitor) ? 1 : -1;
  const minDelta = rule.minDelta ?? 0;
  if (state.best === null || sign * (value - state.best.value) > minDelta) {
    state.best = { epoch: record.epoch, value };
    state.stale = 0;
    if (bestWeights) tf.dispose(bestWeights);
    return model.getWeights().map((w) => tf.keep(tf.clone(w)));
  }
  state.stale++;
  if (state.stale >= rule.patience) state.outcome = 'early-stopped';
  return bestWeights;
}

async function optimizerWeights(
  optimizer: tf.Optimizer,
): Promise<{ name: string; tensor: tf.Tensor }[]> {
  const list = await optimizer.getWeights();
  return list.map(({ name, tensor }) => ({ name, tensor }));
}

function describeEpoch(r: EpochRecord): string {
  const parts = [`loss ${r.trainLoss.toFixed(4)}`];
  if (r.valLoss !== undefined) parts.push(`val_loss ${r.valLoss.toFixed(4)}`);
  if (r.valAccuracy !== undefined) parts.push(`val_acc ${(100 * r.valAccuracy).toFixed(2)}%`);
  if (r.valBalancedAccuracy !== undefined)
    parts.push(`val_bal_acc ${(100 * r.valBalancedAccuracy).toFixed(2)}%`);
  parts.push(`lr ${r.lr.toPrecision(3)}`, `${r.seconds.toFixed(1)} s`);
  return parts.join('  ');
}

function classCounts(source: ImageSource): number[] {
  const counts = new Array<number>(source.classNames.length).fill(0);
  for (const label of source.labels) counts[label]++;
  return counts;
}

function checkConfig(config: TrainConfig, data: TrainData): void {
  const int = (field: string, value: unknown, min: number) => {
    if (!Number.isInteger(value) || (value as number) < min) {
      throw new ConfigError(field, `an integer >= ${min}`, value);
    }
  };
  int('epochs', config.epochs, 1);
  int('batchSize', config.batchSize, 1);
  int('seed', config.seed, 0);
  if (config.earlyStopping) {
    const es = config.earlyStopping;
    if (!(MONITORS as readonly string[]).includes(es.monitor)) {
      throw new ConfigError('earlyStopping.monitor', `one of ${MONITORS.join(', ')}`, es.monitor);
    }
    int('earlyStopping.patience', es.patience, 1);
    if (!data.validation)
      throw new ConfigError('earlyStopping', 'a validation split to monitor', 'none');
  }
  if (config.backbone && !(BACKBONE_MODES as readonly string[]).includes(config.backbone.mode)) {
    throw new ConfigError(
      'backbone.freeze',
      `one of ${BACKBONE_MODES.join(', ')}`,
      config.backbone.mode,
    );
  }
  if (
    config.labelSmoothing !== undefined &&
    !(config.labelSmoothing >= 0 && config.labelSmoothing < 1)
  ) {
    throw new ConfigError('labelSmoothing', 'a number in [0, 1)', config.labelSmoothing);
  }
}

/** What must match for a checkpoint to be resumed: settings, data, model shape. */
function checkpointKey(model: tfl.LayersModel, data: TrainData, config: TrainConfig): string {
  const { trainTransform, evalTransform, backbone, heads, ...plain } = config;
  const description = JSON.stringify({
    plain,
    transforms: [Boolean(trainTransform), Boolean(evalTransform)],
    backbone: backbone
      ? {
          mode: backbone.mode,
          unfreezeAfter: backbone.unfreezeAfter,
          lrMultiplier: backbone.lrMultiplier,
          layers: backbone.layers.length,
        }
      : null,
    heads: heads?.map((h) => [h.name, h.classes, h.weight]),
    params: model.countParams(),
    data: [data.train.count, data.validation?.count ?? 0, data.test?.count ?? 0],
    identity: config.identity ?? null,
  });
  return createHash('sha256').update(description).digest('hex').slice(0, 16);
}
