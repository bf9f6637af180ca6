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
import { threadCpuSeconds } from '../engine/thread-cpu.js';
import { FREEZE_MODES, type FreezeMode } from '../models/names.js';
import { CheckpointCallback } from './callbacks/checkpoint.js';
import {
  type EarlyStopping,
  EarlyStoppingCallback,
  maximised,
} from './callbacks/early-stopping.js';
import { FreezeSchedule } from './callbacks/freeze-schedule.js';
import { LrScheduleCallback } from './callbacks/lr-schedule.js';
import { ProgressCallback } from './callbacks/progress.js';
import {
  type Callback,
  CallbackList,
  type EpochRecord,
  type Outcome,
  type TrainContext,
} from './callbacks.js';
import { type ClassWeightSpec, classWeights } from './class-weights.js';
import { type Evaluation, evaluate } from './evaluate.js';
import { crossEntropy, weightedSum } from './losses.js';
import type { TaskHead } from './multitask.js';
import { MONITORS, type Monitor } from './names.js';
import { defaultLearningRate, makeOptimizer, type OptimizerSpec } from './optimizers.js';
import { type Progress, silentProgress } from './progress.js';
import { makeSchedule, type Schedule, type ScheduleSpec } from './schedules.js';

export { MONITORS, type Monitor };
export type { Callback, EarlyStopping, EpochRecord, Outcome, TrainContext };
export const BACKBONE_MODES = FREEZE_MODES;
export type BackboneMode = FreezeMode;

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
  /**
   * CPU seconds of the training thread, counted like `seconds` (null where the thread's CPU
   * time cannot be read, or a restored epoch lacks it): other processes' load hardly moves it.
   */
  cpuSeconds: number | null;
}

export interface TrainHooks {
  progress?: Progress;
  onEpoch?: (record: EpochRecord) => void;
  /** Callbacks of the caller's own, called after the built-in ones (before the checkpoint). */
  callbacks?: Callback[];
}

/** What one run trains with: data order, loss weights, optimisers, schedule. */
interface Run {
  loader: DataLoader;
  stepsPerEpoch: number;
  baseLr: number;
  schedule: Schedule | null;
  step: Omit<StepContext, 'headOptimizer' | 'backboneOptimizer'>;
  headOptimizer: tf.Optimizer;
  backboneOptimizer: tf.Optimizer | null;
}

export async function trainModel(
  model: tfl.LayersModel,
  data: TrainData,
  config: TrainConfig,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  checkConfig(config, data);
  const started = performance.now();
  const cpuStarted = threadCpuSeconds();
  const run = prepareRun(data, config);
  const earlyStopping =
    config.earlyStopping && data.validation
      ? new EarlyStoppingCallback(config.earlyStopping)
      : null;
  const checkpoint = config.checkpoint
    ? new CheckpointCallback(
        config.checkpoint,
        checkpointKey(model, data, config),
        { head: run.headOptimizer, backbone: run.backboneOptimizer },
        earlyStopping,
        run.schedule,
      )
    : null;
  const callbacks = new CallbackList(
    [
      config.backbone ? freezeSchedule(config.backbone) : null,
      run.schedule ? lrSchedule(run, config) : null,
      earlyStopping,
      new ProgressCallback(hooks.progress ?? silentProgress, hooks.onEpoch),
      ...(hooks.callbacks ?? []),
      checkpoint,
    ].filter((c): c is Callback => c !== null),
  );
  const ctx: TrainContext = {
    model,
    epochs: config.epochs,
    state: { history: [], best: null, stale: 0, schedule: null, outcome: null },
    startEpoch: 0,
    lr: run.baseLr,
  };
  try {
    await callbacks.trainBegin(ctx);
    const diverged = await trainEpochs(model, data, config, run, callbacks, ctx);
    const outcome: Outcome = ctx.state.outcome ?? 'completed';
    await callbacks.trainEnd(outcome, ctx);
    const test =
      data.test && outcome !== 'diverged'
        ? await evaluate(model, data.test, evalOptions(config))
        : undefined;
    const restored = ctx.state.history.slice(0, ctx.startEpoch);
    const cpuNow = threadCpuSeconds();
    const restoredCpu = restored.reduce((sum, e) => sum + (e.cpuSeconds ?? Number.NaN), 0);
    const cpuSeconds =
      cpuStarted === null || cpuNow === null ? Number.NaN : cpuNow - cpuStarted + restoredCpu;
    return {
      outcome,
      epochs: ctx.state.history,
      bestEpoch: ctx.state.best?.epoch ?? null,
      resumedAt: checkpoint?.resumedAt ?? null,
      diverged,
      test,
      seconds:
        (performance.now() - started) / 1000 + restored.reduce((sum, e) => sum + e.seconds, 0),
      cpuSeconds: Number.isFinite(cpuSeconds) ? cpuSeconds : null,
    };
  } finally {
    callbacks.dispose();
    run.headOptimizer.dispose();
    run.backboneOptimizer?.dispose();
  }
}

