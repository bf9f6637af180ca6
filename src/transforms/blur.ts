/**
 * `GaussianBlur`: blurs with a fixed kernel size and a sigma drawn uniformly from a range
 * (torchvision's default [0.1, 2.0]).
 *
 * @example
 *   new GaussianBlur({ kernelSize: 5, sigma: [0.1, 2] });
 */
import { ConfigError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import type { Rng } from '../core/rng.js';
import { gaussianBlur } from './functional/blur.js';
import { BaseTransform, type ImageInfo } from './transform.js';
import { Options, orderedPair } from './validate.js';

export interface GaussianBlurOptions {
  /** Odd kernel size, or [kx, ky] (width first, as torchvision). */
  kernelSize: number | readonly [number, number];
  /** A fixed sigma, or the [min, max] it is drawn from. */
  sigma?: number | readonly [number, number];
}

export interface BlurParams {
  sigma: number;
}

export class GaussianBlur extends BaseTransform<BlurParams> {
  static readonly KEYS = ['kernelSize', 'sigma'] as const;
  readonly name = 'gaussianBlur';
  readonly kernelSize: [number, number];
  readonly sigma: [number, number];

  constructor(options: GaussianBlurOptions, where = 'gaussianBlur') {
    super();
    const o = new Options(where, options, GaussianBlur.KEYS);
    const k = o.get('kernelSize');
    const odd = (v: unknown) => Number.isInteger(v) && (v as number) > 0 && (v as number) % 2 === 1;
    if (odd(k)) this.kernelSize = [k as number, k as number];
    else if (Array.isArray(k) && k.length === 2 && k.every(odd)) this.kernelSize = [k[0], k[1]];
    else
      throw new ConfigError(o.at('kernelSize'), 'an odd positive integer or [kx, ky] of them', k);
    const s = o.has('sigma') ? o.get('sigma') : [0.1, 2.0];
    if (typeof s === 'number' && Number.isFinite(s) && s > 0) this.sigma = [s, s];
    else if (Array.isArray(s)) {
      this.sigma = orderedPair(o.at('sigma'), s);
      if (this.sigma[0] <= 0)
        throw new ConfigError(o.at('sigma'), '[min, max] with 0 < min <= max', s);
    } else
      throw new ConfigError(
        o.at('sigma'),
        'a positive number or [min, max] with 0 < min <= max',
        s,
      );
  }

  sampleParams(rng: Rng): BlurParams {
    return { sigma: rng.range(this.sigma[0], this.sigma[1]) };
  }

  outputInfo(input: ImageInfo): ImageInfo {
    return input;
  }

  apply(image: Image, params: BlurParams): Image {
    return gaussianBlur(image, this.kernelSize, [params.sigma, params.sigma]);
  }

  describe(): Record<string, unknown> {
    return { kernelSize: this.kernelSize, sigma: this.sigma };
  }
}
