/**
 * Frozen batch norm runs in inference mode, as in Keras (>= 2.1.3) and TF2: a
 * BatchNormalization layer with `trainable = false` normalises with its moving statistics
 * and does not update them, even in a training step. tfjs-layers' layer ignores `trainable`
 * in its forward pass; the engine's one BatchNormalization patch point
 * (engine/fused-batch-norm.ts) applies the rule to every such layer. This installs it, so a
 * model built or loaded before `initEngine` is frozen-aware too.
 *
 * @example
 *   freezeAwareBatchNorm(model);
 *   for (const layer of model.layers) layer.trainable = false; // BN now uses moving stats
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { installFusedBatchNorm } from '../engine/fused-batch-norm.js';

/**
 * Makes every BatchNormalization layer (of `model`, and of every other model: the rule lives
 * on the layer class) run in inference mode while its `trainable` is false. Idempotent.
 *
 * @example
 *   freezeAwareBatchNorm(await tfl.loadLayersModel(handler));
 */
export function freezeAwareBatchNorm(_model?: tfl.LayersModel): void {
  installFusedBatchNorm();
}
