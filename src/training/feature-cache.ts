/**
 * Frozen features, computed once. When a model's backbone is frozen and nothing random
 * happens before the head (no online augmentation, no dropout or noise inside the backbone,
 * batch norm in inference mode as a frozen backbone's is), the backbone maps each sample to
 * the same features in every epoch, seed and arm: compute them once per (backbone, data,
 * preprocessing), then train only the head on them. The head model built here shares the
 * full model's head layers (and so their weights and seeded initial values), so training it
 * trains the full model's head, and its scores are the full model's to float tolerance.
 *
 * Features live in a byte-bounded LRU cache per process (each worker thread has its own),
 * reused across the seeds and arms a worker runs.
 *
 * @example
 *   const cut = frozenPrefix(model);                  // null when not cacheable
 *   const feats = await cachedFeatures(key, cut, { train, validation, test }, evalTransform);
 *   const head = headOnFeatures(model, cut);          // train this on feats.train, ...
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Rng } from '../core/rng.js';
import type { SampleTransform } from '../data/loader.js';
import { ByteLruCache, type CacheStats } from '../data/lru-cache.js';
import { type ImageSource, writeFloat } from '../data/source.js';

/** Layers that draw random numbers in a training step: their output is not a fixed feature. */
const RANDOM_LAYERS = new Set([
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
]);
/** Weightless, deterministic layers that may follow the backbone into the cached part. */
const POOLING = new Set([
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'GlobalAveragePooling1D',
  'GlobalMaxPooling1D',
  'Flatten',
]);

/** The part of a model whose output is cached: its layers and the tensor the head reads. */
export interface FrozenPrefix {
  layers: Set<tfl.layers.Layer>;
  output: tfl.SymbolicTensor;
  extractor: tfl.LayersModel;
}

interface Inbound {
  inboundLayers: tfl.layers.Layer[];
  inputTensors: tfl.SymbolicTensor[];
  outputTensors: tfl.SymbolicTensor[];
}
const firstNode = (layer: tfl.layers.Layer) =>
  (layer as unknown as { inboundNodes: Inbound[] }).inboundNodes[0];

/**
 * The frozen part of `model` given its backbone layers, extended by the weightless pooling
 * right after it; null when the backbone has a trainable weight or a random layer, or when
 * the head reads more than one tensor of it.
 */
export function frozenPrefix(
  model: tfl.LayersModel,
  backbone: tfl.layers.Layer[],
): FrozenPrefix | null {
  if (backbone.length === 0) return null;
  if (backbone.some((l) => l.trainableWeights.length > 0 || RANDOM_LAYERS.has(l.getClassName())))
    return null;
  const layers = new Set(backbone);
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') layers.add(layer);
  }
  // Pooling fed only by the prefix joins it: smaller features to cache.
  for (const layer of model.layers) {
    if (layers.has(layer) || !POOLING.has(layer.getClassName())) continue;
    if (firstNode(layer).inboundLayers.every((l) => layers.has(l))) layers.add(layer);
  }
  const read = new Set<tfl.SymbolicTensor>();
  for (const layer of model.layers) {
    if (layers.has(layer)) continue;
    const node = firstNode(layer);
    node.inboundLayers.forEach((l, k) => {
      if (layers.has(l)) read.add(node.inputTensors[k]);
    });
  }
  if (read.size !== 1) return null;
  const [output] = [...read];
  if (output.shape.length < 2) return null;
  // Never disposed: it owns no weights of its own, and disposing it would free the backbone's.
  const extractor = tfl.model({ inputs: model.inputs, outputs: output });
  return { layers, output, extractor };
}

/**
 * A model from the cached features to the model's outputs, over the model's own head layers
 * (shared, not copied). Its input is [features, 1] (batches in the 'nwc' layout); a flatten
 * restores the head's input shape. Dispose it before the full model: sharing a layer counts
 * as a use of it.
 */
