/**
 * A trial's peak memory, estimated before it starts from its settings and the data's shape:
 * weights, their gradients and the optimizer's slots (Adam keeps two per weight), the
 * activations of one batch kept for the backward pass, the decoded data, and a fixed cost for
 * the worker's runtime. The estimate is analytic (no model is built: building the model that
 * does not fit is the fault it guards against) and errs on the high side for the head, where
 * a mistyped width (`extraDense: [65536, 65536]`, 4.3 billion weights) does its damage.
 *
 * @example
 *   const e = estimateTrialMemory(arm.config, { height: 28, width: 28, channels: 1 }, 10, { train: 700, total: 1000 });
 *   e.totalMb; // about 200 for the small CNN
 */
import type { StudyConfig } from './config/schema.js';

const MB = 1024 * 1024;
const FLOAT = 4;
/** tfjs, the wasm module, Node's own heap for one worker thread. */
export const RUNTIME_MB = 160;
/** The wasm backend's heap cannot grow past 4 GB (32-bit addresses). */
export const WASM_HEAP_MAX_MB = 4095;
/** Forward activations, their gradients and the temporaries of the backward pass. */
const ACTIVATION_FACTOR = 3;

export interface SampleShape {
  height: number;
  width: number;
  channels: number;
}

export interface MemoryEstimate {
  parameters: number;
  /** Per part, MB. */
  parts: { weights: number; optimizer: number; activations: number; data: number; runtime: number };
  totalMb: number;
}

/**
 * Floats per weight on top of the weight itself: its gradient, the optimizer's slots, and the
 * update's temporaries (tfjs makes the new slot values and the new weight before it frees the
 * old ones). Adam: gradient, m, v, new m, new v, new weight.
 */
function slotsPerWeight(optimizer: string): number {
  return optimizer === 'sgd' ? 4 : 6; // sgd: gradient, momentum, new momentum, new weight
}

interface Trunk {
  features: number;
  params: number;
  /** Activation floats per sample. */
  activations: number;
  hidden: number[];
}

function mlpTrunk(shape: SampleShape, options: Record<string, unknown>): Trunk {
  const features = shape.height * shape.width * shape.channels;
  const hidden = Array.isArray(options.hidden) ? (options.hidden as number[]) : [128];
  return { features, params: 0, activations: features, hidden };
}

function smallCnnTrunk(shape: SampleShape): Trunk {
  const h1 = shape.height - 2;
  const w1 = shape.width - 2;
  const h2 = Math.floor(h1 / 2) - 2;
  const w2 = Math.floor(w1 / 2) - 2;
  const features = Math.max(1, Math.floor(h2 / 2)) * Math.max(1, Math.floor(w2 / 2)) * 64;
  const params = 9 * shape.channels * 32 + 32 + 9 * 32 * 64 + 64;
  // Each conv's output before and after relu and its pool; conv2's im2col of conv1's pooled map.
  const activations = h1 * w1 * 32 * 2.25 + h2 * w2 * (64 * 2.25 + 9 * 32) + features;
  return { features, params, activations, hidden: [128] };
}

function cnn1dTrunk(shape: SampleShape, options: Record<string, unknown>): Trunk {
  const filters = Array.isArray(options.filters) ? (options.filters as number[]) : [32, 64, 128];
  const kernel = typeof options.kernelSize === 'number' ? options.kernelSize : 5;
  const pool = typeof options.poolSize === 'number' ? Math.max(1, options.poolSize) : 2;
  let length = shape.width;
  let channels = shape.channels;
  let params = 0;
  let activations = length * channels;
  filters.forEach((n, i) => {
    params += kernel * channels * n + 4 * n;
    activations += 3 * length * n; // conv, batch norm, relu
    channels = n;
    if (i < filters.length - 1) length = Math.max(1, Math.floor(length / pool));
  });
  return { features: channels, params, activations, hidden: [] };
}

