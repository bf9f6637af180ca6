/**
 * A Conv2D layer without bias or activation — the convolution before every batch norm of a
 * ResNet-style network — runs tfjs's plain conv2d op instead of its fused one. Same kernel
 * arithmetic (tfjs's fused op without bias and activation is the same convolution), but a
 * different gradient: the fused op's gradient is a custom gradient that computes the input
 * gradient and the filter gradient together, even when nothing needs the first — as for the
 * network's first convolution, whose input is the data (~1.5% of a ResNet step on wasm). The
 * plain op's registered gradient computes only the gradients on the tape's path.
 *
 * Why a patch of the layer's prototype: models loaded from disk are built by tfjs's
 * deserializer from the class name 'Conv2D', so a class of our own would not reach them.
 * Layers with a bias or an activation, channels-first layers and anything else keep the
 * layer's own code. batch-norm-patch.test.ts checks the internals the patch reads.
 *
 * @example
 *   installLinearConv(); // once, before training (initEngine does it)
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** The fields of tfjs-layers' Conv2D the patch reads. */
export interface Conv2DLayer {
  rank: number;
  bias: unknown;
  kernel: { read(): tf.Tensor };
  activation: { getClassName(): string };
  dataFormat: string;
  padding: string;
  strides: number[];
  dilationRate: number | number[];
}

type Call = (
  this: Conv2DLayer,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
) => tf.Tensor | tf.Tensor[];

/** Conv2D's prototype, which the patch gives a `call` of its own (Conv's is inherited). */
export function conv2dPrototype(): { call: Call } {
  return Object.getPrototypeOf(tfl.layers.conv2d({ filters: 1, kernelSize: 1 })) as {
    call: Call;
  };
}

/** Whether the layer is one the patch runs: 2-D, channels last, no bias, no activation. */
function isLinear(layer: Conv2DLayer): boolean {
  return (
    layer.rank === 2 &&
    layer.bias == null &&
    layer.activation?.getClassName() === 'linear' &&
    layer.dataFormat === 'channelsLast' &&
    (layer.padding === 'same' || layer.padding === 'valid')
  );
}

let installed = false;

/** Whether the patch is in place. */
export const linearConvInstalled = () => installed;

/** Routes linear, bias-free Conv2D layers through tf.conv2d. Idempotent. */
export function installLinearConv(): void {
  if (installed) return;
  const proto = conv2dPrototype();
  const layerCall = proto.call;
  proto.call = function (this: Conv2DLayer, inputs, kwargs) {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!isLinear(this) || (Array.isArray(inputs) && inputs.length !== 1)) {
      return layerCall.call(this, inputs, kwargs);
    }
    const dilations = this.dilationRate as number | [number, number];
    return tf.tidy(() =>
      tf.conv2d(
        input as tf.Tensor4D,
        this.kernel.read() as tf.Tensor4D,
        this.strides as [number, number],
        this.padding as 'same' | 'valid',
        'NHWC',
        dilations,
      ),
    );
  };
  installed = true;
}
