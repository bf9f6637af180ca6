/**
 * Batch norm in training mode with a fused gradient. tfjs differentiates batch norm op by op
 * through the batch moments and its FusedBatchNorm gradient, tiling per-channel vectors to
 * full activation size on the way: ~25 full-size passes per layer, ~30% of a ResNet training
 * step on wasm. The closed form needs about five:
 *
 *   x^ = (x - mean) / sqrt(var + eps),   y = gamma x^ + beta
 *   dbeta = sum dy,   dgamma = sum dy x^
 *   dx = gamma / sqrt(var + eps) * (dy - dbeta / m - x^ dgamma / m)
 *
 * `installFusedBatchNorm` routes tfjs-layers' BatchNormalization (channels-last, with scale
 * and centre: every Keras-style CNN) through it in training; inference and other
 * configurations keep the layer's own code. The layer class, its weights and its saved form
 * are unchanged, so pretrained models benefit too. It is plain tfjs ops, on every backend.
 *
 * The same, single patch point also makes a frozen layer (`trainable = false`) run in
 * inference mode, as in Keras (>= 2.1.3) and TF2 (see models/frozen-batch-norm.ts): tfjs's
 * layer ignores `trainable` in its forward pass, so a "frozen" pretrained ResNet would drift
 * its moving statistics towards the new data. Both rules sit in one wrapper of the prototype's
 * `call`, so nothing depends on which was installed first. Why a patch and not a class of our
 * own: models loaded from disk are built by tfjs's deserializer from the class name
 * 'BatchNormalization', and tfjs-layers does not export the class to subclass cleanly; the
 * patch reaches every such layer, whoever built it. batch-norm-patch.test.ts checks the
 * internals it relies on, so a tfjs upgrade that moves them fails there, not in a study.
 *
 * @example
 *   installFusedBatchNorm(); // once, before training (initEngine and the model builders do it)
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { BATCH_NORM_BACKWARD, BATCH_NORM_FORWARD, MOVING_AVERAGE } from './kernels/batch-norm.js';

/** Normalises `x` over all axes but the last with the batch statistics. */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  if (tf.getKernel(BATCH_NORM_FORWARD, tf.getBackend()) && x.dtype === 'float32') {
    return viaKernels(x, gamma, beta, epsilon);
  }
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const count = x.size / x.shape[x.rank - 1];
  // The statistics are constants to the custom gradient below, whose dx already carries
  // their dependence on x; they stay off the loss's path on the tape.
  const { mean, variance } = tf.moments(x, axes);
  const invStd = tf.rsqrt(tf.add(variance, epsilon));
  const normalize = tf.customGrad((...args: (tf.Tensor | ((saved: tf.Tensor[]) => void))[]) => {
    const [xs, g, b] = args as tf.Tensor[];
    const save = args[3] as (saved: tf.Tensor[]) => void;
    const xHat = tf.mul(tf.sub(xs, mean), invStd);
    save([xHat, g, invStd]);
    return {
      value: tf.add(tf.mul(xHat, g), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, gs, inv] = saved;
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.sum(tf.mul(dy, xh), axes);
        const centered = tf.sub(
          tf.sub(dy, tf.div(dBeta, count)),
          tf.mul(xh, tf.div(dGamma, count)),
        );
        return [tf.mul(centered, tf.mul(gs, inv)), dGamma, dBeta];
      },
    };
  });
  return { y: normalize(x, gamma, beta), mean, variance };
}

/** The same on a backend with tunebook's batch-norm kernels (wasm): two passes each way. */
function viaKernels(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  let stats: tf.Tensor[] = [];
  const normalize = tf.customGrad((...args: (tf.Tensor | ((saved: tf.Tensor[]) => void))[]) => {
    const [xs, g, b] = args as tf.Tensor[];
    const save = args[3] as (saved: tf.Tensor[]) => void;
    const [y, mean, variance, invStd] = tf
      .engine()
      .runKernel(BATCH_NORM_FORWARD, { x: xs, gamma: g, beta: b }, { epsilon }) as tf.Tensor[];
    save([xs, mean, invStd, g]);
    stats = [tf.keep(mean), tf.keep(variance)];
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xSaved, meanSaved, invSaved, gSaved] = saved;
        return tf.engine().runKernel(BATCH_NORM_BACKWARD, {
          dy,
          x: xSaved,
          mean: meanSaved,
          invStd: invSaved,
          gamma: gSaved,
        }) as tf.Tensor[];
      },
    };
  });
  const y = normalize(x, gamma, beta);
  // Kept out of customGrad's scope so the caller can update moving averages; the caller's
  // tidy disposes them with everything else.
  const [mean, variance] = stats.map((t) => tf.clone(t));
  tf.dispose(stats);
  return { y, mean, variance };
}

/**
 * old - (old - value) * decay: one kernel where the backend has it (wasm), else the three
 * ops, which give the same float32 values.
 */
function movingAverage(old: tf.Tensor, value: tf.Tensor, decay: number): tf.Tensor {
  if (tf.getKernel(MOVING_AVERAGE, tf.getBackend()) && old.dtype === 'float32') {
    return tf.engine().runKernel(MOVING_AVERAGE, { moving: old, value }, { decay }) as tf.Tensor;
  }
  return tf.sub(old, tf.mul(tf.sub(old, value), decay));
}

interface BatchNormLayer {
  trainable: boolean;
  axis: number;
  epsilon: number;
  momentum: number;
  gamma: { read(): tf.Tensor } | null;
  beta: { read(): tf.Tensor } | null;
  movingMean: { read(): tf.Tensor; write(v: tf.Tensor): void };
  movingVariance: { read(): tf.Tensor; write(v: tf.Tensor): void };
}

type Call = (
  this: BatchNormLayer,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
) => tf.Tensor;
let original: Call | null = null;

/** The BatchNormalization prototype the patch wraps (for the test of its assumptions). */
export function batchNormPrototype(): { call: Call } {
  return Object.getPrototypeOf(tfl.layers.batchNormalization({})) as { call: Call };
}

/** Whether the patch is in place. */
export const fusedBatchNormInstalled = () => original !== null;

export function installFusedBatchNorm(): void {
  if (original) return;
  const proto = batchNormPrototype();
  const layerCall = proto.call;
  original = layerCall;
  proto.call = function (this: BatchNormLayer, inputs, kwargs) {
    // Frozen: inference mode, moving statistics untouched (Keras semantics).
    if (!this.trainable) return layerCall.call(this, inputs, { ...kwargs, training: false });
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const axis = this.axis >= 0 ? this.axis : this.axis + input.rank;
    const training = kwargs?.training === true;
    if (!training || axis !== input.rank - 1 || !this.gamma || !this.beta || input.rank < 2) {
      return layerCall.call(this, inputs, kwargs);
    }
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(
        input,
        this.gamma!.read(),
        this.beta!.read(),
        this.epsilon,
      );
      const decay = 1 - this.momentum;
      for (const [variable, value] of [
        [this.movingMean, mean],
        [this.movingVariance, variance],
      ] as const) {
        tf.tidy(() => variable.write(movingAverage(variable.read(), value, decay)));
      }
      return y;
    });
  };
}