export function headOnFeatures(model: tfl.LayersModel, prefix: FrozenPrefix): tfl.LayersModel {
  const shape = prefix.output.shape.slice(1) as number[];
  const size = shape.reduce((p, d) => p * d, 1);
  const taken = new Set(model.layers.map((l) => l.name));
  let name = 'cached_features';
  for (let k = 2; taken.has(name); k++) name = `cached_features_${k}`;
  const input = tfl.input({ shape: [size, 1], name });
  const restored = tfl.layers
    .reshape({ targetShape: shape, name: `${name}_reshape` })
    .apply(input) as tfl.SymbolicTensor;
  const mapped = new Map<tfl.SymbolicTensor, tfl.SymbolicTensor>([[prefix.output, restored]]);
  for (const layer of model.layers) {
    if (prefix.layers.has(layer)) continue;
    const node = firstNode(layer);
    const ins = node.inputTensors.map((t) => mapped.get(t));
    if (ins.some((t) => t === undefined)) {
      throw new Error(`feature cache: layer ${layer.name} reads outside the head`);
    }
    const args = ins as tfl.SymbolicTensor[];
    const out = layer.apply(args.length === 1 ? args[0] : args) as
      | tfl.SymbolicTensor
      | tfl.SymbolicTensor[];
    const outs = Array.isArray(out) ? out : [out];
    node.outputTensors.forEach((t, k) => {
      mapped.set(t, outs[k]);
    });
  }
  const outputs = model.outputs.map((o) => mapped.get(o) as tfl.SymbolicTensor);
  return tfl.model({
    inputs: input,
    outputs: outputs.length === 1 ? outputs[0] : outputs,
    name: `${model.name}_on_features`,
  });
}

export interface FeatureSources<T = ImageSource> {
  train: T;
  validation: T;
  test: T;
}

const DEFAULT_BUDGET = 512 * 2 ** 20;
let cache = new ByteLruCache<string, FeatureSources<Float32Array>>(DEFAULT_BUDGET);

/** Sets the per-process byte budget (emptying the cache); 0 keeps nothing. */
export function setFeatureCacheBudget(bytes: number): void {
  cache = new ByteLruCache(bytes);
}

export function featureCacheStats(): CacheStats {
  return cache.stats();
}

/**
 * The prefix's features of every sample of the three splits (after `transform`, the
 * evaluation transform: nothing random), as sources of [features x 1] one-row images with the
 * splits' labels; from the cache when `key` was computed before.
 */
export async function cachedFeatures(
  key: string,
  prefix: FrozenPrefix,
  sources: FeatureSources,
  transform?: SampleTransform,
  layout: 'nhwc' | 'nwc' = 'nhwc',
  batchSize = 64,
): Promise<FeatureSources> {
  let features = cache.get(key);
  if (!features) {
    features = {
      train: await extract(prefix.extractor, sources.train, { transform, layout, batchSize }),
      validation: await extract(prefix.extractor, sources.validation, {
        transform,
        layout,
        batchSize,
      }),
      test: await extract(prefix.extractor, sources.test, { transform, layout, batchSize }),
    };
    const bytes =
      features.train.byteLength + features.validation.byteLength + features.test.byteLength;
    cache.set(key, features, bytes);
  }
  const size = prefix.output.shape.slice(1).reduce<number>((p, d) => p * (d ?? 1), 1);
  return {
    train: asSource(sources.train, features.train, size),
    validation: asSource(sources.validation, features.validation, size),
    test: asSource(sources.test, features.test, size),
  };
}

async function extract(
  extractor: tfl.LayersModel,
  source: ImageSource,
  options: { transform?: SampleTransform; layout: 'nhwc' | 'nwc'; batchSize: number },
): Promise<Float32Array> {
  const { transform, layout, batchSize } = options;
  const rng = new Rng(0);
  let out: Float32Array | null = null;
  let size = 0;
  for (let start = 0; start < source.count; start += batchSize) {
    const end = Math.min(source.count, start + batchSize);
    const images = [];
    for (let i = start; i < end; i++) {
      const img = await source.get(i);
      images.push(transform ? await transform(img, rng) : img);
    }
    const { height, width, channels } = images[0];
    const pixels = height * width * channels;
    const data = new Float32Array(images.length * pixels);
    images.forEach((img, k) => {
      writeFloat(img, data, k * pixels);
    });
    const batch = tf.tidy(() => {
      // As the training loader lays batches: signals (one row) as [batch, width, channels].
      const x =
        layout === 'nwc'
          ? tf.tensor3d(data, [images.length, width, channels])
          : tf.tensor4d(data, [images.length, height, width, channels]);
      return (extractor.predict(x) as tf.Tensor).dataSync() as Float32Array;
    });
    if (!out) {
      size = batch.length / images.length;
      out = new Float32Array(source.count * size);
    }
    out.set(batch, start * size);
  }
  return out ?? new Float32Array(0);
}

function asSource(base: ImageSource, features: Float32Array, size: number): ImageSource {
  return {
    count: base.count,
    labels: base.labels,
    classNames: base.classNames,
    shape: [1, size, 1],
    get: (i: number) =>
      Promise.resolve({
        data: features.subarray(i * size, (i + 1) * size),
        height: 1,
        width: size,
        channels: 1,
      }),
  };
}
