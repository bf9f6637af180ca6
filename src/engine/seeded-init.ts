/**
 * Seeded initial weights. tfjs initializers ignore their `seed` (tfjs issue #7104) and there
 * is no global seed, so two models built alike start from different weights. `seedWeights`
 * redraws every weight of a built model from tunebook's seeded RNG, with the distribution of
 * the initializer the layer declared (Glorot, He, LeCun, uniform, normal, truncated normal,
 * constants, identity, orthogonal). Each weight gets its own stream, keyed by its position
 * in the model, so the draw does not depend on tfjs's global layer-name counters.
 *
 * @example
 *   const model = smallCnn({ inputShape: [28, 28, 1], classes: 10 });
 *   seedWeights(model, 42); // same seed, same weights, on every backend
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { KernelError } from '../core/errors.js';
import { Rng } from '../core/rng.js';

/** Weight name suffix -> the layer attribute holding its initializer. */
const INITIALIZER_ATTRIBUTE: Record<string, string> = {
  kernel: 'kernelInitializer',
  bias: 'biasInitializer',
  gamma: 'gammaInitializer',
  beta: 'betaInitializer',
  moving_mean: 'movingMeanInitializer',
  moving_variance: 'movingVarianceInitializer',
  depthwise_kernel: 'depthwiseInitializer',
  pointwise_kernel: 'pointwiseInitializer',
  recurrent_kernel: 'recurrentInitializer',
  embeddings: 'embeddingsInitializer',
  alpha: 'alphaInitializer',
};

interface InitializerLike {
  getClassName(): string;
  getConfig(): Record<string, unknown>;
}

export function seedWeights(model: tfl.LayersModel, seed: number): void {
  const root = new Rng(seed);
  model.layers.forEach((layer, layerIndex) => {
    layer.weights.forEach((weight, weightIndex) => {
      const suffix = weight.originalName.split('/').pop() ?? '';
      const attribute = INITIALIZER_ATTRIBUTE[suffix];
      // Recurrent layers keep their initializers on the cell.
      const owners = [layer, (layer as unknown as { cell?: unknown }).cell] as Record<
        string,
        unknown
      >[];
      const init = attribute
        ? (owners.map((o) => o?.[attribute]).find((v) => v) as InitializerLike | undefined)
        : undefined;
      if (!init) {
        throw new KernelError(
          'seedWeights',
          `layer ${layer.name} weight ${weight.originalName} has no known initializer`,
        );
      }
      const rng = root.fork(`${layerIndex}/${weightIndex}`);
      const values = drawInitial(init, weight.shape as number[], rng, `${layer.name}/${suffix}`);
      const t = tf.tensor(values, weight.shape as number[], 'float32');
      weight.write(t);
      t.dispose();
    });
  });
}

/** Fan-in and fan-out as tfjs-layers (Keras) compute them, channels last. */
export function computeFans(shape: number[]): [number, number] {
  if (shape.length === 2) return [shape[0], shape[1]];
  if (shape.length >= 3 && shape.length <= 5) {
    const receptive = shape.slice(0, -2).reduce((p, d) => p * d, 1);
    return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
  }
  const side = Math.sqrt(shape.reduce((p, d) => p * d, 1));
  return [side, side];
}

export function drawInitial(
  init: InitializerLike,
  shape: number[],
  rng: Rng,
  where: string,
): Float32Array {
  const n = shape.reduce((p, d) => p * d, 1);
  const out = new Float32Array(n);
  const config = init.getConfig();
  const num = (key: string, fallback: number) =>
    typeof config[key] === 'number' ? (config[key] as number) : fallback;
  switch (init.getClassName()) {
    case 'Zeros':
      return out;
    case 'Ones':
      return out.fill(1);
    case 'Constant':
      return out.fill(num('value', 0));
    case 'RandomUniform':
      return fillUniform(out, rng, num('minval', -0.05), num('maxval', 0.05));
    case 'RandomNormal':
      for (let i = 0; i < n; i++) out[i] = num('mean', 0) + num('stddev', 0.05) * rng.normal();
      return out;
    case 'TruncatedNormal':
      return fillTruncated(out, rng, num('mean', 0), num('stddev', 0.05));
    case 'VarianceScaling': {
      const [fanIn, fanOut] = computeFans(shape);
      const mode = config.mode ?? 'fanIn';
      const denominator =
        mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
      const scale = num('scale', 1) / Math.max(1, denominator);
      if (config.distribution === 'normal') return fillTruncated(out, rng, 0, Math.sqrt(scale));
      const limit = Math.sqrt(3 * scale);
      return fillUniform(out, rng, -limit, limit);
    }
    case 'Identity': {
      if (shape.length !== 2 || shape[0] !== shape[1]) break;
      for (let i = 0; i < shape[0]; i++) out[i * shape[0] + i] = num('gain', 1);
      return out;
    }
    case 'Orthogonal':
      return orthogonal(shape, rng, num('gain', 1));
  }
  throw new KernelError(
    'seedWeights',
    `${where}: initializer ${init.getClassName()} for shape [${shape}] is not supported`,
  );
}

function fillUniform(out: Float32Array, rng: Rng, lo: number, hi: number): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = rng.range(lo, hi);
  return out;
}

/** Normal draws re-drawn beyond two standard deviations, as tf.truncatedNormal. */
function fillTruncated(out: Float32Array, rng: Rng, mean: number, stddev: number): Float32Array {
  for (let i = 0; i < out.length; i++) {
    let z = rng.normal();
    while (Math.abs(z) > 2) z = rng.normal();
    out[i] = mean + stddev * z;
  }
  return out;
}

/** Rows (or columns) orthonormalised by Gram-Schmidt, as the tfjs/Keras initializer. */
function orthogonal(shape: number[], rng: Rng, gain: number): Float32Array {
  const rows = shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const cols = shape[shape.length - 1];
  const transposed = rows < cols;
  const [r, c] = transposed ? [cols, rows] : [rows, cols];
  const q = new Float64Array(r * c);
  for (let j = 0; j < c; j++) {
    for (let i = 0; i < r; i++) q[i * c + j] = rng.normal();
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < r; i++) dot += q[i * c + j] * q[i * c + k];
      for (let i = 0; i < r; i++) q[i * c + j] -= dot * q[i * c + k];
    }
    let norm = 0;
    for (let i = 0; i < r; i++) norm += q[i * c + j] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < r; i++) q[i * c + j] /= norm;
  }
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++)
      out[i * cols + j] = gain * (transposed ? q[j * c + i] : q[i * c + j]);
  }
  return out;
}
