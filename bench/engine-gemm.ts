/**
 * `node dist/bench/engine-gemm.js`: tunebook's packed GEMM (native/kernels.c, both builds)
 * against XNNPACK's (the wasm backend's BatchMatMul) on the products of the ResNet's
 * training step, then the direct convolution kernels (forward and filter gradient) on the
 * ResNet's layers, the forward one against XNNPACK's Conv2D, so the choice of which one a
 * kernel calls rests on figures. Passes are interleaved and the best of each kept, as
 * bench/wasm-peak does.
 *
 *   gemm filter-grad s1 144x16 k=65536: xnnpack X GFLOP/s, simd128 Y, relaxed Z (max |diff| D)
 *   conv forward 32px 16->16 s1: xnnpack X GFLOP/s, direct simd128 Y, direct relaxed Z GFLOP/s (...)
 */

import type { TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { initEngine } from '../src/engine/backend.js';
import { conv2dBackpropFilter } from '../src/engine/kernels/conv2d-backprop-filter.js';
import { conv2d } from '../src/engine/kernels/conv2d-forward.js';
import { type KernelBuild, useKernelBuild } from '../src/engine/kernels/native.js';
import { native, ptr, runWasm, type WasmBackend } from '../src/engine/kernels/wasm-heap.js';
import { relaxedSimdAvailable } from '../src/engine/relaxed-simd.js';

interface Shape {
  name: string;
  m: number;
  n: number;
  k: number;
}

/** dW = cols[K, P] x dy[P, Co] per ResNet stage; the stride-2 input gradient dy x W^T. */
const SHAPES: Shape[] = [
  { name: 'filter-grad s1', m: 144, n: 16, k: 65536 },
  { name: 'filter-grad s2', m: 288, n: 32, k: 16384 },
  { name: 'filter-grad s3', m: 576, n: 64, k: 4096 },
  { name: 'input-grad s2', m: 16384, n: 144, k: 32 },
  { name: 'input-grad s3', m: 4096, n: 288, k: 64 },
];

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
  for (const s of SHAPES) {
    const a = tf.randomUniform([1, s.m, s.k], -1, 1, 'float32', 1);
    const b = tf.randomUniform([1, s.k, s.n], -1, 1, 'float32', 2);
    const c = tf.zeros([1, s.m, s.n]);
    const flops = 2 * s.m * s.n * s.k;
    const times = new Map<string, number>();
    let ref: Float32Array | null = null;
    let diff = 0;
    const xnn = () => {
      const out = runWasm(
        'BatchMatMul',
        { a, b },
        { transposeA: false, transposeB: false },
        backend,
      );
      if (!ref) ref = backend.typedArrayFromHeap(out).slice();
      backend.disposeData(out.dataId);
    };
    const ours = (build: KernelBuild) => () => {
      useKernelBuild(build);
      const k = native(backend);
      k.gemm(
        s.m,
        s.n,
        s.k,
        ptr(backend, a),
        s.k,
        1,
        ptr(backend, b),
        s.n,
        1,
        ptr(backend, c),
        s.n,
        0,
        k.gemmScratch,
      );
    };
    for (let pass = 0; pass < 3; pass++) {
      const t = best(xnn, 2);
      times.set('xnnpack', Math.min(times.get('xnnpack') ?? Infinity, t));
      for (const build of builds) {
        const tb = best(ours(build), 2);
        times.set(build, Math.min(times.get(build) ?? Infinity, tb));
        const got = backend.typedArrayFromHeap(c);
        for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - ref![i]));
      }
    }
    useKernelBuild(null);
    const rate = (t: number | undefined) =>
      t === undefined ? 'n/a' : (flops / t / 1e9).toFixed(1);
    console.log(
      `gemm ${s.name} ${s.m}x${s.n} k=${s.k}: xnnpack ${rate(times.get('xnnpack'))} GFLOP/s, ` +
        `simd128 ${rate(times.get('simd128'))}, relaxed ${rate(times.get('relaxed'))} (max |diff| ${diff.toExponential(1)})`,
    );
    tf.dispose([a, b, c]);
  }
  for (const kind of ['filter-grad', 'forward'] as const)
    for (const [side, ci, co, stride] of CONVS) conv(backend, builds, kind, side, ci, co, stride);
}

/** The ResNet's 3x3 convolutions at batch 64: [input side, in channels, out channels, stride]. */
const CONVS: [number, number, number, number][] = [
  [32, 3, 16, 1],
  [32, 16, 16, 1],
  [32, 16, 32, 2],
  [16, 32, 32, 1],
  [8, 64, 64, 1],
];

/**
 * A whole convolution kernel as registered (Conv2D, or Conv2DBackpropFilter: the direct
 * kernels), per build of tunebook's kernels; the forward one also against XNNPACK's Conv2D
 * (the backend's own). XNNPACK has no filter gradient: its GEMM on the unfolded matrix
 * alone is the "gemm filter-grad" line above.
 */
function conv(
  backend: WasmBackend,
  builds: KernelBuild[],
  kind: 'forward' | 'filter-grad',
  side: number,
  ci: number,
  co: number,
  stride: number,
): void {
  const shape: [number, number, number, number] = [64, side, side, ci];
  const filterShape: [number, number, number, number] = [3, 3, ci, co];
  const info = backend_util.computeConv2DInfo(shape, filterShape, stride, 1, 'same');
  const x = tf.randomUniform(shape, -1, 1, 'float32', 3);
  const filter = tf.randomUniform(filterShape, -1, 1, 'float32', 6);
  const dy = tf.randomUniform([64, info.outHeight, info.outWidth, co], -1, 1, 'float32', 4);
  const attrs = { strides: stride, pad: 'same' as const, dataFormat: 'NHWC', dilations: 1 };
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
    `conv ${kind} ${side}px ${ci}->${co} s${stride}: ${xnn}direct simd128 ${rate('simd128')}, ` +
      `direct relaxed ${rate('relaxed')} GFLOP/s (max |diff| ${diff.toExponential(1)})`,
  );
  tf.dispose([x, filter, dy]);
}

await main();
