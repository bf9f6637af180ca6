/**
 * A CIFAR-style ResNet of basic blocks with batch norm: a 3x3 stem, then `stages` stages of
 * `blocksPerStage` blocks (two 3x3 convs each), the first block of every stage after the
 * first halving the resolution with a 1x1 projection shortcut; global average pool; a dense
 * classifier giving logits. Defaults: 3 stages of 2 blocks, widths 16/32/64.
 *
 * @example
 *   const model = resnet({ inputShape: [32, 32, 3], classes: 10 });
 */
import * as tfl from '@tensorflow/tfjs-layers';

export interface ResnetOptions {
  inputShape: [number, number, number];
  classes: number;
  widths?: number[];
  blocksPerStage?: number;
}

export function resnet({
  inputShape,
  classes,
  widths = [16, 32, 64],
  blocksPerStage = 2,
}: ResnetOptions): tfl.LayersModel {
  const input = tfl.input({ shape: inputShape });
  let x = convBn(input, widths[0], 3, 1);
  x = tfl.layers.reLU().apply(x) as tfl.SymbolicTensor;
  let channels = widths[0];
  widths.forEach((width, stage) => {
    for (let b = 0; b < blocksPerStage; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      x = basicBlock(x, channels, width, stride);
      channels = width;
    }
  });
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: classes }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: logits, name: 'resnet' });
}

function convBn(
  x: tfl.SymbolicTensor,
  filters: number,
  kernelSize: number,
  strides: number,
): tfl.SymbolicTensor {
  const conv = tfl.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false });
  return tfl.layers
    .batchNormalization({ momentum: 0.9, epsilon: 1e-5 })
    .apply(conv.apply(x)) as tfl.SymbolicTensor;
}

function basicBlock(
  x: tfl.SymbolicTensor,
  inChannels: number,
  width: number,
  stride: number,
): tfl.SymbolicTensor {
  let y = convBn(x, width, 3, stride);
  y = tfl.layers.reLU().apply(y) as tfl.SymbolicTensor;
  y = convBn(y, width, 3, 1);
  const shortcut = stride !== 1 || inChannels !== width ? convBn(x, width, 1, stride) : x;
  const sum = tfl.layers.add().apply([y, shortcut]) as tfl.SymbolicTensor;
  return tfl.layers.reLU().apply(sum) as tfl.SymbolicTensor;
}
