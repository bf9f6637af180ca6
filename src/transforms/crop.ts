/**
 * `CenterCrop` and `RandomCrop` (with torchvision's padding options).
 *
 * @example
 *   new CenterCrop({ size: 224 });
 *   new RandomCrop({ size: [224, 224], padding: 4, paddingMode: 'reflect' });
 */
import { ConfigError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import type { Rng } from '../core/rng.js';
import {
  centerCrop,
  centerOffset,
  crop,
  PADDING_MODES,
  type PaddingMode,
  pad,
} from './functional/geometry.js';
import type { Window } from './functional/resize.js';
import { BaseTransform, type ImageInfo, NO_PARAMS, type NoParams } from './transform.js';
import { boolean, numberOrList, Options, oneOf, size2 } from './validate.js';

/** A transform whose output is a window of its input, so a resize before it can skip the rest. */
export interface WindowCrop<P> {
  /** The window `apply` keeps, or null when it pads or reaches outside. */
  cropWindow(params: P, input: ImageInfo): Window | null;
}

export class CenterCrop extends BaseTransform<NoParams> implements WindowCrop<NoParams> {
  static readonly KEYS = ['size'] as const;
  readonly name = 'centerCrop';
  readonly size: [number, number];

  constructor(options: { size: number | readonly number[] }, where = 'centerCrop') {
    super();
    const o = new Options(where, options, CenterCrop.KEYS);
    this.size = size2(o.at('size'), o.get('size'));
  }

  sampleParams(): NoParams {
    return NO_PARAMS;
  }

  outputInfo(input: ImageInfo): ImageInfo {
    return { ...input, height: this.size[0], width: this.size[1] };
  }

  apply(image: Image): Image {
    return centerCrop(image, this.size);
  }

  cropWindow(_params: NoParams, input: ImageInfo): Window | null {
    const [h, w] = this.size;
    if (h > input.height || w > input.width) return null;
    return {
      top: centerOffset(input.height, h),
      left: centerOffset(input.width, w),
      height: h,
      width: w,
    };
  }

  describe(): Record<string, unknown> {
    return { size: this.size };
  }
}

export interface RandomCropOptions {
  size: number | readonly number[];
  /** One number for all sides, [left/right, top/bottom], or [left, top, right, bottom]. */
  padding?: number | readonly number[];
  /** Pad an image smaller than `size` up to it (torchvision's `pad_if_needed`). */
  padIfNeeded?: boolean;
  /** Value of constant padding: one number, or one per channel. */
  fill?: number | readonly number[];
  paddingMode?: PaddingMode;
}

export interface CropOffset {
  top: number;
  left: number;
}

export class RandomCrop extends BaseTransform<CropOffset> implements WindowCrop<CropOffset> {
  static readonly KEYS = ['size', 'padding', 'padIfNeeded', 'fill', 'paddingMode'] as const;
  readonly name = 'randomCrop';
  readonly size: [number, number];
  readonly padding: [number, number, number, number] | null;
  readonly padIfNeeded: boolean;
  readonly fill: number | number[];
  readonly paddingMode: PaddingMode;
  private readonly where: string;

  constructor(options: RandomCropOptions, where = 'randomCrop') {
    super();
    this.where = where;
    const o = new Options(where, options, RandomCrop.KEYS);
    this.size = size2(o.at('size'), o.get('size'));
    this.padding = o.has('padding') ? paddingOption(o.at('padding'), o.get('padding')) : null;
    this.padIfNeeded = o.has('padIfNeeded')
      ? boolean(o.at('padIfNeeded'), o.get('padIfNeeded'))
      : false;
    this.fill = o.has('fill') ? numberOrList(o.at('fill'), o.get('fill')) : 0;
    this.paddingMode = o.has('paddingMode')
      ? oneOf(o.at('paddingMode'), o.get('paddingMode'), PADDING_MODES)
      : 'constant';
  }

  /** The padding applied to an input of this size: the fixed one, then what `padIfNeeded` adds. */
  private paddingFor(input: {
    height: number;
    width: number;
  }): [number, number, number, number] | null {
    let p: [number, number, number, number] | null = this.padding ? [...this.padding] : null;
    if (this.padIfNeeded) {
      const w = input.width + (p ? p[0] + p[2] : 0);
      const h = input.height + (p ? p[1] + p[3] : 0);
      // torchvision pads the shortfall on both sides, so the image grows by twice it.
      if (w < this.size[1]) {
        p ??= [0, 0, 0, 0];
        p[0] += this.size[1] - w;
        p[2] += this.size[1] - w;
      }
      if (h < this.size[0]) {
        p ??= [0, 0, 0, 0];
        p[1] += this.size[0] - h;
        p[3] += this.size[0] - h;
      }
    }
    return p;
  }

  sampleParams(rng: Rng, input: ImageInfo): CropOffset {
    const p = this.paddingFor(input);
    const h = input.height + (p ? p[1] + p[3] : 0);
    const w = input.width + (p ? p[0] + p[2] : 0);
    const [th, tw] = this.size;
    if (h < th || w < tw) {
      throw new ConfigError(
        `${this.where}.size`,
        `a crop no larger than the ${p ? 'padded ' : ''}image (${h}x${w}; padIfNeeded pads up to size)`,
        this.size,
      );
    }
    if (h === th && w === tw) return { top: 0, left: 0 };
    return { top: rng.int(h - th + 1), left: rng.int(w - tw + 1) };
  }

  outputInfo(input: ImageInfo): ImageInfo {
    return { ...input, height: this.size[0], width: this.size[1] };
  }

  apply(image: Image, params: CropOffset): Image {
    const p = this.paddingFor(image);
    const padded = p ? pad(image, p, this.fill, this.paddingMode) : image;
    return crop(padded, params.top, params.left, this.size[0], this.size[1]);
  }

  cropWindow(params: CropOffset, input: ImageInfo): Window | null {
    if (this.paddingFor(input)) return null;
    return { top: params.top, left: params.left, height: this.size[0], width: this.size[1] };
  }

  describe(): Record<string, unknown> {
    return {
      size: this.size,
      padding: this.padding,
      padIfNeeded: this.padIfNeeded,
      fill: this.fill,
      paddingMode: this.paddingMode,
    };
  }
}

/** torchvision's padding forms, as [left, top, right, bottom]. */
export function paddingOption(field: string, v: unknown): [number, number, number, number] {
  const ok = (x: unknown) => Number.isInteger(x) && (x as number) >= 0;
  if (ok(v)) {
    const n = v as number;
    return [n, n, n, n];
  }
  if (Array.isArray(v) && v.every(ok)) {
    if (v.length === 1) return [v[0], v[0], v[0], v[0]];
    if (v.length === 2) return [v[0], v[1], v[0], v[1]];
    if (v.length === 4) return [v[0], v[1], v[2], v[3]];
  }
  throw new ConfigError(
    field,
    'a non-negative integer, [left/right, top/bottom] or [left, top, right, bottom]',
    v,
  );
}
