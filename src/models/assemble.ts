/**
 * What every model builder shares: checking the common spec fields, then input -> trunk ->
 * head(s). A model file supplies only its trunk (a `TrunkFactory`), which checks its own
 * options eagerly and returns the function that lays the layers.
 *
 * @example
 *   const model = buildWith('mlp', mlpTrunk, { inputShape: [784], classes: 10 }, 'model');
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../core/errors.js';
import { int, intList, knownKeys, record } from './checks.js';
import { freezeAwareBatchNorm } from './frozen-batch-norm.js';
import { attachHeads, checkHeadOptions, HEAD_OPTION_KEYS } from './heads.js';

export const MODEL_SPEC_KEYS = [
  'name',
  'inputShape',
  'classes',
  'options',
  ...HEAD_OPTION_KEYS,
] as const;

/** A trunk's output and what the head must know about it. */
export interface Trunk {
  /** [batch, features]: after the trunk's flatten or global pooling. */
  features: tfl.SymbolicTensor;
  /** The model's own hidden dense sizes, laid by the head (so dropout can follow them). */
  hidden: number[];
  /** Layer names the trunk used. */
  names: Set<string>;
}

export type TrunkLayout = (input: tfl.SymbolicTensor) => Trunk;
export type TrunkFactory = (
  inputShape: number[],
  options: Record<string, unknown>,
  field: string,
) => TrunkLayout;

/**
 * Checks a spec (name excluded: the caller chose the trunk) and builds the model.
 *
 * @example
 *   buildWith('cnn1d', cnn1dTrunk, { inputShape: [256, 1], classes: 4 }, 'model');
 */
export function buildWith(
  model: string,
  trunk: TrunkFactory,
  spec: unknown,
  field: string,
): tfl.LayersModel {
  const s = record(field, spec, 'a model spec { name, inputShape, classes, ... }');
  knownKeys(field, s, MODEL_SPEC_KEYS);
  const inputShape = intList(`${field}.inputShape`, s.inputShape, 1, false);
  const classes = int(`${field}.classes`, s.classes, 2);
  const head = checkHeadOptions(s, field);
  const options =
    s.options === undefined ? {} : record(`${field}.options`, s.options, 'an object of options');
  const layout = trunk(inputShape, options, field);
  const input = tfl.input({ shape: inputShape, name: 'input' });
  const built = layout(input);
  built.names.add('input');
  const outputs = attachHeads({
    features: built.features,
    hidden: built.hidden,
    classes,
    head,
    taken: built.names,
    model,
    field,
  });
  const result = tfl.model({
    inputs: input,
    outputs: outputs.length === 1 ? outputs[0] : outputs,
    name: model.replace(/-/g, '_'),
  });
  freezeAwareBatchNorm(result);
  return result;
}

/**
 * Records layer names as a trunk lays its layers.
 *
 * @example
 *   const { names, name } = namer();
 *   tfl.layers.conv2d({ filters: 8, kernelSize: 3, name: name('conv1') });
 */
export function namer(): { names: Set<string>; name: (n: string) => string } {
  const names = new Set<string>();
  return {
    names,
    name: (n) => {
      names.add(n);
      return n;
    },
  };
}

/**
 * Checks an inputShape's rank for a model, naming what the dimensions mean.
 *
 * @example
 *   checkRank('model', [784], 'small-cnn', 3, '[height, width, channels]'); // ConfigError
 */
export function checkRank(
  field: string,
  inputShape: number[],
  model: string,
  rank: number,
  meaning: string,
): void {
  if (inputShape.length !== rank) {
    throw new ConfigError(`${field}.inputShape`, `${meaning} for ${model}`, inputShape);
  }
}
