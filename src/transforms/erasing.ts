/**
 * `RandomErasing` (the seed's "random occlusion"): with probability `p`, overwrites a
 * rectangle whose area share is drawn from `scale` and aspect ratio log-uniformly from
 * `ratio`, as torchvision. `value` is in the image's own units (0-255 before `toTensor`,
 * floats after), one number or one per channel; `'random'` fills with standard normal noise
 * on float images (torchvision) and uniform bytes on 8-bit ones, drawn from a recorded seed.
 *
 * @example
 *   new RandomErasing({ p: 0.5, scale: [0.02, 0.33], ratio: [0.3, 3.3], value: 0 });
 */
import { ConfigError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { Rng } from '../core/rng.js';
import { erase } from './functional/erase.js';
import { roundHalfEven } from './functional/util.js';
import { BaseTransform, type ImageInfo } from './transform.js';
import { numberOrList, Options, orderedPair, probability } from './validate.js';

export interface RandomErasingOptions {
  p?: number;
  scale?: readonly [number, number];
  ratio?: readonly [number, number];
  value?: number | readonly number[] | 'random';
}

export type ErasingParams =
  | { erase: false }
  | {
      erase: true;
      top: number;
      left: number;
      height: number;
      width: number;
      noiseSeed: number | null;
    };

export class RandomErasing extends BaseTransform<ErasingParams> {
  static readonly KEYS = ['p', 'scale', 'ratio', 'value'] as const;
  readonly name = 'randomErasing';
  readonly p: number;
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly value: number | number[] | 'random';
  private readonly where: string;

  constructor(options: RandomErasingOptions = {}, where = 'randomErasing') {
    super();
    this.where = where;
    const o = new Options(where, options, RandomErasing.KEYS);
    this.p = o.has('p') ? probability(o.at('p'), o.get('p')) : 0.5;
    this.scale = o.has('scale') ? orderedPair(o.at('scale'), o.get('scale'), 0, 1) : [0.02, 0.33];
    this.ratio = o.has('ratio') ? orderedPair(o.at('ratio'), o.get('ratio'), 0) : [0.3, 3.3];
    if (this.ratio[0] <= 0)
      throw new ConfigError(o.at('ratio'), 'a range of positive ratios', this.ratio);
    const v = o.has('value') ? o.get('value') : 0;
    this.value = v === 'random' ? 'random' : numberOrList(o.at('value'), v);
  }

  /** torchvision's `RandomErasing.get_params`: 10 tries, else no erasing. */
  sampleParams(rng: Rng, input: ImageInfo): ErasingParams {
    if (!(rng.uniform() < this.p)) return { erase: false };
    if (
      Array.isArray(this.value) &&
      this.value.length !== 1 &&
      this.value.length !== input.channels
    ) {
      throw new ConfigError(
        `${this.where}.value`,
        input.channels === 1 ? '1 value' : `1 or ${input.channels} values (one per channel)`,
        this.value,
      );
    }
    const area = input.height * input.width;
    const logLo = Math.log(this.ratio[0]);
    const logHi = Math.log(this.ratio[1]);
    for (let attempt = 0; attempt < 10; attempt++) {
      const target = area * rng.range(this.scale[0], this.scale[1]);
      const aspect = Math.exp(rng.range(logLo, logHi));
      const h = roundHalfEven(Math.sqrt(target * aspect));
      const w = roundHalfEven(Math.sqrt(target / aspect));
      if (!(h < input.height && w < input.width)) continue;
      const noiseSeed = this.value === 'random' ? rng.nextUint32() : null;
      return {
        erase: true,
        top: rng.int(input.height - h + 1),
        left: rng.int(input.width - w + 1),
        height: h,
        width: w,
        noiseSeed,
      };
    }
    return { erase: false };
  }

  outputInfo(input: ImageInfo): ImageInfo {
    return input;
  }

  apply(image: Image, p: ErasingParams): Image {
    if (!p.erase) return image;
    let value: number | number[] | Float32Array | Uint8Array;
    if (this.value === 'random') {
      const noise = new Rng(p.noiseSeed ?? 0);
      const n = p.height * p.width * image.channels;
      if (image.data instanceof Uint8Array) {
        value = new Uint8Array(n);
        for (let i = 0; i < n; i++) value[i] = noise.int(256);
      } else {
        value = new Float32Array(n);
        for (let i = 0; i < n; i++) value[i] = noise.normal();
      }
    } else value = this.value;
    return erase(image, p.top, p.left, p.height, p.width, value);
  }

  describe(): Record<string, unknown> {
    return { p: this.p, scale: this.scale, ratio: this.ratio, value: this.value };
  }
}
