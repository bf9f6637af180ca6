/**
 * A trial's per-sample transforms, in the order a practitioner applies them:
 *
 *   8-bit image -> equalize / CLAHE (preprocessing) -> augmentation pipeline (training only)
 *               -> float in [0, 1] -> standard / min-max scaler (fitted on the training split)
 *
 * Evaluation uses the same chain without augmentation. Offline augmentation makes `copies`
 * augmented copies of each raw training image once, seeded by the trial's seed (they then go
 * through the same preprocessing as the originals); `both` adds the online pipeline on top.
 *
 * @example
 *   const t = await buildTransforms(arm.config, data.train, seed);
 */
import { stringify } from 'yaml';
import { ConfigError } from '../../core/errors.js';
import type { Image } from '../../core/image.js';
import { Rng } from '../../core/rng.js';
import type { SampleTransform } from '../../data/loader.js';
import type { ImageSource } from '../../data/source.js';
import { clahe } from '../../preprocessing/clahe.js';
import { equalizeHist } from '../../preprocessing/equalize-hist.js';
import { MinMaxScaler } from '../../preprocessing/minmax-scaler.js';
import { type NamedStats, namedStandardize } from '../../preprocessing/named-stats.js';
import type { AnyScaler } from '../../preprocessing/scaler-file.js';
import { StandardScaler } from '../../preprocessing/standard-scaler.js';
import { parsePipeline } from '../../transforms/pipeline-file.js';
import type { Transform } from '../../transforms/transform.js';
import type { StudyConfig } from '../config/schema.js';

export interface TrialTransforms {
  train: SampleTransform;
  evaluate: SampleTransform;
  /** The training source, with offline copies when asked for. */
  trainSource: ImageSource;
  /** The scaler fitted on the training split, when `normalize` fits one. */
  scaler: AnyScaler | null;
}

type Pre = (image: Image) => Image;
type Post = (image: Image<Float32Array>) => Image<Float32Array>;

/** `data.preprocessing` as the study schema gives it. */
export interface NormalizeSetting {
  method: string;
  axis?: string;
  /** Published statistics by name (`imagenet`) instead of ones fitted on the training split. */
  stats?: NamedStats;
  clipLimit?: number;
  tileGrid?: [number, number];
}

/** The 8-bit step of `normalize` (equalize, CLAHE), or null. */
export function preStep(normalize: NormalizeSetting | undefined): Pre | null {
  if (normalize?.method === 'equalize') return (img) => equalizeHist(img);
  if (normalize?.method === 'clahe') {
    const options = {
      clipLimit: normalize.clipLimit ?? 2,
      tileGridSize: normalize.tileGrid ?? [4, 4],
    };
    return (img) => clahe(img, options as Parameters<typeof clahe>[1]);
  }
  return null;
}

/** The float step of `normalize`: the fitted scaler, or each sample by itself; or null. */
export function postStep(
  normalize: NormalizeSetting | undefined,
  scaler: AnyScaler | null,
): Post | null {
  const method = normalize?.method;
  if (method !== 'standard' && method !== 'minmax') return null;
  if (normalize?.stats) return byChannels(normalize.stats);
  if (normalize?.axis === 'sample') return perSample(method);
  if (!scaler) return null;
  return (img) => ({
    ...img,
    data: scaler.transform({ data: img.data, count: 1 }).data as Float32Array,
  });
}

/** Named statistics (ImageNet's are per RGB channel) for however many channels an image has. */
function byChannels(stats: NamedStats): Post {
  const made = new Map<number, Post>();
  return (img) => {
    let step = made.get(img.channels);
    if (!step) {
      step = namedStandardize(stats, img.channels) as Post;
      made.set(img.channels, step);
    }
    return step(img);
  };
}

/** The evaluation chain (no augmentation): what a trial's model and an exported one read. */
export function evaluationChain(pre: Pre | null, post: Post | null): (img: Image) => Image {
  return (img) => {
    const f = toFloat(pre ? pre(img) : img);
    return post ? post(f) : f;
  };
}

