/**
 * `ToTensor` and `Normalize`. `toTensor` turns an 8-bit image into float32 in [0, 1] and
 * keeps HWC (torchvision's ToTensor also moves channels first; TensorFlow.js wants them
 * last). `normalize` needs float input, so it comes after `toTensor`, as in torchvision.
 *
 * @example
 *   compose([new ToTensor(), new Normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] })]);
 */
import { ConfigError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { normalize, toNormalizedTensor, toTensor } from './functional/tensor.js';
import {
  BaseTransform,
  type ImageInfo,
  NO_PARAMS,
  type NoParams,
  type PixelKind,
} from './transform.js';
import { numberList, Options } from './validate.js';

export class ToTensor extends BaseTransform<NoParams> {
  static readonly KEYS = [] as const;
  readonly name = 'toTensor';
  private readonly where: string;

  constructor(options?: Record<string, never>, where = 'toTensor') {
    super();
    this.where = where;
    new Options(where, options, ToTensor.KEYS);
  }

  override outputKind(input: PixelKind): PixelKind {
    if (input !== 'uint8') {
      throw new ConfigError(
        this.where,
        'an 8-bit image (is toTensor in the pipeline twice?)',
        'a float image',
      );
    }
    return 'float32';
  }

  sampleParams(): NoParams {
    return NO_PARAMS;
  }

  outputInfo(input: ImageInfo): ImageInfo {
    return { ...input, kind: this.outputKind(input.kind) };
  }

  apply(image: Image): Image {
    this.outputKind(image.data instanceof Uint8Array ? 'uint8' : 'float32');
    return toTensor(image);
  }

  describe(): Record<string, unknown> {
    return {};
  }
}

export interface NormalizeOptions {
  mean: readonly number[];
  std: readonly number[];
}

export class Normalize extends BaseTransform<NoParams> {
  static readonly KEYS = ['mean', 'std'] as const;
  readonly name = 'normalize';
  readonly mean: number[];
  readonly std: number[];
  private readonly where: string;

  constructor(options: NormalizeOptions, where = 'normalize') {
    super();
    this.where = where;
    const o = new Options(where, options, Normalize.KEYS);
    this.mean = numberList(o.at('mean'), o.get('mean'));
    this.std = numberList(o.at('std'), o.get('std'));
    if (this.std.some((s) => s === 0))
      throw new ConfigError(o.at('std'), 'non-zero values', this.std);
    if (this.mean.length !== this.std.length && this.mean.length !== 1 && this.std.length !== 1) {
      throw new ConfigError(o.at('std'), `as many values as mean (${this.mean.length})`, this.std);
    }
  }

  override outputKind(input: PixelKind): PixelKind {
    if (input !== 'float32') {
      throw new ConfigError(
        this.where,
        'a float image (put toTensor before normalize)',
        'an 8-bit image',
      );
    }
    return 'float32';
  }

  /** Whether mean and std fit an image with this many channels. */
  acceptsChannels(channels: number): boolean {
    return [this.mean, this.std].every((list) => list.length === 1 || list.length === channels);
  }

  private checkChannels(channels: number): void {
    for (const [key, list] of [
      ['mean', this.mean],
      ['std', this.std],
    ] as const) {
      if (list.length !== 1 && list.length !== channels) {
        throw new ConfigError(
          `${this.where}.${key}`,
          `1 or ${channels} values (one per channel)`,
          list,
        );
      }
    }
  }

  sampleParams(): NoParams {
    return NO_PARAMS;
  }

  outputInfo(input: ImageInfo): ImageInfo {
    this.checkChannels(input.channels);
    return { ...input, kind: this.outputKind(input.kind) };
  }

  apply(image: Image): Image {
    this.outputKind(image.data instanceof Uint8Array ? 'uint8' : 'float32');
    this.checkChannels(image.channels);
    return normalize(image, this.mean, this.std);
  }

  /** `apply(toTensor(image))` in one pass (what `compose` runs for toTensor then normalize). */
  applyToBytes(image: Image<Uint8Array>): Image {
    this.checkChannels(image.channels);
    return toNormalizedTensor(image, this.mean, this.std);
  }

  describe(): Record<string, unknown> {
    return { mean: this.mean, std: this.std };
  }
}
