/**
 * `Resize` and `RandomResizedCrop`, torchvision's, antialiased as torchvision >= 0.17 (and PIL)
 * resize by default.
 *
 * @example
 *   new Resize({ size: [256, 256] });              // exact size
 *   new Resize({ size: 256 });                     // shorter edge 256, aspect kept
 *   new RandomResizedCrop({ size: 224, scale: [0.08, 1] });
 */
import { ConfigError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import type { Rng } from '../core/rng.js';
import { crop } from './functional/geometry.js';
import {
  INTERPOLATIONS,
  type Interpolation,
  resize,
  resizedSize,
  type Window,
} from './functional/resize.js';
import { roundHalfEven } from './functional/util.js';
import { BaseTransform, type ImageInfo, NO_PARAMS, type NoParams } from './transform.js';
import { integer, Options, oneOf, orderedPair, size2 } from './validate.js';

export interface ResizeOptions {
  /** [height, width], or one number for the shorter edge (the other keeps the aspect ratio). */
  size: number | readonly number[];
  interpolation?: Interpolation;
  /** With a single-number size: cap on the longer edge. */
  maxSize?: number;
  /** Accepted for torchvision compatibility; tunebook always antialiases. */
  antialias?: boolean;
}

function interpolationOption(o: Options, fallback: Interpolation): Interpolation {
  return o.has('interpolation')
    ? oneOf(o.at('interpolation'), o.get('interpolation'), INTERPOLATIONS)
    : fallback;
}

function antialiasOption(o: Options): void {
  if (o.has('antialias') && o.get('antialias') !== true) {
    throw new ConfigError(
      o.at('antialias'),
      'true (tunebook always antialiases, as PIL and torchvision >= 0.17 do)',
      o.get('antialias'),
    );
  }
}

export class Resize extends BaseTransform<NoParams> {
  static readonly KEYS = ['size', 'interpolation', 'maxSize', 'antialias'] as const;
  readonly name = 'resize';
  readonly size: number | [number, number];
  readonly interpolation: Interpolation;
  readonly maxSize: number | undefined;

  constructor(options: ResizeOptions, where = 'resize') {
    super();
    const o = new Options(where, options, Resize.KEYS);
    const size = o.get('size');
    if (typeof size === 'number' || (Array.isArray(size) && size.length === 1)) {
      this.size = integer(o.at('size'), typeof size === 'number' ? size : size[0], 1);
    } else if (Array.isArray(size) && size.length === 2) {
      this.size = size2(o.at('size'), size);
    } else {
      throw new ConfigError(
        o.at('size'),
        'a positive integer (shorter edge) or [height, width]',
        size,
      );
    }
    this.interpolation = interpolationOption(o, 'bilinear');
    this.maxSize = o.has('maxSize') ? integer(o.at('maxSize'), o.get('maxSize'), 1) : undefined;
    if (this.maxSize !== undefined) {
      if (typeof this.size !== 'number') {
        throw new ConfigError(
          o.at('maxSize'),
          'no value when size is [height, width]',
          this.maxSize,
        );
      }
      if (this.maxSize <= this.size) {
        throw new ConfigError(
          o.at('maxSize'),
          `a value greater than size (${this.size})`,
          this.maxSize,
        );
      }
    }
    antialiasOption(o);
  }

  sampleParams(): NoParams {
    return NO_PARAMS;
  }

  outputInfo(input: ImageInfo): ImageInfo {
    const [height, width] = resizedSize(input.height, input.width, this.size, this.maxSize);
    return { ...input, height, width };
  }

  apply(image: Image): Image {
    const [h, w] = resizedSize(image.height, image.width, this.size, this.maxSize);
    if (h === image.height && w === image.width) return image;
    return resize(image, [h, w], this.interpolation);
  }

  /** The resized image's `window` only: what a following crop keeps, computed alone. */
  applyWindow(image: Image, window: Window): Image {
    const [h, w] = resizedSize(image.height, image.width, this.size, this.maxSize);
    return resize(image, [h, w], this.interpolation, window);
  }

  describe(): Record<string, unknown> {
    return { size: this.size, interpolation: this.interpolation, maxSize: this.maxSize };
  }
}

export interface RandomResizedCropOptions {
  size: number | readonly number[];
  /** Range of the crop's area as a share of the image's. */
  scale?: readonly [number, number];
  /** Range of the crop's aspect ratio (width / height), drawn log-uniformly. */
  ratio?: readonly [number, number];
  interpolation?: Interpolation;
  antialias?: boolean;
}

export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

export class RandomResizedCrop extends BaseTransform<CropBox> {
  static readonly KEYS = ['size', 'scale', 'ratio', 'interpolation', 'antialias'] as const;
  readonly name = 'randomResizedCrop';
  readonly size: [number, number];
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly interpolation: Interpolation;

  constructor(options: RandomResizedCropOptions, where = 'randomResizedCrop') {
    super();
    const o = new Options(where, options, RandomResizedCrop.KEYS);
    this.size = size2(o.at('size'), o.get('size'));
    this.scale = o.has('scale') ? orderedPair(o.at('scale'), o.get('scale'), 0, 1) : [0.08, 1];
    if (this.scale[1] <= 0)
      throw new ConfigError(o.at('scale'), 'a range with max > 0', this.scale);
    this.ratio = o.has('ratio') ? orderedPair(o.at('ratio'), o.get('ratio'), 0) : [3 / 4, 4 / 3];
    if (this.ratio[0] <= 0)
      throw new ConfigError(o.at('ratio'), 'a range of positive ratios', this.ratio);
    this.interpolation = interpolationOption(o, 'bilinear');
    antialiasOption(o);
  }

  /** torchvision's `RandomResizedCrop.get_params`: 10 tries, then a central crop. */
  sampleParams(rng: Rng, input: ImageInfo): CropBox {
    const { height, width } = input;
    const area = height * width;
    const logLo = Math.log(this.ratio[0]);
    const logHi = Math.log(this.ratio[1]);
    for (let attempt = 0; attempt < 10; attempt++) {
      const target = area * rng.range(this.scale[0], this.scale[1]);
      const aspect = Math.exp(rng.range(logLo, logHi));
      const w = roundHalfEven(Math.sqrt(target * aspect));
      const h = roundHalfEven(Math.sqrt(target / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        return { top: rng.int(height - h + 1), left: rng.int(width - w + 1), height: h, width: w };
      }
    }
    const inRatio = width / height;
    let w = width;
    let h = height;
    if (inRatio < this.ratio[0]) h = roundHalfEven(w / this.ratio[0]);
    else if (inRatio > this.ratio[1]) w = roundHalfEven(h * this.ratio[1]);
    return {
      top: Math.floor((height - h) / 2),
      left: Math.floor((width - w) / 2),
      height: h,
      width: w,
    };
  }

  outputInfo(input: ImageInfo): ImageInfo {
    return { ...input, height: this.size[0], width: this.size[1] };
  }

  apply(image: Image, p: CropBox): Image {
    const patch = crop(image, p.top, p.left, p.height, p.width);
    if (p.height === this.size[0] && p.width === this.size[1]) return patch;
    return resize(patch, this.size, this.interpolation);
  }

  describe(): Record<string, unknown> {
    return {
      size: this.size,
      scale: this.scale,
      ratio: this.ratio,
      interpolation: this.interpolation,
    };
  }
}