function resnetTrunk(shape: SampleShape, options: Record<string, unknown>): Trunk {
  const widths = Array.isArray(options.widths) ? (options.widths as number[]) : [16, 32, 64];
  const per =
    typeof options.depth === 'number'
      ? Math.max(1, Math.round((options.depth - 2) / (2 * widths.length)))
      : typeof options.blocksPerStage === 'number'
        ? options.blocksPerStage
        : 2;
  const blocks = Array.isArray(options.blocksPerStage)
    ? (options.blocksPerStage as number[])
    : widths.map(() => per);
  const imagenet =
    options.stem === 'imagenet' ||
    (options.stem !== 'cifar' && Math.min(shape.height, shape.width) > 64);
  let pixels = shape.height * shape.width;
  let params = (imagenet ? 49 : 9) * shape.channels * widths[0] + 4 * widths[0];
  if (imagenet) pixels /= 16;
  let activations = pixels * widths[0] * 3;
  let channels = widths[0];
  widths.forEach((width, stage) => {
    for (let b = 0; b < (blocks[stage] ?? per); b++) {
      if (stage > 0 && b === 0) pixels /= 4;
      params += 9 * channels * width + 9 * width * width + 8 * width;
      if (channels !== width) params += channels * width + 4 * width;
      activations += pixels * width * 8; // two conv + bn + relu, the sum, the output
      channels = width;
    }
  });
  return { features: channels, params, activations, hidden: [] };
}

function trunkOf(config: StudyConfig, shape: SampleShape): Trunk {
  const options = (config.model.options ?? {}) as Record<string, unknown>;
  switch (config.model.name) {
    case 'mlp':
      return mlpTrunk(shape, options);
    case 'small-cnn':
      return smallCnnTrunk(shape);
    case 'cnn1d':
      return cnn1dTrunk(shape, options);
    default:
      return resnetTrunk(shape, options);
  }
}

/**
 * The estimate of one trial's peak memory. `counts.total` is the samples the source holds
 * decoded (after `limit`), `counts.train` the training split's.
 */
export function estimateTrialMemory(
  config: StudyConfig,
  shape: SampleShape,
  classes: number,
  counts: { train: number; total: number },
): MemoryEstimate {
  const trunk = trunkOf(config, shape);
  const widths = [...trunk.hidden, ...(config.model.extraDense ?? [])];
  let params = trunk.params;
  let inputs = trunk.features;
  let headActivations = 0;
  for (const units of widths) {
    params += inputs * units + units;
    headActivations += 2 * units;
    inputs = units;
  }
  const heads = 1 + (config.model.multiTask?.length ?? 0);
  params += heads * (inputs * classes + classes);
  const batch = Math.min(config.training.batchSize, Math.max(1, counts.train));
  const sampleFloats = shape.height * shape.width * shape.channels;
  const weights = (params * FLOAT) / MB;
  const optimizer = (params * FLOAT * slotsPerWeight(config.training.optimizer.name)) / MB;
  const activations =
    (batch * (trunk.activations + headActivations + sampleFloats) * FLOAT * ACTIVATION_FACTOR) / MB;
  // Decoded samples as bytes, plus evaluation batches as floats.
  const data = (counts.total * sampleFloats + 2 * batch * sampleFloats * FLOAT) / MB;
  const parts = { weights, optimizer, activations, data, runtime: RUNTIME_MB };
  const totalMb = weights + optimizer + activations + data + RUNTIME_MB;
  return { parameters: Math.round(params), parts, totalMb };
}

/** "4.3 billion weights 16.0 GB, optimizer 48.0 GB, ..." for the refusal message. */
export function describeEstimate(e: MemoryEstimate): string {
  const size = (mb: number) =>
    mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${Math.ceil(mb)} MB`;
  const p = e.parts;
  return (
    `${e.parameters.toLocaleString('en-US')} parameters: weights ${size(p.weights)}, ` +
    `gradients, optimizer and update ${size(p.optimizer)}, activations ${size(p.activations)}, ` +
    `data ${size(p.data)}, runtime ${size(p.runtime)}; about ${size(e.totalMb)} in all`
  );
}
