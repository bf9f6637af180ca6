/**
 * `Compose` and `RandomApply`, and the per-sample random stream that makes augmentation
 * reproducible: sample `i` of epoch `e` under seed `s` always draws from the same stream,
 * whatever order or worker processes it, so the same seed gives the same augmented epoch.
 *
 * Compose also runs some neighbours as one step where that gives the same pixels for less
 * work (see fuse.ts): a resize followed by a crop computes only the cropped part, flips and a
 * nearest rotation become one gather, and `toTensor` then `normalize` one table lookup.
 *
 * @example
 *   const pipeline = new Compose([new Resize({ size: [256, 256] }), new RandomCrop({ size: 224 })]);
 *   const rng = sampleRng(seed, epoch, index);
 *   const params = pipeline.sampleParams(rng, infoOf(image)); // recordable
 *   const out = pipeline.apply(image, params);
 */
import { ConfigError } from '../core/errors.js';
import type { Image } from '../core/image.js';
import { Rng } from '../core/rng.js';
import { applyFused } from './fuse.js';
import {
  BaseTransform,
  type ImageInfo,
  infoOf,
  type PixelKind,
  type Transform,
} from './transform.js';
import { Options, probability } from './validate.js';

/** The random stream of sample `index` in `epoch` under `seed`. */
export function sampleRng(seed: number, epoch: number, index: number): Rng {
  return new Rng(seed).fork(`epoch ${epoch}`).fork(`sample ${index}`);
}

/** Kind after a list of transforms, checking each accepts what the one before produces. */
function chainKind(transforms: readonly Transform[], input: PixelKind): PixelKind {
  let kind = input;
  for (const t of transforms) kind = t.outputKind(kind);
  return kind;
}

export class Compose extends BaseTransform<unknown[]> {
  readonly name = 'compose';
  readonly transforms: readonly Transform[];

  constructor(transforms: readonly Transform[], where = 'compose') {
    super();
    if (!Array.isArray(transforms) || transforms.some((t) => typeof t?.apply !== 'function')) {
      throw new ConfigError(where, 'a list of transforms', transforms);
    }
    this.transforms = [...transforms];
  }

  /** Each transform draws from its own fork, so one that draws more leaves the others alone. */
  sampleParams(rng: Rng, input: ImageInfo): unknown[] {
    let info = input;
    return this.transforms.map((t, i) => {
      const p = t.sampleParams(rng.fork(String(i)), info);
      info = t.outputInfo(info, p);
      return p;
    });
  }

  outputInfo(input: ImageInfo, params: unknown[]): ImageInfo {
    let info = input;
    this.transforms.forEach((t, i) => {
      info = t.outputInfo(info, params[i]);
    });
    return info;
  }

  override outputKind(input: PixelKind): PixelKind {
    return chainKind(this.transforms, input);
  }

  apply(image: Image, params: unknown[]): Image {
    return applyFused(this.transforms, params, image);
  }

  describe(): Record<string, unknown> {
    return { transforms: this.transforms.map((t) => ({ [t.name]: t.describe() })) };
  }
}

export interface RandomApplyParams {
  applied: boolean;
  params: unknown[] | null;
}

/** Applies its transforms, in order, with probability `p` (default 0.5). */
export class RandomApply extends BaseTransform<RandomApplyParams> {
  static readonly KEYS = ['transforms', 'p'] as const;
  readonly name = 'randomApply';
  readonly p: number;
  readonly inner: Compose;
  private readonly where: string;

  constructor(options: { transforms: readonly Transform[]; p?: number }, where = 'randomApply') {
    super();
    this.where = where;
    const o = new Options(where, options, RandomApply.KEYS);
    const list = o.get('transforms');
    if (!Array.isArray(list) || list.length === 0) {
      throw new ConfigError(o.at('transforms'), 'a non-empty list of transforms', list);
    }
    this.inner = new Compose(list as Transform[], o.at('transforms'));
    this.p = o.has('p') ? probability(o.at('p'), o.get('p')) : 0.5;
  }

  sampleParams(rng: Rng, input: ImageInfo): RandomApplyParams {
    const applied = rng.uniform() < this.p;
    return { applied, params: applied ? this.inner.sampleParams(rng.fork('inner'), input) : null };
  }

  outputInfo(input: ImageInfo, p: RandomApplyParams): ImageInfo {
    return p.applied && p.params ? this.inner.outputInfo(input, p.params) : input;
  }

  override outputKind(input: PixelKind): PixelKind {
    const out = this.inner.outputKind(input);
    if (out !== input) {
      throw new ConfigError(
        `${this.where}.transforms`,
        'transforms that keep the pixel kind (toTensor cannot be applied at random)',
        this.inner.transforms.map((t) => t.name),
      );
    }
    return out;
  }

  apply(image: Image, p: RandomApplyParams): Image {
    return p.applied && p.params ? this.inner.apply(image, p.params) : image;
  }

  describe(): Record<string, unknown> {
    return { p: this.p, ...this.inner.describe() };
  }
}

/**
 * Augments one sample reproducibly and returns the drawn parameters with it.
 *
 * @example
 *   const { image: out, params } = augmentSample(pipeline, image, { seed: 1, epoch: 0, index: 7 });
 */
export function augmentSample(
  transform: Transform,
  image: Image,
  at: { seed: number; epoch: number; index: number },
): { image: Image; params: unknown } {
  const params = transform.sampleParams(sampleRng(at.seed, at.epoch, at.index), infoOf(image));
  return { image: transform.apply(image, params), params };
}
