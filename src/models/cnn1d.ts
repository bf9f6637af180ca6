/**
 * A 1-D CNN for signals shaped [length, channels]: per entry of `filters` a block of conv1d
 * ('same' padding, no bias) + batch norm + relu, a max pool of `poolSize` between blocks,
 * then a global average pool over time ('features') and the classifier. Global pooling
 * makes the model independent of the signal length past the minimum, and batch norm lets it
 * train at the seed's small learning rates. Defaults: filters 32/64/128, kernel 5, pool 2.
 *
 * @example
 *   const model = cnn1d({ inputShape: [512, 1], classes: 4, filters: [16, 32], kernelSize: 7 });
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../core/errors.js';
import { parseOptions } from '../core/validation.js';
import { buildWith, checkRank, namer, type TrunkFactory } from './assemble.js';
import type { HeadOptions } from './heads.js';
import { MODEL_OPTIONS } from './options.js';

export const CNN1D_OPTION_KEYS = Object.keys(MODEL_OPTIONS.cnn1d.shape);

export interface Cnn1dSettings {
  filters?: number[];
  kernelSize?: number;
  poolSize?: number;
}

export interface Cnn1dOptions extends Cnn1dSettings, HeadOptions {
  inputShape: [number, number];
  classes: number;
}

/**
 * Conv1d blocks and a global average pool ('features').
 *
 * @example
 *   buildWith('cnn1d', cnn1dTrunk, { inputShape: [256, 1], classes: 4 }, 'model');
 */
export const cnn1dTrunk: TrunkFactory = (inputShape, options, field) => {
  checkRank(field, inputShape, 'cnn1d', 2, '[length, channels]');
  const f = `${field}.options`;
  const o = parseOptions(MODEL_OPTIONS.cnn1d, options, f);
  const filters = o.filters ?? [32, 64, 128];
  const kernelSize = o.kernelSize ?? 5;
  const poolSize = o.poolSize ?? 2;
  const minLength = poolSize ** (filters.length - 1);
  if (inputShape[0] < minLength) {
    throw new ConfigError(
      `${field}.inputShape`,
      `a length of at least ${minLength} for cnn1d with ${filters.length} blocks and pool ${poolSize}`,
      inputShape,
    );
  }
  return (input) => {
    const { names, name } = namer();
    let x = input;
    filters.forEach((n, i) => {
      const p = `block${i + 1}`;
      const conv = tfl.layers.conv1d({
        filters: n,
        kernelSize,
        padding: 'same',
        useBias: false,
        name: name(`${p}_conv`),
      });
      const bn = tfl.layers.batchNormalization({
        momentum: 0.9,
        epsilon: 1e-5,
        name: name(`${p}_bn`),
      });
      x = conv.apply(x) as tfl.SymbolicTensor;
      x = bn.apply(x) as tfl.SymbolicTensor;
      x = tfl.layers.reLU({ name: name(`${p}_relu`) }).apply(x) as tfl.SymbolicTensor;
      // No pool after the last block: the global average pool follows.
      if (i < filters.length - 1 && poolSize > 1) {
        const pool = tfl.layers.maxPooling1d({ poolSize, name: name(`${p}_pool`) });
        x = pool.apply(x) as tfl.SymbolicTensor;
      }
    });
    const pool = tfl.layers.globalAveragePooling1d({ name: name('features') });
    return { features: pool.apply(x) as tfl.SymbolicTensor, hidden: [], names };
  };
};

/**
 * A 1-D CNN, with optional head options.
 *
 * @example
 *   cnn1d({ inputShape: [1024, 3], classes: 5, filters: [16, 32, 64], multiTask: [{ name: 'aux', classes: 2, weight: 0.3 }] });
 */
export function cnn1d({
  inputShape,
  classes,
  filters,
  kernelSize,
  poolSize,
  ...head
}: Cnn1dOptions): tfl.LayersModel {
  const options = { filters, kernelSize, poolSize };
  return buildWith('cnn1d', cnn1dTrunk, { inputShape, classes, options, ...head }, 'cnn1d');
}
