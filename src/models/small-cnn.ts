/**
 * The reference CNN: conv 3x3 32 relu, maxpool 2, conv 3x3 64 relu, maxpool 2, flatten,
 * dense 128 relu, dense `classes` (logits). Valid padding, as PyTorch's default, so that
 * the benchmark's PyTorch twin (bench/reference/) is the same network. 225,034 parameters
 * for 28x28x1 digits and 10 classes. The head options (extra dense layers, dropout,
 * multi-task heads) apply around its dense 128 layer, which the head lays as `dense_1`.
 *
 * @example
 *   const model = smallCnn({ inputShape: [28, 28, 1], classes: 10 });
 *   const wider = smallCnn({ inputShape: [28, 28, 1], classes: 10, extraDense: [256, 128] });
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../core/errors.js';
import { parseOptions } from '../core/validation.js';
import { buildWith, checkRank, namer, type TrunkFactory } from './assemble.js';
import type { HeadOptions } from './heads.js';
import { MODEL_OPTIONS } from './options.js';

export interface SmallCnnOptions extends HeadOptions {
  inputShape: [number, number, number];
  classes: number;
}

/**
 * conv1 -> pool1 -> conv2 -> pool2 -> flatten ('features'); the head adds dense 128.
 *
 * @example
 *   buildWith('small-cnn', smallCnnTrunk, { inputShape: [28, 28, 1], classes: 10 }, 'model');
 */
export const smallCnnTrunk: TrunkFactory = (inputShape, options, field) => {
  checkRank(field, inputShape, 'small-cnn', 3, '[height, width, channels]');
  parseOptions(MODEL_OPTIONS['small-cnn'], options, `${field}.options`);
  // Two valid 3x3 convs, each followed by a 2x2 pool: the side must leave >= 1 pixel.
  const side = (n: number) => Math.floor((Math.floor((n - 2) / 2) - 2) / 2);
  if (Math.min(side(inputShape[0]), side(inputShape[1])) < 1) {
    throw new ConfigError(`${field}.inputShape`, 'at least 10x10 pixels for small-cnn', inputShape);
  }
  return (input) => {
    const { names, name } = namer();
    const conv = (filters: number, n: string) =>
      tfl.layers.conv2d({ filters, kernelSize: 3, activation: 'relu', name: name(n) });
    const pool = (n: string) => tfl.layers.maxPooling2d({ poolSize: 2, name: name(n) });
    let x = conv(32, 'conv1').apply(input) as tfl.SymbolicTensor;
    x = pool('pool1').apply(x) as tfl.SymbolicTensor;
    x = conv(64, 'conv2').apply(x) as tfl.SymbolicTensor;
    x = pool('pool2').apply(x) as tfl.SymbolicTensor;
    const features = tfl.layers.flatten({ name: name('features') }).apply(x) as tfl.SymbolicTensor;
    return { features, hidden: [128], names };
  };
};

/**
 * The reference CNN, with optional head options.
 *
 * @example
 *   smallCnn({ inputShape: [28, 28, 1], classes: 10, dropout: { rate: 0.25, where: 'head' } });
 */
export function smallCnn({ inputShape, classes, ...head }: SmallCnnOptions): tfl.LayersModel {
  return buildWith('small-cnn', smallCnnTrunk, { inputShape, classes, ...head }, 'small-cnn');
}
