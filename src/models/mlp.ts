/**
 * A multi-layer perceptron: the input flattened ('features'), then `hidden` dense+relu
 * layers (default one of 128), then the classifier. For tabular rows, flattened images or
 * short signals ([length, channels]). The hidden layers are laid by the head, so dropout
 * `after-each-dense` follows each of them, and dropout `head` drops input features.
 *
 * @example
 *   const model = mlp({ inputShape: [28, 28, 1], classes: 10, hidden: [256, 128] });
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { parseOptions } from '../core/validation.js';
import { buildWith, namer, type TrunkFactory } from './assemble.js';
import type { HeadOptions } from './heads.js';
import { MODEL_OPTIONS } from './options.js';

export const MLP_OPTION_KEYS = Object.keys(MODEL_OPTIONS.mlp.shape);

export interface MlpOptions extends HeadOptions {
  inputShape: number[];
  classes: number;
  hidden?: number[];
}

/**
 * Flatten ('features') when the input is not flat; the head lays the hidden layers.
 *
 * @example
 *   buildWith('mlp', mlpTrunk, { inputShape: [64, 2], classes: 3, options: { hidden: [32] } }, 'model');
 */
export const mlpTrunk: TrunkFactory = (inputShape, options, field) => {
  const hidden = parseOptions(MODEL_OPTIONS.mlp, options, `${field}.options`).hidden ?? [128];
  return (input) => {
    const { names, name } = namer();
    // A flat input needs no Flatten (tfjs's asks for rank >= 3 with the batch).
    const features =
      inputShape.length > 1
        ? (tfl.layers.flatten({ name: name('features') }).apply(input) as tfl.SymbolicTensor)
        : input;
    return { features, hidden, names };
  };
};

/**
 * An MLP, with optional head options.
 *
 * @example
 *   mlp({ inputShape: [784], classes: 10, hidden: [256], dropout: { rate: 0.5, where: 'after-each-dense' } });
 */
export function mlp({ inputShape, classes, hidden, ...head }: MlpOptions): tfl.LayersModel {
  return buildWith('mlp', mlpTrunk, { inputShape, classes, options: { hidden }, ...head }, 'mlp');
}
