/**
 * Transforms by name, as pipeline files write them: torchvision's names in camelCase, each
 * with its parameters and the one a bare value stands for (`randomRotation: 5` is
 * `randomRotation: {degrees: 5}`). `randomApply` and `compose` nest lists of transforms and
 * are built by the pipeline parser.
 *
 * @example
 *   const t = TRANSFORMS.randomCrop.create({ size: 224, padding: 4 }, 'pipeline[1].randomCrop');
 */
import { GaussianBlur } from './blur.js';
import { ColorJitter, Grayscale } from './color.js';
import { CenterCrop, RandomCrop } from './crop.js';
import { RandomErasing } from './erasing.js';
import { RandomHorizontalFlip, RandomVerticalFlip } from './flip.js';
import { RandomResizedCrop, Resize } from './resize.js';
import { RandomRotation } from './rotation.js';
import { Normalize, ToTensor } from './tensor.js';
import type { Transform } from './transform.js';

export interface TransformEntry {
  /** Parameters the transform takes. */
  keys: readonly string[];
  /** The parameter a bare (non-mapping) value stands for, if any. */
  shorthand: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: options are checked by each constructor
  create(options: any, where: string): Transform;
}

export const TRANSFORMS: Record<string, TransformEntry> = {
  resize: { keys: Resize.KEYS, shorthand: 'size', create: (o, w) => new Resize(o, w) },
  centerCrop: { keys: CenterCrop.KEYS, shorthand: 'size', create: (o, w) => new CenterCrop(o, w) },
  randomCrop: { keys: RandomCrop.KEYS, shorthand: 'size', create: (o, w) => new RandomCrop(o, w) },
  randomResizedCrop: {
    keys: RandomResizedCrop.KEYS,
    shorthand: 'size',
    create: (o, w) => new RandomResizedCrop(o, w),
  },
  randomHorizontalFlip: {
    keys: ['p'],
    shorthand: 'p',
    create: (o, w) => new RandomHorizontalFlip(o, w),
  },
  randomVerticalFlip: {
    keys: ['p'],
    shorthand: 'p',
    create: (o, w) => new RandomVerticalFlip(o, w),
  },
  randomRotation: {
    keys: RandomRotation.KEYS,
    shorthand: 'degrees',
    create: (o, w) => new RandomRotation(o, w),
  },
  gaussianBlur: {
    keys: GaussianBlur.KEYS,
    shorthand: 'kernelSize',
    create: (o, w) => new GaussianBlur(o, w),
  },
  randomErasing: {
    keys: RandomErasing.KEYS,
    shorthand: 'p',
    create: (o, w) => new RandomErasing(o, w),
  },
  colorJitter: { keys: ColorJitter.KEYS, shorthand: null, create: (o, w) => new ColorJitter(o, w) },
  grayscale: {
    keys: Grayscale.KEYS,
    shorthand: 'numOutputChannels',
    create: (o, w) => new Grayscale(o, w),
  },
  toTensor: { keys: ToTensor.KEYS, shorthand: null, create: (o, w) => new ToTensor(o, w) },
  normalize: { keys: Normalize.KEYS, shorthand: null, create: (o, w) => new Normalize(o, w) },
};

/** Names that hold a list of transforms (built by the parser). */
export const NESTING = ['randomApply', 'compose'] as const;

/** Every name a pipeline file may use. */
export const TRANSFORM_NAMES: readonly string[] = [...Object.keys(TRANSFORMS), ...NESTING];
