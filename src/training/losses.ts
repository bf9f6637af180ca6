/**
 * Losses for classification: softmax cross-entropy on logits with class weights and label
 * smoothing, and a weighted sum of losses for multi-task heads.
 *
 * Normalisation of a class-weighted batch loss: frameworks differ. Keras' and tfjs'
 * `classWeight` scale each sample's loss by its class weight and divide by the batch size,
 * so the loss (and the effective learning rate) moves with the weights' scale and the batch's
 * class mix. PyTorch's `nn.CrossEntropyLoss(weight=w)` divides by the sum of the samples'
 * weights instead:
 *
 *     loss = sum_i w[y_i] * l_i / sum_i w[y_i]
 *
 * a weighted mean, invariant to the weights' scale. tunebook follows PyTorch, so that the
 * seed's `CrossEntropyLoss(weight=[1, 0.8])` means the same here.
 *
 * With label smoothing eps over C classes the target is q = (1 - eps) * onehot + eps / C, and
 * PyTorch (1.10+) weights the smoothed part by the class weights of every class it spreads
 * to, while keeping the hard labels' weight sum as the denominator:
 *
 *     loss = sum_i sum_c q_ic * w[c] * (-log p_ic) / sum_i w[y_i]
 *
 * which is what `crossEntropy` computes (tested against PyTorch 1.13).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../core/errors.js';

export interface CrossEntropyOptions {
  /** One weight per class (see `classWeights`); null or absent for an unweighted loss. */
  classWeights?: Float32Array | null;
  /** Label smoothing eps in [0, 1): the target becomes (1 - eps) * onehot + eps / C. */
  labelSmoothing?: number;
}

/**
 * Mean softmax cross-entropy of `logits` against one-hot targets (classes on the last axis),
 * class-weighted as PyTorch's `nn.CrossEntropyLoss(weight, label_smoothing)` (see the module
 * comment). Safe inside `optimizer.minimize`/`tf.variableGrads`: it keeps no intermediate.
 *
 * Targets may be soft (rows summing to 1); the weight normaliser is then sum_i sum_c y_ic w_c,
 * which is sum_i w[y_i] for one-hot rows. (PyTorch's soft-target path divides by the batch
 * size; tunebook keeps one rule for both.)
 *
 * @example
 *   const y = tf.oneHot(tf.tensor1d([0, 1, 1], 'int32'), 2);
 *   const logits = tf.tensor2d([[2, 0], [0, 1], [1, 3]]);
 *   crossEntropy(y, logits, { classWeights: new Float32Array([1, 0.8]), labelSmoothing: 0.1 });
 */
export function crossEntropy(
  oneHot: tf.Tensor,
  logits: tf.Tensor,
  options: CrossEntropyOptions = {},
): tf.Scalar {
  const eps = options.labelSmoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps < 1)) {
    throw new ConfigError('labelSmoothing', 'a number in [0, 1)', options.labelSmoothing);
  }
  if (logits.rank < 2) {
    throw new ConfigError('logits', 'a tensor of rank >= 2 (batch, ..., classes)', logits.shape);
  }
  if (oneHot.shape.join() !== logits.shape.join()) {
    throw new ConfigError(
      'targets',
      `the logits' shape [${logits.shape.join(', ')}] (one-hot over the last axis)`,
      oneHot.shape,
    );
  }
  const classes = logits.shape[logits.rank - 1];
  const weights = options.classWeights ?? null;
  if (weights !== null) {
    if (weights.length !== classes) {
      throw new ConfigError('classWeights', `${classes} weights (one per class)`, weights.length);
    }
    for (let c = 0; c < classes; c++) {
      if (!(weights[c] >= 0) || !Number.isFinite(weights[c])) {
        throw new ConfigError(`classWeights[${c}]`, 'a weight >= 0', weights[c]);
      }
    }
  }
  return tf.tidy(() => {
    const hard = oneHot.dtype === 'float32' ? oneHot : tf.cast(oneHot, 'float32');
    const target = eps > 0 ? tf.add(tf.mul(hard, 1 - eps), eps / classes) : hard;
    const logp = tf.logSoftmax(logits.dtype === 'float32' ? logits : tf.cast(logits, 'float32'));
    if (weights === null) {
      // Mean over every position but the class axis, as PyTorch's reduction='mean'.
      return tf.neg(tf.mean(tf.sum(tf.mul(target, logp), -1)));
    }
    const w = tf.tensor1d(weights, 'float32');
    const numerator = tf.sum(tf.mul(tf.mul(target, w), logp));
    const denominator = tf.sum(tf.mul(hard, w));
    return tf.neg(tf.div(numerator, denominator));
  }) as tf.Scalar;
}

/**
 * sum_k weight_k * loss_k: the total loss of a model with several heads. The terms are not
 * disposed (the caller, or the surrounding `tf.tidy`, owns them); the result is a new tensor.
 *
 * @example
 *   const total = weightedSum([
 *     { loss: crossEntropy(yDigit, logitsDigit), weight: 1 },
 *     { loss: crossEntropy(yParity, logitsParity), weight: 0.3 },
 *   ]);
 */
export function weightedSum(
  terms: { loss: tf.Scalar; weight: number }[],
  field = 'lossWeights',
): tf.Scalar {
  if (!Array.isArray(terms) || terms.length === 0) {
    throw new ConfigError(field, 'at least one loss term', terms);
  }
  terms.forEach(({ loss, weight }, k) => {
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new ConfigError(`${field}[${k}]`, 'a loss weight >= 0', weight);
    }
    if (loss.size !== 1) {
      throw new ConfigError(`${field}[${k}]`, 'a scalar loss', loss.shape);
    }
  });
  return tf.tidy(() => {
    let total = tf.mul(tf.reshape(terms[0].loss, []), terms[0].weight);
    for (let k = 1; k < terms.length; k++) {
      total = tf.add(total, tf.mul(tf.reshape(terms[k].loss, []), terms[k].weight));
    }
    return total;
  }) as tf.Scalar;
}
