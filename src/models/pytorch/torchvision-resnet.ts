/**
 * torchvision's ResNet, layer for layer, so that its state_dict loads by name: conv1 7x7/2 +
 * bn1 + relu + maxpool 3x3/2, layer1..layer4 of BasicBlocks (ResNet-18/34) or Bottlenecks
 * (ResNet-50/101/152, stride on the 3x3 conv as torchvision >= 0.5), avgpool, fc. Layer names
 * are the state_dict's module paths with '.' as '_' (`layer1.0.downsample.0` ->
 * `layer1_0_downsample_0`).
 *
 * Padding is PyTorch's: explicit and symmetric. tfjs' 'same' pads a stride-2 convolution on
 * the bottom/right only, which shifts every feature map by a pixel against PyTorch, so every
 * padded strided op is a ZeroPadding2D then a 'valid' op. Zero padding the max pool (PyTorch
 * pads it with -inf) is exact because it follows a ReLU. Batch norm: eps 1e-5 and PyTorch's
 * momentum 0.1 (Keras' 0.9).
 *
 * @example
 *   const arch = inferResnetArch(stateDict, 'resnet18.pth');
 *   const model = torchvisionResnet(arch, [224, 224, 3], { classes: 1000 });
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { freezeAwareBatchNorm } from '../frozen-batch-norm.js';
import { archName, type ResnetArch } from './resnet-arch.js';

export interface BuildOptions {
  /** Keep fc with this many outputs (logits); omitted: end at avgpool (the features). */
  classes?: number;
}

/**
 * Builds the network for `inputShape` (HWC). Its weights are fresh: load a state_dict into it
 * with loadStateDict.
 */
export function torchvisionResnet(
  arch: ResnetArch,
  inputShape: [number, number, number],
  options: BuildOptions = {},
): tfl.LayersModel {
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]) =>
    layer.apply(x) as tfl.SymbolicTensor;
  const pad = (x: tfl.SymbolicTensor, p: number, name: string) =>
    p === 0 ? x : apply(tfl.layers.zeroPadding2d({ padding: p, name }), x);
  const conv = (
    x: tfl.SymbolicTensor,
    name: string,
    filters: number,
    kernelSize: number,
    strides: number,
  ) => {
    // PyTorch's padding for these convs: k // 2 on every side.
    const padded = pad(x, Math.floor(kernelSize / 2), `${name}_pad`);
    const layer = tfl.layers.conv2d({
      filters,
      kernelSize,
      strides,
      padding: 'valid',
      useBias: false,
      name,
    });
    return apply(layer, padded);
  };
  const bn = (x: tfl.SymbolicTensor, name: string) =>
    apply(tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name }), x);
  const relu = (x: tfl.SymbolicTensor, name: string) => apply(tfl.layers.reLU({ name }), x);

  const input = tfl.input({ shape: inputShape, name: 'input' });
  let x = relu(bn(conv(input, 'conv1', arch.stem, 7, 2), 'bn1'), 'relu');
  x = apply(
    tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'maxpool' }),
    pad(x, 1, 'maxpool_pad'),
  );
  let channels = arch.stem;
  arch.layers.forEach((count, s) => {
    for (let b = 0; b < count; b++) {
      const p = `layer${s + 1}_${b}`;
      const stride = s > 0 && b === 0 ? 2 : 1;
      const out = arch.outer[s];
      let y: tfl.SymbolicTensor;
      if (arch.block === 'basic') {
        y = relu(bn(conv(x, `${p}_conv1`, out, 3, stride), `${p}_bn1`), `${p}_relu1`);
        y = bn(conv(y, `${p}_conv2`, out, 3, 1), `${p}_bn2`);
      } else {
        y = relu(bn(conv(x, `${p}_conv1`, arch.inner[s], 1, 1), `${p}_bn1`), `${p}_relu1`);
        y = relu(bn(conv(y, `${p}_conv2`, arch.inner[s], 3, stride), `${p}_bn2`), `${p}_relu2`);
        y = bn(conv(y, `${p}_conv3`, out, 1, 1), `${p}_bn3`);
      }
      const shortcut =
        stride !== 1 || channels !== out
          ? bn(conv(x, `${p}_downsample_0`, out, 1, stride), `${p}_downsample_1`)
          : x;
      x = relu(apply(tfl.layers.add({ name: `${p}_add` }), [y, shortcut]), `${p}_out`);
      channels = out;
    }
  });
  x = apply(tfl.layers.globalAveragePooling2d({ name: 'avgpool' }), x);
  if (options.classes !== undefined) {
    x = apply(tfl.layers.dense({ units: options.classes, name: 'fc' }), x);
  }
  const model = tfl.model({ inputs: input, outputs: x, name: archName(arch).replace(/\W+/g, '_') });
  freezeAwareBatchNorm(model);
  return model;
}
