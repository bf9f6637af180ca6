/**
 * Models by name, as a study file names them, with the head options every model takes;
 * their parameter counts and a one-line-per-layer description for the CLI.
 *
 * @example
 *   const model = buildModel({
 *     name: 'small-cnn', inputShape: [28, 28, 1], classes: 10,
 *     extraDense: [256, 128], dropout: { rate: 0.3, where: 'head' },
 *   });
 *   parameterCount(model); // { total: ..., trainable: ... }
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { choice } from '../core/validation.js';
import { buildWith, type TrunkFactory } from './assemble.js';
import { record } from './checks.js';
import { cnn1dTrunk } from './cnn1d.js';
import type { HeadOptions } from './heads.js';
import { mlpTrunk } from './mlp.js';
import { MODEL_NAMES, type ModelName } from './names.js';
import { resnetTrunk } from './resnet.js';
import { smallCnnTrunk } from './small-cnn.js';

// The names live in names.ts, free of TensorFlow.js, for the study-file checks.
export { MODEL_NAMES, type ModelName } from './names.js';

export interface ModelSpec extends HeadOptions {
  name: ModelName;
  /** HWC for images, [length, channels] for cnn1d (and mlp on signals). */
  inputShape: number[];
  classes: number;
  /**
   * Per model: mlp { hidden }, resnet { depth | blocksPerStage, widths, stem },
   * cnn1d { filters, kernelSize, poolSize }; small-cnn none.
   */
  options?: Record<string, unknown>;
}

const TRUNKS: Record<ModelName, TrunkFactory> = {
  mlp: mlpTrunk,
  'small-cnn': smallCnnTrunk,
  resnet: resnetTrunk,
  cnn1d: cnn1dTrunk,
};

/**
 * Builds a model from its spec. Outputs are logits (no softmax): one output, or
 * [main, ...multiTask heads] named 'main' and the heads' names. Any bad field is a
 * ConfigError naming it (`model.dropout.rate: expected a number in [0, 1), got 1.5`).
 *
 * @example
 *   const model = buildModel({ name: 'resnet', inputShape: [32, 32, 3], classes: 10,
 *     options: { depth: 20 } }, 'study.model');
 */
export function buildModel(spec: ModelSpec, field = 'model'): tfl.LayersModel {
  const s = record(field, spec, 'a model spec { name, inputShape, classes, ... }');
  const name = choice(`${field}.name`, s.name, MODEL_NAMES);
  return buildWith(name, TRUNKS[name], s, field);
}

/**
 * Parameters: all weights (batch-norm moving statistics included, as Keras counts) and the
 * trainable ones (what the optimiser updates; frozen layers excluded).
 *
 * @example
 *   parameterCount(smallCnn({ inputShape: [28, 28, 1], classes: 10 })); // 225,034 both
 */
export function parameterCount(model: tfl.LayersModel): { total: number; trainable: number } {
  const size = (ws: { shape: (number | null)[] }[]) =>
    ws.reduce((sum, w) => sum + w.shape.reduce<number>((p, d) => p * (d ?? 1), 1), 0);
  return { total: size(model.weights), trainable: size(model.trainableWeights) };
}

/**
 * One line per layer: name (class), output shape, parameters, and "frozen" for layers that
 * hold weights but do not train; then a line with the totals.
 *
 * @example
 *   console.log(describeModel(model));
 *   // conv1 (Conv2D)            [28,26,26,32]  ...
 */
export function describeModel(model: tfl.LayersModel): string {
  const rows = model.layers.map((layer) => {
    const params = layer.countParams();
    const frozen = params > 0 && layer.trainableWeights.length === 0 ? ' frozen' : '';
    return [
      `${layer.name} (${layer.getClassName()})`,
      shapeText(layer.outputShape),
      `${params}${frozen}`,
    ];
  });
  const widths = [0, 1].map((c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`);
  const { total, trainable } = parameterCount(model);
  const fmt = (n: number) => n.toLocaleString('en-US');
  lines.push(`${fmt(total)} parameters, ${fmt(trainable)} trainable`);
  return lines.join('\n');
}

function shapeText(shape: unknown): string {
  const one = (s: unknown) =>
    `[${(s as (number | null)[]).map((d) => (d === null ? 'batch' : d)).join(',')}]`;
  if (Array.isArray(shape) && Array.isArray(shape[0]))
    return (shape as unknown[]).map(one).join(' ');
  return one(shape);
}
