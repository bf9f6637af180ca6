/**
 * The reference CNN: conv 3x3 32 relu, maxpool 2, conv 3x3 64 relu, maxpool 2, flatten,
 * dense 128 relu, dense `classes` (logits). Valid padding, as PyTorch's default, so that
 * the benchmark's PyTorch twin (bench/reference/) is the same network.
 *
 * @example
 *   const model = smallCnn({ inputShape: [28, 28, 1], classes: 10 });
 */
import * as tfl from '@tensorflow/tfjs-layers';

export interface SmallCnnOptions {
  inputShape: [number, number, number];
  classes: number;
}

export function smallCnn({ inputShape, classes }: SmallCnnOptions): tfl.LayersModel {
  const model = tfl.sequential({ name: 'small_cnn' });
  model.add(tfl.layers.conv2d({ inputShape, filters: 32, kernelSize: 3, activation: 'relu' }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tfl.layers.flatten());
  model.add(tfl.layers.dense({ units: 128, activation: 'relu' }));
  model.add(tfl.layers.dense({ units: classes }));
  return model;
}
