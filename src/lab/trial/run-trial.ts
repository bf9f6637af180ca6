/**
 * One trial: an arm's settings at one seed, trained and evaluated. Runs in a worker thread
 * (lab/pool) or in-process; reports each epoch as it ends. The seed fixes weight init, data
 * order, augmentation, dropout and resampling; the split is the study's.
 *
 * A diverged trial (NaN/Inf loss) is an outcome: it scores chance level on every metric,
 * since its model predicts nothing useful, so that the measure that caused it counts
 * against itself in the paired statistics.
 *
 * @example
 *   const out = await runTrial({ config: arm.config, seed: 0, backend: 'wasm' }, console.log);
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { type BackendChoice, initEngine } from '../../engine/backend.js';
import { seedWeights } from '../../engine/seeded-init.js';
import {
  backboneInfo,
  backboneLayers,
  buildOnBackbone,
  loadBackbone,
  seedModel,
} from '../../models/backbone.js';
import { saveModel } from '../../models/model-io.js';
import { loadTorchBackbone } from '../../models/pytorch/backbone.js';
import { isTorchWeights } from '../../models/pytorch/names.js';
import { buildModel, parameterCount } from '../../models/registry.js';
import { type EpochRecord, type TrainConfig, trainModel } from '../../training/loop.js';
import { taskHead } from '../../training/multitask.js';
import type { StudyConfig, TrainingConfig } from '../config/schema.js';
import { cachedHead } from './cached-head.js';
import { countClasses, prepareData, resampleTrain, withValidationInTrain } from './prepare-data.js';
import { buildTransforms } from './sample-transforms.js';

export interface TrialInput {
  config: StudyConfig;
  seed: number;
  backend?: BackendChoice;
  /** Checkpoint file: a killed trial resumes from its last epoch. */
  checkpoint?: string;
  /** Identifies the trial in the checkpoint key. */
  identity?: unknown;
  /** Save the trained model here (tunebook pretrain). */
  saveTo?: string;
  /** Train on the training and validation splits together (tunebook export). */
  mergeValidation?: boolean;
}

export interface TrialOutput {
  state: 'done' | 'diverged';
  seconds: number;
  metrics: Record<string, number>;
  epochs: EpochRecord[];
  result: {
    parameters: number;
    trainableParameters: number;
    classCounts: { train: number[]; validation: number[]; test: number[] };
    /** Class names in class-index order: the report and verdicts show classes by them. */
    classNames?: string[];
    confusion: number[][] | null;
    recall: number[] | null;
    heads: Record<string, { accuracy: number; balancedAccuracy: number }>;
    bestEpoch: number | null;
    outcome: string;
    resumedAt: number | null;
    diverged?: { epoch: number; step: number };
    /** CPU seconds of the trial's thread (null where unmeasurable): the cost's time ratio. */
    cpuSeconds?: number | null;
  };
}

/** The study's training section, every setting but `augment` one the training loop takes. */
type TrainingForLoop = {
  [K in keyof TrainingConfig]: K extends 'augment'
    ? TrainingConfig[K]
    : K extends keyof TrainConfig
      ? TrainingConfig[K]
      : never;
};

export type TrialReport = { type: 'epoch'; record: EpochRecord };

export interface TrialSetup {
  model: tfl.LayersModel;
  data: Awaited<ReturnType<typeof prepareData>>;
  transforms: Awaited<ReturnType<typeof buildTransforms>>;
  heads: ReturnType<typeof taskHead>[];
  backbone: TrainConfig['backbone'];
  layout: 'nhwc' | 'nwc';
}

