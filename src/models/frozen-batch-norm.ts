/**
 * Frozen batch norm runs in inference mode, as in Keras (>= 2.1.3) and TF2: a
 * BatchNormalization layer with `trainable = false` normalises with its moving statistics
 * and does not update them, even in a training step. tfjs-layers' layer ignores `trainable`
 * in its forward pass, so a "frozen" pretrained ResNet would still drift its moving means and
 * variances towards the new data, and its features would change under the head being
 * trained. The switch is per layer instance (the class and its saved form are unchanged),
 * so `loadModel` and the builders install it on every model they return.
 *
 * @example
 *   freezeAwareBatchNorm(model);
 *   for (const layer of model.layers) layer.trainable = false; // BN now uses moving stats
 */
import type * as tfl from '@tensorflow/tfjs-layers';

const INSTALLED = Symbol('tunebook.freezeAwareBatchNorm');

type Call = (inputs: unknown, kwargs: Record<string, unknown>) => unknown;
interface PatchableLayer {
  trainable: boolean;
  call: Call;
  getClassName(): string;
  layers?: PatchableLayer[];
  [INSTALLED]?: true;
}

/**
 * Makes every BatchNormalization layer of `model` (nested ones too) run in inference mode
 * while its `trainable` is false. Idempotent.
 *
 * @example
 *   freezeAwareBatchNorm(await tfl.loadLayersModel(handler));
 */
export function freezeAwareBatchNorm(model: tfl.LayersModel): void {
  const visit = (layer: PatchableLayer) => {
    // Nested models (a backbone used as one layer) hold their own layers.
    if (Array.isArray(layer.layers)) for (const inner of layer.layers) visit(inner);
    if (layer.getClassName() !== 'BatchNormalization' || layer[INSTALLED]) return;
    const proto = Object.getPrototypeOf(layer) as { call: Call };
    layer.call = function (this: PatchableLayer, inputs, kwargs) {
      // The prototype's call is looked up each time: the engine may route it (fused BN).
      const args = this.trainable ? kwargs : { ...kwargs, training: false };
      return proto.call.call(this, inputs, args);
    };
    layer[INSTALLED] = true;
  };
  for (const layer of model.layers) visit(layer as unknown as PatchableLayer);
}
