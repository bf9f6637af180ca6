/**
 * `node dist/bench/engine-kernels.js [--kind forward|input-grad|filter-grad]`: tunebook's
 * direct convolution kernels (native/kernels.c, both builds) on the ResNet's layers ('same'
 * padding) and the reference CNN's ('valid') at batch 64 — forward, input gradient and
 * filter gradient — the forward one against XNNPACK's Conv2D, so the choice of which one a
 * kernel calls rests on figures. Passes are interleaved and the best of each kept, as
 * bench/wasm-peak does; only the kernel is timed.
 *
 *   conv forward 32px 16->16 s1 same: xnnpack X GFLOP/s, direct simd128 Y, direct relaxed Z GFLOP/s (max |diff| D)
 */

import type { TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { initEngine } from '../src/engine/backend.js';
import { conv2dBackpropFilter } from '../src/engine/kernels/conv2d-backprop-filter.js';
import { conv2dBackpropInput } from '../src/engine/kernels/conv2d-backprop-input.js';
import { conv2d } from '../src/engine/kernels/conv2d-forward.js';
import { type KernelBuild, useKernelBuild } from '../src/engine/kernels/native.js';
import { runWasm, type WasmBackend } from '../src/engine/kernels/wasm-heap.js';
import { relaxedSimdAvailable } from '../src/engine/relaxed-simd.js';

function best(fn: () => void, passes: number): number {
  fn();
  let t = Infinity;
  for (let i = 0; i < passes; i++) {
    const s = performance.now();
    fn();
    t = Math.min(t, performance.now() - s);
  }
  return t / 1000;
}

async function main(): Promise<void> {
  await initEngine({ backend: 'wasm' });
  const backend = tf.backend() as unknown as WasmBackend;
  const builds: KernelBuild[] = relaxedSimdAvailable() ? ['simd128', 'relaxed'] : ['simd128'];
  const i = process.argv.indexOf('--kind');
  const only = i >= 0 ? process.argv[i + 1] : null;
  if (only !== null && !KINDS.includes(only as Kind))
    throw new Error(`--kind: one of ${KINDS.join(', ')}, got ${only}`);
  for (const kind of KINDS.filter((k) => only === null || k === only))
    for (const c of CONVS) conv(backend, builds, kind, c);
}

const KINDS = ['forward', 'input-grad', 'filter-grad'] as const;
type Kind = (typeof KINDS)[number];

/** [input side, in channels, out channels, stride, padding]: 3x3 convolutions at batch 64. */
type Conv = [number, number, number, number, 'same' | 'valid'];
const CONVS: Conv[] = [
  // The ResNet's.
  [32, 3, 16, 1, 'same'],
  [32, 16, 16, 1, 'same'],
  [32, 16, 32, 2, 'same'],
  [16, 32, 32, 1, 'same'],
  [8, 64, 64, 1, 'same'],
  // The reference CNN's.
  [28, 1, 32, 1, 'valid'],
  [13, 32, 64, 1, 'valid'],
];

/**
 * A whole convolution kernel as registered (Conv2D, Conv2DBackpropInput or
 * Conv2DBackpropFilter: the direct kernels), per build of tunebook's kernels; the forward
 * one also against XNNPACK's Conv2D (the backend's own; it has no gradient kernels).
 */
function conv(
  backend: WasmBackend,
  builds: KernelBuild[],
  kind: Kind,
  [side, ci, co, stride, pad]: Conv,
): void {
  const shape: [number, number, number, number] = [64, side, side, ci];
  const filterShape: [number, number, number, number] = [3, 3, ci, co];
  const info = backend_util.computeConv2DInfo(shape, filterShape, stride, 1, pad);
  const x = tf.randomUniform(shape, -1, 1, 'float32', 3);
  const filter = tf.randomUniform(filterShape, -1, 1, 'float32', 6);
  const dy = tf.randomUniform([64, info.outHeight, info.outWidth, co], -1, 1, 'float32', 4);
  const attrs = { strides: stride, pad, dataFormat: 'NHWC', dilations: 1 };
  const flops = 2 * 9 * ci * co * 64 * info.outHeight * info.outWidth;
  const times = new Map<string, number>();
  let ref: Float32Array | null = null;
  let diff = 0;
  // Only the kernel is timed; its output is compared with the first one's afterwards.
  const run = (name: string, fn: () => TensorInfo) => {
    let last: TensorInfo | null = null;
    const t = best(() => {
      if (last) backend.disposeData(last.dataId);
      last = fn();
    }, 2);
    const got = backend.typedArrayFromHeap(last!);
    if (!ref) ref = got.slice();
    else for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - ref[i]));
    backend.disposeData(last!.dataId);
    times.set(name, Math.min(times.get(name) ?? Infinity, t));
  };
  const ours = () =>
    kind === 'forward'
      ? conv2d({ inputs: { x, filter }, attrs, backend })
      : kind === 'input-grad'
        ? conv2dBackpropInput({
            inputs: { dy, filter },
            attrs: { ...attrs, inputShape: shape },
            backend,
          })
        : conv2dBackpropFilter({ inputs: { x, dy }, attrs: { ...attrs, filterShape }, backend });
  for (let pass = 0; pass < 3; pass++) {
    if (kind === 'forward') run('xnnpack', () => runWasm('Conv2D', { x, filter }, attrs, backend));
    for (const build of builds) {
      useKernelBuild(build);
      run(build, ours);
    }
  }
  useKernelBuild(null);
  const rate = (name: string) => {
    const t = times.get(name);
    return t === undefined ? 'n/a' : (flops / t / 1e9).toFixed(1);
  };
  const xnn = kind === 'forward' ? `xnnpack ${rate('xnnpack')} GFLOP/s, ` : '';
  console.log(
    `conv ${kind} ${side}px ${ci}->${co} s${stride} ${pad}: ${xnn}direct simd128 ${rate('simd128')}, ` +
      `direct relaxed ${rate('relaxed')} GFLOP/s (max |diff| ${diff.toExponential(1)})`,
  );
  tf.dispose([x, filter, dy]);
}

await main();
