/**
 * `node dist/bench/engine-profile.js [--net resnet|cnn] [--steps N] [--by-shape]`: where a
 * training step's time goes, per kernel (tf.profile around bench:engine's step: batch 64,
 * Adam), so that the roofline's gap can be attributed. Prints the kernel path, the step's
 * wall time and its roofline bound (bench/roofline.ts, at the wasm peak measured first),
 * then each kernel's mean time per step, share, and time over its own bound — mean, and
 * with each call's fastest of the steps, which this machine's drifting speed (neighbours
 * on the host) affects least — largest first; with --by-shape, per kernel and input shapes.
 *
 *   profile resnet (relaxed-simd): step 812 ms wall, 790 ms in kernels (610 ms at each
 *   kernel's fastest of 5 steps), bound 301 ms (48.0 GFLOP/s, 42.0 GB/s)
 *     Conv2DBackpropFilter   123.4 ms  15.6%  1.31x bound, fastest 1.12x  (14 calls)
 */
import * as tf from '@tensorflow/tfjs-core';
import { initEngine } from '../src/engine/backend.js';
import { seedWeights } from '../src/engine/seeded-init.js';
import { resnet } from '../src/models/resnet.js';
import { smallCnn } from '../src/models/small-cnn.js';
import { trainStep } from '../src/training/classifier.js';
import { makeOptimizer } from '../src/training/optimizers.js';
import { type KernelRecord, stepBound } from './roofline.js';
import { measureWasmPeak } from './wasm-peak.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const net = flag('net', 'resnet');
  if (net !== 'resnet' && net !== 'cnn') throw new Error(`--net: resnet or cnn, got ${net}`);
  const steps = Number(flag('steps', '3'));
  const byShape = process.argv.includes('--by-shape');
  if (!(Number.isInteger(steps) && steps >= 1))
    throw new Error(`--steps: a positive integer, got ${steps}`);
  const peak = measureWasmPeak();
  const gflops = peak.relaxedMadd ?? peak.mulAdd;
  const info = await initEngine({ backend: 'wasm' });
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  const shape: [number, number, number] = net === 'cnn' ? [28, 28, 1] : [32, 32, 3];
  const model =
    net === 'cnn'
      ? smallCnn({ inputShape: shape, classes: 10 })
      : resnet({ inputShape: shape, classes: 10 });
  seedWeights(model, 0);
  const x = tf.randomUniform([64, ...shape], 0, 1, 'float32', 1);
  const y = tf.cast(tf.oneHot(tf.randomUniform([64], 0, 10, 'int32', 2), 10), 'float32');
  // What a study trains with: tunebook's Adam (one kernel per variable on wasm), eps 1e-8 as PyTorch's.
  const optimizer = makeOptimizer({ name: 'adam', lr: 1e-3 });
  for (let i = 0; i < 3; i++) trainStep(model, optimizer, x, y);
  const start = performance.now();
  for (let i = 0; i < steps; i++) trainStep(model, optimizer, x, y);
  const wall = (performance.now() - start) / steps;
  const runs: Awaited<ReturnType<typeof tf.profile>>['kernels'][] = [];
  for (let i = 0; i < steps; i++) {
    const profile = await tf.profile(() => {
      trainStep(model, optimizer, x, y);
    });
    // Op scopes (conv2d__op, unnamed scope) are listed too; their kernels count already.
    runs.push(profile.kernels.filter((k) => tf.getKernel(k.name, 'wasm')));
  }
  const totals = byKernel(runs, byShape, (k) => 1000 * stepBound([k], gflops, peak.bandwidth));
  const sum = (f: (t: Total) => number) => [...totals.values()].reduce((s, t) => s + f(t), 0);
  const inKernels = sum((t) => t.ms);
  console.log(
    `profile ${net} (${info.kernelPath}): step ${wall.toFixed(0)} ms wall, ${inKernels.toFixed(0)} ms in kernels (${sum((t) => t.fastest).toFixed(0)} ms at each kernel's fastest of ${steps} steps), bound ${sum((t) => t.bound).toFixed(0)} ms (${gflops.toFixed(1)} GFLOP/s, ${peak.bandwidth.toFixed(1)} GB/s)`,
  );
  for (const [name, t] of [...totals]
    .sort((a, b) => b[1].ms - a[1].ms)
    .slice(0, byShape ? 40 : 16)) {
    console.log(
      `  ${name.padEnd(byShape ? 60 : 28)} ${t.ms.toFixed(1).padStart(7)} ms ${((100 * t.ms) / inKernels).toFixed(1).padStart(5)}% ${(t.ms / t.bound).toFixed(2).padStart(6)}x bound, fastest ${(t.fastest / t.bound).toFixed(2).padStart(5)}x  (${t.calls} calls)`,
    );
  }
}

interface Total {
  /** Mean time per step, ms. */
  ms: number;
  /** Sum over the kernel's calls of each call's fastest time over the steps, ms. */
  fastest: number;
  /** Roofline bound per step, ms. */
  bound: number;
  calls: number;
}

/**
 * Per kernel name (and shapes): mean time per step, each call's fastest over the steps (a
 * step runs the same kernels in the same order), and the bound.
 */
function byKernel(
  runs: Awaited<ReturnType<typeof tf.profile>>['kernels'][],
  byShape: boolean,
  bound: (k: KernelRecord) => number,
): Map<string, Total> {
  const totals = new Map<string, Total>();
  runs[0].forEach((k, i) => {
    const key = byShape ? `${k.name} ${JSON.stringify(k.inputShapes)}` : k.name;
    const times = runs.map((r) => r[i].kernelTimeMs as number);
    const t = totals.get(key) ?? { ms: 0, fastest: 0, bound: 0, calls: 0 };
    t.ms += times.reduce((a, b) => a + b, 0) / runs.length;
    t.fastest += Math.min(...times);
    t.bound += bound(k as KernelRecord);
    t.calls += 1;
    totals.set(key, t);
  });
  return totals;
}

await main();