export async function buildTransforms(
  config: StudyConfig,
  train: ImageSource,
  seed: number,
): Promise<TrialTransforms> {
  const normalize = config.data.preprocessing as NormalizeSetting | undefined;
  const pre = preStep(normalize);
  const augment = config.training.augment;
  const pipeline = augment ? buildPipeline(augment.pipeline) : null;
  const scaling =
    normalize?.method === 'standard' || normalize?.method === 'minmax' ? normalize.method : null;
  const scaler =
    scaling !== null && normalize?.axis !== 'sample' && !normalize?.stats
      ? await fitScaler(scaling, normalize?.axis, train, pre)
      : null;
  const post = postStep(normalize, scaler);

  const finish = (img: Image): Image => {
    const f = toFloat(img);
    return post ? post(f) : f;
  };
  const evaluate = evaluationChain(pre, post);
  const online = augment && augment.mode !== 'offline' ? pipeline : null;
  const trainTransform: SampleTransform = (img, rng) => {
    const base = pre ? pre(img) : img;
    return finish(online ? online.run(base, rng) : base);
  };
  let trainSource = train;
  if (augment && augment.mode !== 'online' && pipeline) {
    trainSource = await withOfflineCopies(train, pipeline, augment.copies, seed);
  }
  return { train: trainTransform, evaluate, trainSource, scaler };
}

/** A pipeline from the study's list of transforms (same rules as a pipeline file). */
export function buildPipeline(list: Record<string, unknown>[]): Transform {
  return parsePipeline(stringify({ pipeline: list }), 'training.augment.pipeline');
}

function toFloat(img: Image): Image<Float32Array> {
  if (img.data instanceof Float32Array) return img as Image<Float32Array>;
  const data = new Float32Array(img.data.length);
  for (let i = 0; i < data.length; i++) data[i] = img.data[i] / 255;
  return { data, height: img.height, width: img.width, channels: img.channels };
}

async function fitScaler(
  method: 'standard' | 'minmax',
  axis: string | undefined,
  train: ImageSource,
  pre: Pre | null,
): Promise<AnyScaler> {
  const images: Image<Float32Array>[] = [];
  for (let i = 0; i < train.count; i++) {
    const img = await train.get(i);
    images.push(toFloat(pre ? pre(img) : img));
  }
  const size = images[0].data.length;
  if (images.some((im) => im.data.length !== size)) {
    throw new ConfigError(
      'data.preprocessing',
      'images of one size for a fitted scaler',
      'images of varying sizes',
    );
  }
  const data = new Float32Array(images.length * size);
  images.forEach((im, k) => {
    data.set(im.data, k * size);
  });
  const channels = images[0].channels;
  const options = { axis: (axis ?? 'channel') as 'channel', channels };
  const scaler = method === 'standard' ? new StandardScaler(options) : new MinMaxScaler(options);
  scaler.fit({ data, count: images.length });
  return scaler;
}

async function withOfflineCopies(
  train: ImageSource,
  pipeline: Transform,
  copies: number,
  seed: number,
): Promise<ImageSource> {
  const rng = new Rng(seed).fork('offline augmentation');
  const extra: Image[] = [];
  const labels: number[] = [];
  for (let i = 0; i < train.count; i++) {
    const img = await train.get(i);
    for (let k = 0; k < copies; k++) {
      extra.push(pipeline.run(img, rng.fork(`${i}/${k}`)));
      labels.push(train.labels[i]);
    }
  }
  const n = train.count;
  return {
    count: n + extra.length,
    labels: Int32Array.from([...train.labels, ...labels]),
    classNames: train.classNames,
    shape: train.shape,
    get: (i: number) => (i < n ? train.get(i) : Promise.resolve(extra[i - n])),
  };
}

/** Each sample scaled by its own statistics: z-score, or min-max to [0, 1]. */
function perSample(method: 'standard' | 'minmax'): Post {
  return (img) => {
    const x = img.data;
    const out = new Float32Array(x.length);
    if (method === 'standard') {
      let mean = 0;
      for (let i = 0; i < x.length; i++) mean += x[i];
      mean /= x.length;
      let v = 0;
      for (let i = 0; i < x.length; i++) v += (x[i] - mean) ** 2;
      const sd = Math.sqrt(v / x.length) || 1;
      for (let i = 0; i < x.length; i++) out[i] = (x[i] - mean) / sd;
    } else {
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < x.length; i++) {
        lo = Math.min(lo, x[i]);
        hi = Math.max(hi, x[i]);
      }
      const range = hi - lo || 1;
      for (let i = 0; i < x.length; i++) out[i] = (x[i] - lo) / range;
    }
    return { ...img, data: out };
  };
}
