/**
 * The classifier head every model shares, with the seed's head measures as options:
 *
 *   features -> [dropout: head] -> hidden dense+relu layers (the model's own, then
 *   `extraDense`), each followed by [dropout: after-each-dense] -> [dropout:
 *   before-classifier] -> classifiers: 'main' and one per multi-task head
 *
 * Every classifier is a Dense giving logits (no softmax) on the same shared representation,
 * so extra heads share the whole trunk and hidden layers (hard parameter sharing). Layers get
 * fixed names (`head_dropout`, `dense_1`, `extra_dense_1`, `dense_1_dropout`,
 * `classifier_dropout`, `main`) so that tests, `describeModel` and a backbone's `cutAt` can
 * refer to them.
 *
 * @example
 *   buildModel({ name: 'small-cnn', inputShape: [28, 28, 1], classes: 10,
 *     dropout: { rate: 0.3, where: 'head' } });
 *   // ... features -> head_dropout -> dense_1 -> main
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../core/errors.js';
import { parseOptions, record } from '../core/validation.js';
import type { DropoutPlace } from './names.js';
import { HEAD_OPTIONS } from './options.js';

export { DROPOUT_PLACES, type DropoutPlace } from './names.js';

export interface DropoutOption {
  rate: number;
  where: DropoutPlace;
}

export interface TaskHeadOption {
  /** The output's name (and its layer's); the main output is 'main'. */
  name: string;
  classes: number;
  /** The head's loss weight (the loop sums main + weight * head loss). */
  weight: number;
}

export interface HeadOptions {
  /** Dense+relu layers inserted before the classifier, e.g. the seed's [256, 128]. */
  extraDense?: number[];
  dropout?: DropoutOption;
  /** Extra heads; the main head stays output 0. */
  multiTask?: TaskHeadOption[];
}

export const HEAD_OPTION_KEYS = Object.keys(HEAD_OPTIONS) as (keyof HeadOptions)[];
export const MAIN_OUTPUT = 'main';

/**
 * Checks the head options of a spec (the keys of HEAD_OPTION_KEYS) and returns them typed.
 *
 * @example
 *   checkHeadOptions({ dropout: { rate: 1.5, where: 'head' } }, 'model');
 *   // ConfigError: model.dropout.rate: expected a number in [0, 1), got 1.5
 */
export function checkHeadOptions(spec: Record<string, unknown>, field: string): HeadOptions {
  const { extraDense, dropout, multiTask } = spec;
  const parsed = parseOptions(HeadOptionsSchema, { extraDense, dropout, multiTask }, field);
  const out: HeadOptions = {};
  if (parsed.extraDense !== undefined) out.extraDense = parsed.extraDense;
  if (parsed.dropout !== undefined) out.dropout = parsed.dropout;
  if (parsed.multiTask !== undefined) out.multiTask = parsed.multiTask;
  return out;
}

const HeadOptionsSchema = record(HEAD_OPTIONS);

export interface HeadPlan {
  /** The trunk's output: a [batch, features] tensor. */
  features: tfl.SymbolicTensor;
  /** The model's own hidden dense layers (small-cnn's 128, an MLP's hidden sizes). */
  hidden: number[];
  classes: number;
  head: HeadOptions;
  /** Layer names already used by the trunk; generated head names avoid them. */
  taken: Set<string>;
  /** For messages: the model's name and the spec's field. */
  model: string;
  field: string;
}

/**
 * Adds the head layers to `features` and returns the outputs: [main, ...multiTask heads].
 *
 * @example
 *   const [main] = attachHeads({ features, hidden: [128], classes: 10, head: {},
 *     taken: new Set(), model: 'small-cnn', field: 'model' });
 */
export function attachHeads(plan: HeadPlan): tfl.SymbolicTensor[] {
  const { head, field } = plan;
  const place = head.dropout?.where;
  const extra = head.extraDense ?? [];
  if (place === 'after-each-dense' && plan.hidden.length + extra.length === 0) {
    throw new ConfigError(
      `${field}.dropout.where`,
      `head or before-classifier (${plan.model} has no hidden dense layer to follow; add extraDense)`,
      place,
    );
  }
  const taken = plan.taken;
  for (const name of [MAIN_OUTPUT, ...(head.multiTask ?? []).map((h) => h.name)]) {
    if (taken.has(name)) {
      throw new ConfigError(
        `${field}.multiTask`,
        `head names not used by another layer of the model (${name} is)`,
        name,
      );
    }
    taken.add(name);
  }
  const fresh = (base: string) => {
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  };
  const dropout = (x: tfl.SymbolicTensor, name: string) =>
    tfl.layers
      .dropout({ rate: head.dropout!.rate, name: fresh(name) })
      .apply(x) as tfl.SymbolicTensor;

  let x = plan.features;
  if (place === 'head') x = dropout(x, 'head_dropout');
  const dense = [
    ...plan.hidden.map((units, i) => ({ units, name: `dense_${i + 1}` })),
    ...extra.map((units, i) => ({ units, name: `extra_dense_${i + 1}` })),
  ];
  for (const layer of dense) {
    const name = fresh(layer.name);
    x = tfl.layers
      .dense({ units: layer.units, activation: 'relu', name })
      .apply(x) as tfl.SymbolicTensor;
    if (place === 'after-each-dense') x = dropout(x, `${name}_dropout`);
  }
  if (place === 'before-classifier') x = dropout(x, 'classifier_dropout');
  const classifier = (units: number, name: string) =>
    tfl.layers.dense({ units, name }).apply(x) as tfl.SymbolicTensor;
  return [
    classifier(plan.classes, MAIN_OUTPUT),
    ...(head.multiTask ?? []).map((h) => classifier(h.classes, h.name)),
  ];
}
