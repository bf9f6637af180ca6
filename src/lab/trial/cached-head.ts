/**
 * The feature-cache branch of a trial: when the arm's backbone is frozen from the first
 * epoch to the last and its inputs are the same in every epoch and seed (no augmentation,
 * no resampling), the trial trains its head on cached backbone features
 * (training/feature-cache.ts) instead of running the backbone on every batch. The key is
 * the backbone spec, the data settings (preprocessing included) and the model's input shape,
 * so every seed and every arm sharing them reuses one extraction. `TUNEBOOK_FEATURE_CACHE=off`
 * turns it off (benchmarks, checks).
 *
 * @example
 *   const cached = await cachedHead(setup, config);
 *   if (cached) train cached.model on cached.sources, then cached.dispose();
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import type { ImageSource } from '../../data/source.js';
import {
  cachedFeatures,
  type FeatureSources,
  frozenPrefix,
  headOnFeatures,
} from '../../training/feature-cache.js';
import type { StudyConfig } from '../config/schema.js';
import type { TrialSetup } from './run-trial.js';

export interface CachedHead {
  /** The head on [features, 1] inputs, sharing the full model's head layers. */
  model: tfl.LayersModel;
  sources: FeatureSources<ImageSource>;
  /** Frees the head model's hold on the shared layers (before the full model's dispose). */
  dispose(): void;
}

/** Whether a study's arm settings let its trials use cached features. */
export function featureCacheApplies(config: StudyConfig, mode: string | undefined): boolean {
  if (process.env.TUNEBOOK_FEATURE_CACHE === 'off') return false;
  return mode === 'frozen' && !config.training.augment && !config.data.resample;
}

export async function cachedHead(
  setup: TrialSetup,
  config: StudyConfig,
): Promise<CachedHead | null> {
  const { model, backbone, data, transforms, layout } = setup;
  if (!backbone || !featureCacheApplies(config, backbone.mode)) return null;
  const prefix = frozenPrefix(model, backbone.layers);
  if (!prefix) return null;
  const key = JSON.stringify({
    backbone: config.model.pretrained,
    data: config.data,
    // Under `data.split.vary: per-seed` each seed's splits hold other examples.
    split: data.splitSeed,
    input: model.inputs[0].shape,
    cut: prefix.output.sourceLayer.name,
  });
  const sources = await cachedFeatures(
    key,
    prefix,
    { train: transforms.trainSource, validation: data.validation, test: data.test },
    transforms.evaluate,
    layout,
  );
  const head = headOnFeatures(model, prefix);
  return { model: head, sources, dispose: () => head.dispose() };
}
