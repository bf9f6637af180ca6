/**
 * Augmentation with torchvision's names and semantics, on tunebook's `Image` type.
 *
 * Layout: images are HWC (rows, columns, channels), and batches NHWC as TensorFlow.js wants
 * them, where torchvision's tensors are CHW / NCHW. Before `toTensor` an image is 8-bit
 * (`Uint8Array`, 0-255) like a PIL image, and the kernels reproduce torchvision on PIL images
 * (resize, rotation, colour: bit-exact with Pillow's arithmetic; blur within one grey level);
 * `toTensor` gives float32 in [0, 1] (still HWC) and `normalize` standardises per channel.
 *
 * Each transform is a small class (constructor validates; `sampleParams(rng, info)` draws;
 * `apply(image, params)` runs a pure kernel from `functional`), and the lower-case factories
 * below build them the way torchvision's constructors read, so the seed's pipeline
 * translates line by line:
 *
 * @example
 *   import { transforms as T } from 'tunebook';
 *   const augment = T.compose([T.resize([256, 256]), T.randomCrop([224, 224]),
 *     T.randomHorizontalFlip(), T.randomRotation(5), T.toTensor(),
 *     T.normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])]);
 *   const out = augment.run(image, T.sampleRng(seed, epoch, index));
 */
import { GaussianBlur, type GaussianBlurOptions } from './blur.js';
import { ColorJitter, type ColorJitterOptions, Grayscale } from './color.js';
import { Compose, RandomApply } from './compose.js';
import { CenterCrop, RandomCrop, type RandomCropOptions } from './crop.js';
import { RandomErasing, type RandomErasingOptions } from './erasing.js';
import { RandomHorizontalFlip, RandomVerticalFlip } from './flip.js';
import {
  RandomResizedCrop,
  type RandomResizedCropOptions,
  Resize,
  type ResizeOptions,
} from './resize.js';
import { RandomRotation, type RandomRotationOptions } from './rotation.js';
import { Normalize, ToTensor } from './tensor.js';
import type { Transform } from './transform.js';

export { type BlurParams, GaussianBlur, type GaussianBlurOptions } from './blur.js';
export {
  ColorJitter,
  type ColorJitterOptions,
  type ColorJitterParams,
  Grayscale,
} from './color.js';
export {
  augmentSample,
  Compose,
  RandomApply,
  type RandomApplyParams,
  sampleRng,
} from './compose.js';
export {
  CenterCrop,
  type CropOffset,
  RandomCrop,
  type RandomCropOptions,
  type WindowCrop,
} from './crop.js';
export { augmentEncoded } from './encoded.js';
export { type ErasingParams, RandomErasing, type RandomErasingOptions } from './erasing.js';
export { type FlipParams, RandomHorizontalFlip, RandomVerticalFlip } from './flip.js';
export * as functional from './functional/index.js';
export { type GridOptions, makeGrid, toDisplayBytes } from './grid.js';
export {
  type AugmentFolderOptions,
  type AugmentFolderResult,
  augmentFolder,
} from './offline.js';
export { loadPipeline, parsePipeline } from './pipeline-file.js';
export { type PreviewOptions, pickSamplesByClass, previewRows, writePreview } from './preview.js';
export { TRANSFORM_NAMES, TRANSFORMS, type TransformEntry } from './registry.js';
export {
  type CropBox,
  RandomResizedCrop,
  type RandomResizedCropOptions,
  Resize,
  type ResizeOptions,
} from './resize.js';
export { RandomRotation, type RandomRotationOptions, type RotationParams } from './rotation.js';
export { Normalize, type NormalizeOptions, ToTensor } from './tensor.js';
export {
  BaseTransform,
  type ImageInfo,
  infoOf,
  type NoParams,
  type PixelKind,
  type Transform,
} from './transform.js';

type Size = number | readonly number[];

/** `Compose([...])`. */
export function compose(transforms: readonly Transform[]): Compose {
  return new Compose(transforms);
}

/** `Resize(size)`: [h, w], or one number for the shorter edge. */
export function resize(size: Size, options: Omit<ResizeOptions, 'size'> = {}): Resize {
  return new Resize({ ...options, size });
}

/** `CenterCrop(size)`. */
export function centerCrop(size: Size): CenterCrop {
  return new CenterCrop({ size });
}

/** `RandomCrop(size, padding=..., pad_if_needed=..., fill=..., padding_mode=...)`. */
export function randomCrop(size: Size, options: Omit<RandomCropOptions, 'size'> = {}): RandomCrop {
  return new RandomCrop({ ...options, size });
}

/** `RandomResizedCrop(size, scale=(0.08, 1), ratio=(3/4, 4/3))`. */
export function randomResizedCrop(
  size: Size,
  options: Omit<RandomResizedCropOptions, 'size'> = {},
): RandomResizedCrop {
  return new RandomResizedCrop({ ...options, size });
}

/** `RandomHorizontalFlip(p=0.5)`. */
export function randomHorizontalFlip(p = 0.5): RandomHorizontalFlip {
  return new RandomHorizontalFlip({ p });
}

/** `RandomVerticalFlip(p=0.5)`. */
export function randomVerticalFlip(p = 0.5): RandomVerticalFlip {
  return new RandomVerticalFlip({ p });
}

/** `RandomRotation(degrees, interpolation=nearest, expand=False, center=None, fill=0)`. */
export function randomRotation(
  degrees: number | readonly [number, number],
  options: Omit<RandomRotationOptions, 'degrees'> = {},
): RandomRotation {
  return new RandomRotation({ ...options, degrees });
}

/** `GaussianBlur(kernel_size, sigma=(0.1, 2.0))`. */
export function gaussianBlur(
  kernelSize: GaussianBlurOptions['kernelSize'],
  sigma?: GaussianBlurOptions['sigma'],
): GaussianBlur {
  return new GaussianBlur(sigma === undefined ? { kernelSize } : { kernelSize, sigma });
}

/** `RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0)`. */
export function randomErasing(options: RandomErasingOptions = {}): RandomErasing {
  return new RandomErasing(options);
}

/** `ColorJitter(brightness, contrast, saturation, hue)`. */
export function colorJitter(options: ColorJitterOptions = {}): ColorJitter {
  return new ColorJitter(options);
}

/** `Grayscale(num_output_channels=1)`. */
export function grayscale(numOutputChannels: 1 | 3 = 1): Grayscale {
  return new Grayscale({ numOutputChannels });
}

/** `RandomApply(transforms, p=0.5)`. */
export function randomApply(transforms: readonly Transform[], p = 0.5): RandomApply {
  return new RandomApply({ transforms, p });
}

/** `ToTensor()`: bytes to float32 in [0, 1], HWC kept. */
export function toTensor(): ToTensor {
  return new ToTensor();
}

/** `Normalize(mean, std)`. */
export function normalize(mean: readonly number[], std: readonly number[]): Normalize {
  return new Normalize({ mean, std });
}
