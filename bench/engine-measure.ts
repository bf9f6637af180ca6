/**
 * One training-throughput measurement, run by the worker threads of `npm run bench:engine`:
 * the reference CNN or the ResNet, Adam 1e-3, batch 64, on fixed random data of
 * `batch * steps` samples; warm-up steps excluded; one timed pass over the batches per
 * request, so that passes can alternate with PyTorch's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type BackendChoice, initEngine } from '../src/engine/backend.js';
import type { ConvGeometry } from '../src/engine/kernels/native.js';
import { native, type WasmBackend } from '../src/engine/kernels/wasm-heap.js';
import { seedWeights } from '../src/engine/seeded-init.js';
import { resnet } from '../src/models/resnet.js';
import { smallCnn } from '../src/models/small-cnn.js';
import { trainStep } from '../src/training/classifier.js';
import { makeOptimizer } from '../src/training/optimizers.js';
import { type KernelRecord, stepFlops, withArithmeticDone } from './roofline.js';

export const NETS = ['cnn', 'resnet'] as const;
export type Net = (typeof NETS)[number];

export interface MeasureOptions {
  net: Net;
  backend: BackendChoice;
  batch: number;
  steps: number;
  warmup: number;
}

/** One pass: samples per second over the pass, and the fastest of its steps in seconds. */
export interface PassResult {
  samplesPerS: number;
  fastestStep: number;
}

/** A prepared net on one thread: what it is, and one timed pass over its batches. */
export interface Prepared {
  net: Net;
  /** Samples per training step. */
  batch: number;
  backend: string;
  /** The kernel path this thread runs (each worker detects relaxed SIMD for itself). */
  kernelPath: string;
  /** FLOPs of one training step per sample (bench/roofline.ts). */
  flopsPerSample: number;
  /** The kernels of one training step (tf.profile), for the roofline. */
  kernels: KernelRecord[];
  /** Trains once over the `steps` batches: samples per second, and its fastest step. */
  pass(): PassResult;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Prepares model and data and runs the warm-up steps; `pass` then measures. */
export async function prepare(options: MeasureOptions): Promise<Prepared> {
  const info = await initEngine({ backend: options.backend });
  const { net, batch, steps } = options;
  const shape: [number, number, number] = net === 'cnn' ? [28, 28, 1] : [32, 32, 3];
  const model =
    net === 'cnn'
      ? smallCnn({ inputShape: shape, classes: 10 })
      : resnet({ inputShape: shape, classes: 10 });
  seedWeights(model, 0);
  const n = batch * steps;
  const xs = tf.randomUniform([n, ...shape], 0, 1, 'float32', 1);
  const ys = tf.cast(tf.oneHot(tf.randomUniform([n], 0, 10, 'int32', 2), 10), 'float32');
  const batches = Array.from({ length: steps }, (_, i) => ({
    x: tf.slice(xs, [i * batch, 0, 0, 0], [batch, -1, -1, -1]),
    y: tf.slice(ys, [i * batch, 0], [batch, -1]),
  }));
  // What a study trains with: tunebook's Adam (one kernel per variable on wasm), eps 1e-8 as PyTorch's.
  const optimizer = makeOptimizer({ name: 'adam', lr: 1e-3 });
  for (let i = 0; i < options.warmup; i++) {
    const b = batches[i % steps];
    trainStep(model, optimizer, b.x, b.y);
  }
  const profile = await tf.profile(() => {
    trainStep(model, optimizer, batches[0].x, batches[0].y);
  });
  // Op scopes (conv2d__op, ...) are listed too; only registered kernels ran.
  const ran: KernelRecord[] = profile.kernels
    .filter((k) => tf.getKernel(k.name, tf.getBackend()))
    .map((k) => ({ name: k.name, inputShapes: k.inputShapes, outputShapes: k.outputShapes }));
  // Which convolutions our kernels run by Winograd, by their own rule (wasm only).
  const wasm = info.backend === 'wasm' ? native(tf.backend() as unknown as WasmBackend) : null;
  const kernels = wasm
    ? withArithmeticDone(ran, {
        direct: (g, co) => wasm.conv_winograd_tile(...(g as ConvGeometry), co),
        transposed: (g, co) => wasm.conv_input_grad_winograd_tile(...(g as ConvGeometry), co),
      })
    : ran;
  return {
    net,
    batch,
    backend: info.backend,
    kernelPath: info.kernelPath,
    flopsPerSample: stepFlops(kernels) / batch,
    kernels,
    pass: () => {
      const start = performance.now();
      let fastest = Infinity;
      for (const b of batches) {
        const t = performance.now();
        trainStep(model, optimizer, b.x, b.y);
        fastest = Math.min(fastest, performance.now() - t);
      }
      return { samplesPerS: n / ((performance.now() - start) / 1000), fastestStep: fastest / 1000 };
    },
  };
}
