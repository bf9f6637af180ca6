/**
 * Copies a PyTorch state_dict into a tfjs model whose layer names are the state_dict's module
 * paths with '.' as '_' (torchvision-resnet.ts): convolution kernels OIHW -> HWIO, dense
 * kernels transposed, batch norm's weight/bias/running_mean/running_var as gamma/beta/moving
 * mean/moving variance (its eps is the layer's, 1e-5 as PyTorch's). `num_batches_tracked`
 * has no counterpart and is skipped. The first missing, mis-shaped or left-over tensor is a
 * one-line DataError naming it; nothing is written until every tensor has been checked.
 *
 * @example
 *   loadStateDict(model, await readStateDict('resnet18.pth'), 'resnet18.pth');
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { DataError } from '../../core/errors.js';
import type { StateDict, TorchTensor } from './state-dict.js';

const BN_NAMES: Record<string, string> = {
  gamma: 'weight',
  beta: 'bias',
  moving_mean: 'running_mean',
  moving_variance: 'running_var',
};

interface Planned {
  layer: tfl.layers.Layer;
  values: { shape: number[]; data: Float32Array }[];
}

/**
 * Loads `sd` into `model`. `ignore` lists state_dict prefixes the model leaves out on
 * purpose (e.g. 'fc.' for a headless backbone).
 */
export function loadStateDict(
  model: tfl.LayersModel,
  sd: StateDict,
  file: string,
  ignore: string[] = [],
): void {
  const used = new Set<string>();
  const plan: Planned[] = [];
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue;
    const module = layer.name.replace(/_/g, '.');
    const kind = layer.getClassName();
    const values = layer.weights.map((w) => {
      const short = w.originalName.split('/').pop() ?? '';
      const key = `${module}.${torchParam(kind, short, file, layer.name)}`;
      const t = sd.get(key);
      if (!t)
        throw new DataError(file, `missing tensor ${key} (shape ${torchShape(short, w.shape)})`);
      used.add(key);
      return convert(t, short, w.shape as number[], key, file);
    });
    plan.push({ layer, values });
  }
  for (const key of sd.keys()) {
    if (used.has(key) || key.endsWith('.num_batches_tracked')) continue;
    if (ignore.some((p) => key.startsWith(p))) continue;
    throw new DataError(
      file,
      `unexpected tensor ${key} (shape [${sd.get(key)?.shape}]) for this architecture`,
    );
  }
  for (const { layer, values } of plan) {
    const tensors = values.map((v) => tf.tensor(v.data, v.shape, 'float32'));
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
}

function torchParam(kind: string, short: string, file: string, layer: string): string {
  if (kind === 'BatchNormalization' && BN_NAMES[short]) return BN_NAMES[short];
  if (short === 'kernel') return 'weight';
  if (short === 'bias') return 'bias';
  throw new DataError(file, `layer ${layer}: no PyTorch counterpart for its weight ${short}`);
}

/** PyTorch's shape for a tfjs weight (for messages and checks). */
function torchShape(short: string, shape: (number | null)[]): string {
  const s = shape as number[];
  if (short === 'kernel' && s.length === 4) return `[${[s[3], s[2], s[0], s[1]]}]`;
  if (short === 'kernel' && s.length === 2) return `[${[s[1], s[0]]}]`;
  return `[${s}]`;
}

function convert(
  t: TorchTensor,
  short: string,
  shape: number[],
  key: string,
  file: string,
): { shape: number[]; data: Float32Array } {
  const want = torchShape(short, shape);
  if (`[${t.shape}]` !== want) {
    throw new DataError(file, `tensor ${key} has shape [${t.shape}], the model needs ${want}`);
  }
  if (short === 'kernel' && shape.length === 4) return { shape, data: oihwToHwio(t) };
  if (short === 'kernel' && shape.length === 2) return { shape, data: transpose2d(t) };
  return { shape, data: t.data };
}

function oihwToHwio(t: TorchTensor): Float32Array {
  const [o, i, h, w] = t.shape;
  const out = new Float32Array(t.data.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          out[((y * w + x) * i + b) * o + a] = t.data[((a * i + b) * h + y) * w + x];
  return out;
}

function transpose2d(t: TorchTensor): Float32Array {
  const [rows, cols] = t.shape;
  const out = new Float32Array(t.data.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = t.data[r * cols + c];
  return out;
}

/**
 * conv1 weights for `channels` input channels when the file was trained on another count:
 * summed over RGB for one channel (a grey image as three equal planes gives the same
 * output), or RGB weights spread over a grey kernel (timm's adapt_input_conv). Other
 * mismatches are an error naming both counts.
 */
export function adaptInputChannels(sd: StateDict, channels: number, file: string): void {
  const t = sd.get('conv1.weight');
  if (!t || t.shape[1] === channels) return;
  const [o, i, h, w] = t.shape;
  const plane = h * w;
  const out = new Float32Array(o * channels * plane);
  if (channels === 1) {
    for (let a = 0; a < o; a++)
      for (let b = 0; b < i; b++)
        for (let k = 0; k < plane; k++) out[a * plane + k] += t.data[(a * i + b) * plane + k];
  } else if (i === 1) {
    for (let a = 0; a < o; a++)
      for (let b = 0; b < channels; b++)
        for (let k = 0; k < plane; k++)
          out[(a * channels + b) * plane + k] = t.data[a * plane + k] / channels;
  } else {
    throw new DataError(file, `conv1.weight takes ${i} input channels, the data has ${channels}`);
  }
  sd.set('conv1.weight', { ...t, shape: [o, channels, h, w], data: out });
}
