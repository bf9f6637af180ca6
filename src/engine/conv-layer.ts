/**
 * Conv2D layers in training on convolutions whose gradient computes only what the tape
 * needs. tfjs-layers runs a Conv2D layer as tfjs's fused conv2d op: without an activation it
 * is one kernel whose custom gradient computes the input gradient and the filter gradient
 * together, even when nothing needs the first — as for a network's first convolution, whose
 * input is the data; with ReLU, while gradients are recorded, it falls back to three kernels
 * (convolution, bias add, ReLU), two of them full-size passes of their own. Here:
 *
 * - a layer without bias and activation (the convolution before every batch norm of a
 *   ResNet) runs tfjs's plain conv2d op, on every backend: the same arithmetic, with a
 *   registered gradient, which computes only the gradients on the tape's path;
 * - a layer with a bias and/or ReLU runs `TunebookConv2D` where the backend has it (wasm):
 *   the fused kernel's arithmetic (the convolution, + bias, then ReLU, each rounded to
 *   float32 as the three kernels round it, so the same values) with a registered gradient:
 *   ReLU's gradient from the output (y > 0 exactly where the pre-activation is) and, in the
 *   same pass, the bias's (the per-channel sum, as the Sum kernel sums), then only the
 *   needed ones of the input and filter gradients, on the same kernels as tfjs's.
 *
 * Channels-first layers, dilated ones, other activations and other backends keep the
 * layer's own code. Why a patch of the layer's prototype: models loaded from disk are built
 * by tfjs's deserializer from the class name 'Conv2D', so a class of our own would not reach
 * them. conv-layer.test.ts checks the internals the patch reads.
 *
 * @example
 *   installConvLayer(); // once, before training (initEngine does it)
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { CONV2D_FUSED } from './kernels/conv2d-forward.js';
import { RELU_GRAD_SUM } from './kernels/relu-grad.js';
import { reluGradient } from './relu-gradient.js';

/** The fields of tfjs-layers' Conv2D the patch reads. */
export interface Conv2DLayer {
  rank: number;
  bias: { read(): tf.Tensor } | null;
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

interface FusedAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
  dataFormat: 'NHWC';
  dilations: [number, number];
  activation: 'linear' | 'relu';
}

/** How the patch runs a layer: tf.conv2d, the fused kernel, or (null) the layer's own code. */
function route(layer: Conv2DLayer, x: tf.Tensor): 'plain' | 'fused' | null {
  const activation = layer.activation?.getClassName();
  const dilations = [layer.dilationRate].flat();
  if (
    layer.rank !== 2 ||
    layer.dataFormat !== 'channelsLast' ||
    (layer.padding !== 'same' && layer.padding !== 'valid') ||
    dilations.some((d) => d !== 1) ||
    (activation !== 'linear' && activation !== 'relu')
  )
    return null;
  if (activation === 'linear' && layer.bias == null) return 'plain';
  const fused =
    x.rank === 4 && x.dtype === 'float32' && tf.getKernel(CONV2D_FUSED, tf.getBackend());
  return fused ? 'fused' : null;
}

let installed = false;

/** Whether the patch is in place. */
export const convLayerInstalled = () => installed;

/** Routes Conv2D layers as the header says. Idempotent. */
export function installConvLayer(): void {
  if (installed) return;
  registerFusedGradient();
  const proto = conv2dPrototype();
  const layerCall = proto.call;
  proto.call = function (this: Conv2DLayer, inputs, kwargs) {
    if (Array.isArray(inputs) && inputs.length !== 1) return layerCall.call(this, inputs, kwargs);
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const how = route(this, x);
    if (how === null) return layerCall.call(this, inputs, kwargs);
    const strides = this.strides as [number, number];
    const pad = this.padding as 'same' | 'valid';
    return tf.tidy(() => {
      const filter = this.kernel.read() as tf.Tensor4D;
      if (how === 'plain') return tf.conv2d(x as tf.Tensor4D, filter, strides, pad, 'NHWC');
      const attrs: FusedAttrs = {
        strides,
        pad,
        dataFormat: 'NHWC',
        dilations: [1, 1],
        activation: this.activation.getClassName() as 'linear' | 'relu',
      };
      const inputs: tf.NamedTensorMap = { x, filter };
      if (this.bias) inputs.bias = this.bias.read();
      return tf.engine().runKernel(CONV2D_FUSED, inputs, attrs as never) as tf.Tensor;
    });
  };
  installed = true;
}

/**
 * The fused kernel's gradient: g = dy, or ReLU's gradient of it at the output; then, as the
 * tape asks, dx and dW on the backend's Conv2DBackpropInput / Conv2DBackpropFilter and the
 * bias's as the sum of g over all axes but the channels (what tfjs's Add gradient sums).
 */
function registerFusedGradient(): void {
  tf.registerGradient({
    kernelName: CONV2D_FUSED,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved;
      const a = attrs as unknown as FusedAttrs;
      const [g, dBias] = activationGradient(dy as tf.Tensor, y, a.activation);
      const conv = { strides: a.strides, pad: a.pad, dataFormat: 'NHWC', dilations: a.dilations };
      return {
        x: () =>
          tf.engine().runKernel('Conv2DBackpropInput', { dy: g, filter }, {
            ...conv,
            inputShape: x.shape,
          } as never) as tf.Tensor,
        filter: () =>
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: g }, {
            ...conv,
            filterShape: filter.shape,
          } as never) as tf.Tensor,
        bias: () => dBias ?? tf.sum(g, [0, 1, 2]),
      };
    },
  });
}

/**
 * The gradient at the pre-activation, g, and where the backend has the one-pass kernel for
 * ReLU, g's per-channel sum (the bias's gradient) from the same pass; else null for it.
 */
function activationGradient(
  dy: tf.Tensor,
  y: tf.Tensor,
  activation: FusedAttrs['activation'],
): [tf.Tensor, tf.Tensor | null] {
  if (activation === 'linear') return [dy, null];
  if (dy.dtype === 'float32' && tf.getKernel(RELU_GRAD_SUM, tf.getBackend())) {
    const [g, sum] = tf.engine().runKernel(RELU_GRAD_SUM, { dy, x: y }) as tf.Tensor[];
    return [g, sum];
  }
  return [reluGradient(dy, y), null];
}
