/**
 * `tunebook export`: the model a user keeps after a study. The chosen arm's settings are
 * trained once more, at seed 0 (the first seed every arm ran), on the training and
 * validation splits together — more data than any trial had, and nothing left to early-stop
 * on, so a study with early stopping trains for the median epoch its arm's trials stopped at
 * (their best epoch), otherwise for `training.epochs`. The test split is still held out and
 * scored. Writes a tfjs layers model (model.json + weights) and preprocessing.json.
 *
 * @example
 *   const done = await exportModel({ store, study: 'photos', out: 'model/' });
 *   done.arm.key; // 'stack' when the study has one, else 'baseline'
 */
import { TunebookError } from '../../core/errors.js';
import type { BackendChoice } from '../../engine/backend.js';
import { saveModel } from '../../models/model-io.js';
import { trainModel } from '../../training/loop.js';
import type { StudyConfig } from '../config/schema.js';
import type { ArmRow, Store, TrialRow } from '../store/store.js';
import { setupTrial } from '../trial/run-trial.js';
import type { NormalizeSetting } from '../trial/sample-transforms.js';
import { chooseArm } from './choose-arm.js';
import { type PreprocessingFile, writePreprocessing } from './preprocessing-file.js';

/** The seed an exported model trains at: seed 0, which every arm of every study ran. */
export const EXPORT_SEED = 0;

export interface ExportOptions {
  store: Store;
  study: string;
  /** `stack`, `baseline`, an arm key, label or measure kind (see ./choose-arm.ts). */
  arm?: string;
  out: string;
  backend?: BackendChoice;
  log?: (line: string) => void;
}

export interface ExportResult {
  arm: ArmRow;
  seed: number;
  epochs: number;
  /** Why that many epochs. */
  epochsFrom: string;
  preprocessing: PreprocessingFile;
  /** The held-out test split: each sample's file (or name), label and predicted class. */
  test: { samples: string[]; labels: Int32Array; predictions: Int32Array; accuracy: number };
}

/** A finished export failed at run time (the training diverged). */
export class ExportError extends TunebookError {
  constructor(message: string) {
    super('E_EXPORT', message, 1);
  }
}

export async function exportModel(options: ExportOptions): Promise<ExportResult> {
  const { store, out } = options;
  const log = options.log ?? (() => {});
  const study = await store.findStudy(options.study);
  if (!study) {
    const names = (await store.listStudies()).map((s) => s.name);
    throw new TunebookError(
      'E_DATA',
      `${store.file}: no study "${options.study}" (${names.length ? `studies: ${names.join(', ')}` : 'the db has no studies'})`,
    );
  }
  const arm = chooseArm(await store.arms(study.id), options.arm);
  const config = arm.config as StudyConfig;
  const trials = (await store.trials(study.id)).filter((t) => t.armId === arm.id);
  const { epochs, from } = exportEpochs(config, trials);
  const settings: StudyConfig = {
    ...config,
    training: { ...config.training, epochs, earlyStopping: undefined },
  };
  log(
    `exporting ${study.name} arm ${arm.key} (${arm.label}): seed ${EXPORT_SEED}, ${epochs} epochs (${from}), on train+validation`,
  );
  const setup = await setupTrial({
    config: settings,
    seed: EXPORT_SEED,
    backend: options.backend,
    mergeValidation: true,
  });
  const { model, data, transforms } = setup;
  try {
    const t = settings.training;
    const result = await trainModel(
      model,
      { train: transforms.trainSource, test: data.test },
      {
        epochs,
        batchSize: t.batchSize,
        seed: EXPORT_SEED,
        optimizer: t.optimizer,
        schedule: t.schedule,
        classWeights: t.classWeights ?? null,
        labelSmoothing: t.labelSmoothing,
        heads: setup.heads,
        backbone: setup.backbone,
        trainTransform: transforms.train,
        evalTransform: transforms.evaluate,
        layout: setup.layout,
      },
      {
        onEpoch: (r) => log(`epoch ${r.epoch + 1}/${epochs}  train loss ${r.trainLoss.toFixed(4)}`),
      },
    );
    if (result.outcome === 'diverged' || !result.test) {
      throw new ExportError(
        `export: training ${arm.key} diverged (NaN loss) at epoch ${(result.diverged?.epoch ?? 0) + 1}; nothing saved`,
      );
    }
    const sample = await transforms.evaluate(await data.test.get(0), undefined as never);
    const inputShape =
      setup.layout === 'nwc'
        ? [sample.width, sample.channels]
        : [sample.height, sample.width, sample.channels];
    const image = config.data.image;
    const m = result.test.metrics;
    const preprocessing: PreprocessingFile = {
      format: 'tunebook-preprocessing',
      version: 1,
      classNames: [...data.classNames],
      inputShape,
      layout: setup.layout,
      image: image
        ? { ...image, resize: image.size ? (image.resize ?? 'shorter') : undefined }
        : null,
      channels: (image?.channels ?? sample.channels) as 1 | 3,
      normalize: (config.data.preprocessing as NormalizeSetting | undefined) ?? null,
      scaler: transforms.scaler ? transforms.scaler.toJSON() : null,
      trainedFrom: {
        study: study.name,
        arm: arm.key,
        label: arm.label,
        seed: EXPORT_SEED,
        epochs,
        data: 'train+validation',
        testAccuracy: m.accuracy,
        testBalancedAccuracy: m.balancedAccuracy,
      },
    };
    await saveModel(model, out);
    await writePreprocessing(out, preprocessing);
    const samples = Array.from({ length: data.test.count }, (_, i) =>
      data.test.describe ? data.test.describe(i) : `sample ${i}`,
    );
    return {
      arm,
      seed: EXPORT_SEED,
      epochs,
      epochsFrom: from,
      preprocessing,
      test: {
        samples,
        labels: Int32Array.from(data.test.labels),
        predictions: result.test.predictions,
        accuracy: m.accuracy,
      },
    };
  } finally {
    model.dispose();
  }
}

/** Epochs to train for (see the file doc) and why. */
export function exportEpochs(
  config: StudyConfig,
  trials: readonly TrialRow[],
): { epochs: number; from: string } {
  if (!config.training.earlyStopping)
    return { epochs: config.training.epochs, from: 'training.epochs' };
  const best = trials
    .filter((t) => t.state === 'done')
    .map((t) => (t.result as { bestEpoch?: number | null } | null)?.bestEpoch)
    .filter((e): e is number => typeof e === 'number')
    .map((e) => e + 1)
    .sort((a, b) => a - b);
  if (best.length === 0) {
    return {
      epochs: config.training.epochs,
      from: 'training.epochs: no finished trial to take a stopping epoch from',
    };
  }
  const mid = best[Math.floor((best.length - 1) / 2)];
  return {
    epochs: mid,
    from: `the median best epoch of the arm's ${best.length} finished trial(s), as early stopping needs a validation split`,
  };
}