/** The epochs from `ctx.startEpoch` on, until the last one or a callback ends training. */
async function trainEpochs(
  model: tfl.LayersModel,
  data: TrainData,
  config: TrainConfig,
  run: Run,
  callbacks: CallbackList,
  ctx: TrainContext,
): Promise<TrainResult['diverged']> {
  const rng = new Rng(config.seed).fork('train-steps');
  for (let epoch = ctx.startEpoch; epoch < config.epochs && ctx.state.outcome === null; epoch++) {
    const epochStart = performance.now();
    const cpuStart = threadCpuSeconds();
    await callbacks.epochBegin(epoch, ctx);
    ctx.lr = run.baseLr;
    const trained = await trainBatches(model, epoch, config, run, callbacks, ctx, rng);
    if ('diverged' in trained) {
      ctx.state.outcome = 'diverged';
      return trained.diverged;
    }
    const record: EpochRecord = { epoch, lr: ctx.lr, trainLoss: trained.loss, seconds: 0 };
    if (data.validation) {
      const val = await evaluate(model, data.validation, evalOptions(config));
      record.valLoss = val.loss;
      record.valAccuracy = val.metrics.accuracy;
      record.valBalancedAccuracy = val.metrics.balancedAccuracy;
      record.valMacroF1 = val.metrics.macroF1;
    }
    record.seconds = (performance.now() - epochStart) / 1000;
    const cpuEnd = threadCpuSeconds();
    if (cpuStart !== null && cpuEnd !== null) record.cpuSeconds = cpuEnd - cpuStart;
    ctx.state.history.push(record);
    await callbacks.epochEnd(record, ctx);
  }
  return undefined;
}

/** One epoch's batches: the mean training loss, or where the loss stopped being finite. */
async function trainBatches(
  model: tfl.LayersModel,
  epoch: number,
  config: TrainConfig,
  run: Run,
  callbacks: CallbackList,
  ctx: TrainContext,
  rng: Rng,
): Promise<{ loss: number } | { diverged: NonNullable<TrainResult['diverged']> }> {
  let lossSum = 0;
  let seen = 0;
  let step = 0;
  const context: StepContext = {
    ...run.step,
    headOptimizer: run.headOptimizer,
    backboneOptimizer: run.backboneOptimizer,
  };
  for await (const batch of run.loader.epoch(epoch)) {
    callbacks.batchBegin(epoch, step, ctx);
    const loss = withSeededRandom(rng.fork(`${epoch}/${step}`), () =>
      trainStep(model, batch.x, batch.y, batch.labels, context),
    );
    if (!Number.isFinite(loss)) return { diverged: { epoch, step, loss } };
    lossSum += loss * batch.labels.length;
    seen += batch.labels.length;
    callbacks.batchEnd(
      { epoch, epochs: config.epochs, batch: step, batches: run.stepsPerEpoch, loss },
      ctx,
    );
    step++;
  }
  return { loss: lossSum / Math.max(1, seen) };
}

/** Data order, class weights, the LR schedule and the optimisers (a second one for the backbone). */
function prepareRun(data: TrainData, config: TrainConfig): Run {
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
      ? { ...config.schedule, mode: maximised(monitor) ? 'max' : 'min' }
      : config.schedule;
  const schedule = scheduleSpec
    ? makeSchedule(scheduleSpec, baseLr, { epochs: config.epochs, stepsPerEpoch }, 'schedule')
    : null;
  const backbone = config.backbone;
  const headOptimizer = makeOptimizer(config.optimizer, 'optimizer');
  const backboneOptimizer = backbone
    ? makeOptimizer({ ...config.optimizer, lr: baseLr * backboneMultiplier(config) })
    : null;
  return {
    loader,
    stepsPerEpoch,
    baseLr,
    schedule,
    headOptimizer,
    backboneOptimizer,
    step: {
      weights,
      labelSmoothing: config.labelSmoothing,
      heads: config.heads ?? [],
      backboneSet: new Set(backbone?.layers ?? []),
    },
  };
}

/** The backbone's rate as a multiple of the head's: lrMultiplier under 'discriminative', else 1. */
function backboneMultiplier(config: TrainConfig): number {
  const b = config.backbone;
  return b?.mode === 'discriminative' ? (b.lrMultiplier ?? 0.1) : 1;
}

function freezeSchedule(backbone: NonNullable<TrainConfig['backbone']>): FreezeSchedule {
  return new FreezeSchedule(backbone.layers, {
    freeze: backbone.mode,
    unfreezeAfter: backbone.unfreezeAfter ?? 1,
  });
}

function lrSchedule(run: Run, config: TrainConfig): LrScheduleCallback {
  return new LrScheduleCallback(
    run.schedule!,
    run.headOptimizer,
    run.backboneOptimizer,
    backboneMultiplier(config),
    config.earlyStopping?.monitor ?? 'val_loss',
    run.stepsPerEpoch,
  );
}

function evalOptions(config: TrainConfig) {
  return {
    batchSize: Math.max(config.batchSize, 128),
    transform: config.evalTransform,
    heads: config.heads ?? [],
    layout: config.layout,
  };
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
  // Where the file lives is not what it holds: a trial resumed on another machine (a shared
  // study's worker) or from a moved folder writes it under another path.
  const { trainTransform, evalTransform, backbone, heads, checkpoint: _where, ...plain } = config;
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