/** Data, transforms and the seeded model of a trial, ready to train (also for lr-find). */
export async function setupTrial(input: TrialInput): Promise<TrialSetup> {
  await initEngine({ backend: input.backend });
  const { config, seed } = input;
  // The split is the study's, or this seed's own under `data.split.vary: per-seed`.
  const prepared = await prepareData(config.data, seed);
  const data = input.mergeValidation ? withValidationInTrain(prepared) : prepared;
  const train = resampleTrain(data, config.data, seed);
  const transforms = await buildTransforms(config, train, seed);
  const sample = await transforms.evaluate(await data.train.get(0), undefined as never);
  const classes = data.classNames.length;
  const signals = sample.height === 1;
  const oneDimensional = config.model.name === 'cnn1d' || (config.model.name === 'mlp' && signals);
  const inputShape = oneDimensional
    ? [sample.width, sample.channels]
    : [sample.height, sample.width, sample.channels];
  const heads = (config.model.multiTask ?? []).map((h, i) =>
    taskHead(
      { name: h.name, target: h.target, weight: h.weight },
      classes,
      `model.multiTask[${i}]`,
    ),
  );
  const headSpec = {
    classes,
    options: config.model.options,
    extraDense: config.model.extraDense,
    dropout: config.model.dropout,
    multiTask: heads.map((h) => ({ name: h.name, classes: h.classes, weight: h.weight })),
  };
  if (headSpec.multiTask.length === 0) (headSpec as { multiTask?: unknown }).multiTask = undefined;
  let model: tfl.LayersModel;
  let backbone: TrainConfig['backbone'];
  if (config.model.pretrained) {
    const spec = config.model.pretrained;
    const base = isTorchWeights(spec)
      ? await loadTorchBackbone(spec, inputShape, 'model.pretrained')
      : await loadBackbone(spec, 'model.pretrained');
    model = buildOnBackbone(base, { ...headSpec, options: undefined }, 'model');
    seedModel(model, seed);
    const info = backboneInfo(model);
    backbone = {
      layers: backboneLayers(model),
      mode: info?.freeze ?? spec.freeze,
      unfreezeAfter: info?.unfreezeAfter ?? spec.unfreezeAfter,
      lrMultiplier: info?.lrMultiplier ?? spec.lrMultiplier,
    };
  } else {
    model = buildModel({ name: config.model.name, inputShape, ...headSpec }, 'model');
    seedWeights(model, seed);
  }
  return { model, data, transforms, heads, backbone, layout: oneDimensional ? 'nwc' : 'nhwc' };
}

export async function runTrial(
  input: TrialInput,
  report: (r: TrialReport) => void = () => {},
): Promise<TrialOutput> {
  const { config, seed } = input;
  const setup = await setupTrial(input);
  const { model, data, transforms, heads, backbone, layout } = setup;
  const params = parameterCount(model);
  // The training section goes on whole: `augment` is consumed by the transforms above, and
  // every other setting must be one the loop takes (TrainingForLoop fails to compile
  // otherwise), so a new setting cannot be dropped here and train like the baseline.
  const { augment: _builtIntoTransforms, ...training } = config.training satisfies TrainingForLoop;
  // A frozen backbone with fixed inputs: its features once, then the head alone trains.
  const cached = await cachedHead(setup, config).catch((error) => {
    model.dispose();
    throw error;
  });
  try {
    const result = await trainModel(
      cached?.model ?? model,
      cached?.sources ?? {
        train: transforms.trainSource,
        validation: data.validation,
        test: data.test,
      },
      {
        ...training,
        seed,
        classWeights: training.classWeights ?? null,
        heads,
        backbone: cached ? undefined : backbone,
        trainTransform: cached ? undefined : transforms.train,
        evalTransform: cached ? undefined : transforms.evaluate,
        layout: cached ? 'nwc' : layout,
        checkpoint: input.checkpoint,
        identity: cached ? { trial: input.identity, cachedFeatures: true } : input.identity,
      },
      { onEpoch: (record) => report({ type: 'epoch', record }) },
    );
    const counts = {
      train: countClasses(transforms.trainSource),
      validation: data.counts.validation,
      test: data.counts.test,
    };
    const base = {
      parameters: params.total,
      trainableParameters: params.trainable,
      classCounts: counts,
      classNames: [...data.classNames],
      bestEpoch: result.bestEpoch,
      outcome: result.outcome,
      resumedAt: result.resumedAt,
      // A backend computing on a thread pool (tfjs-node) spends CPU outside this thread.
      cpuSeconds:
        (await initEngine({ backend: input.backend })).threads > 1 ? null : result.cpuSeconds,
    };
    if (result.outcome === 'diverged' || !result.test) {
      const chance = 1 / data.classNames.length;
      return {
        state: 'diverged',
        seconds: result.seconds,
        metrics: { test_accuracy: chance, test_balanced_accuracy: chance, test_macro_f1: 0 },
        epochs: result.epochs,
        result: { ...base, confusion: null, recall: null, heads: {}, diverged: result.diverged },
      };
    }
    if (input.saveTo) await saveModel(model, input.saveTo);
    const m = result.test.metrics;
    const metrics: Record<string, number> = {
      test_accuracy: m.accuracy,
      test_balanced_accuracy: m.balancedAccuracy,
      test_macro_f1: m.macroF1,
      test_loss: result.test.loss,
    };
    m.recall.forEach((r, k) => {
      metrics[`recall_${k}`] = r;
    });
    const headScores = Object.fromEntries(
      Object.entries(result.test.heads).map(([k, h]) => [
        k,
        { accuracy: h.accuracy, balancedAccuracy: h.balancedAccuracy },
      ]),
    );
    return {
      state: 'done',
      seconds: result.seconds,
      metrics,
      epochs: result.epochs,
      result: { ...base, confusion: m.confusion, recall: m.recall, heads: headScores },
    };
  } finally {
    cached?.dispose();
    model.dispose();
  }
}
