/**
 * Per-channel statistics known by name, for `normalize: imagenet` (or `{ method: standard,
 * stats: imagenet }`): a backbone pretrained on ImageNet expects its inputs scaled as in its
 * training, with torchvision's mean and std, not statistics fitted on the new data. Grey
 * images (one channel) get the mean of the three channels' values, as timm does.
 *
 * @example
 *   const scale = namedStandardize('imagenet', 3);
 *   scale({ data, height, width, channels: 3 }); // (x - mean[c]) / std[c]
 */
import { ConfigError } from '../core/errors.js';
import type { Image } from '../core/image.js';

export const NAMED_STATS = ['imagenet'] as const;
export type NamedStats = (typeof NAMED_STATS)[number];

/** torchvision's ImageNet normalisation (RGB, for inputs in [0, 1]). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

const average = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** The mean and std per channel of the named statistics for `channels` channels. */
export function namedStats(name: NamedStats, channels: number): { mean: number[]; std: number[] } {
  if (channels === 3) return { mean: [...IMAGENET_MEAN], std: [...IMAGENET_STD] };
  if (channels === 1) return { mean: [average(IMAGENET_MEAN)], std: [average(IMAGENET_STD)] };
  throw new ConfigError(
    'data.preprocessing.stats',
    `images of 1 or 3 channels for the ${name} statistics`,
    `${channels} channels`,
  );
}

/** A function scaling float images (HWC, values in [0, 1]) by the named statistics. */
export function namedStandardize(
  name: NamedStats,
  channels: number,
): (img: Image<Float32Array>) => Image<Float32Array> {
  const { mean, std } = namedStats(name, channels);
  return (img) => {
    const out = new Float32Array(img.data.length);
    const c = img.channels;
    for (let i = 0; i < out.length; i++) out[i] = (img.data[i] - mean[i % c]) / std[i % c];
    return { ...img, data: out };
  };
}
