/**
 * `RandomHorizontalFlip` and `RandomVerticalFlip`: mirror with probability `p` (default 0.5).
 *
 * @example
 *   const flip = new RandomHorizontalFlip({ p: 0.5 });
 *   flip.sampleParams(rng, info); // { flip: true }
 */
import type { Image } from '../core/image.js';
import type { Rng } from '../core/rng.js';
import { hflip, vflip } from './functional/geometry.js';
import { BaseTransform, type ImageInfo } from './transform.js';
import { Options, probability } from './validate.js';

export interface FlipParams {
  flip: boolean;
}

abstract class RandomFlip extends BaseTransform<FlipParams> {
  static readonly KEYS = ['p'] as const;
  readonly p: number;

  constructor(options: { p?: number } | undefined, where: string) {
    super();
    const o = new Options(where, options, RandomFlip.KEYS);
    this.p = o.has('p') ? probability(o.at('p'), o.get('p')) : 0.5;
  }

  sampleParams(rng: Rng): FlipParams {
    return { flip: rng.uniform() < this.p };
  }

  outputInfo(input: ImageInfo): ImageInfo {
    return input;
  }

  describe(): Record<string, unknown> {
    return { p: this.p };
  }
}

export class RandomHorizontalFlip extends RandomFlip {
  readonly name = 'randomHorizontalFlip';

  constructor(options?: { p?: number }, where = 'randomHorizontalFlip') {
    super(options, where);
  }

  apply(image: Image, params: FlipParams): Image {
    return params.flip ? hflip(image) : image;
  }
}

export class RandomVerticalFlip extends RandomFlip {
  readonly name = 'randomVerticalFlip';

  constructor(options?: { p?: number }, where = 'randomVerticalFlip') {
    super(options, where);
  }

  apply(image: Image, params: FlipParams): Image {
    return params.flip ? vflip(image) : image;
  }
}
