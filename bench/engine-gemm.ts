/**
 * `node dist/bench/engine-gemm.js`: tunebook's packed GEMM (native/kernels.c, both builds)
 * against XNNPACK's (the wasm backend's BatchMatMul) on the products of the ResNet's
 * training step, so the choice of which one a gradient kernel calls rests on figures.
 * Passes are interleaved and the best of each kept, as bench/wasm-peak does.
 *
 *   gemm filter-grad 144x16 k=65536: xnnpack X GFLOP/s, simd128 Y, relaxed Z (max |diff| D)
 */

import type { TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { initEngine } from '../src/engine/backend.js';
import { viaIm2col, viaPackedGemm } from '../src/engine/kernels/conv2d-backprop-filter.js';
import { packedConv2d, setPackedConvMinChannels } from '../src/engine/kernels/conv2d-forward.js';
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
  for (const [side, ci, co, stride] of CONVS)
    await filterGrad(backend, builds, side, ci, co, stride);
  if (builds.includes('relaxed'))
    for (const [side, ci, co, stride] of CONVS) forward(backend, side, ci, co, stride);
}

/** The ResNet's 3x3 convolutions at batch 64: [input side, in channels, out channels, stride]. */
const CONVS: [number, number, number, number][] = [
  [32, 16, 16, 1],
  [32, 16, 32, 2],
  [16, 32, 32, 1],
  [8, 64, 64, 1],
];

/** The whole filter-gradient kernel: im2col + XNNPACK against the packed GEMM, per build. */
async function filterGrad(
  backend: WasmBackend,
  builds: KernelBuild[],
  side: number,
  ci: number,
  co: number,
  stride: number,
): Promise<void> {
  const shape: [number, number, number, number] = [64, side, side, ci];
  const filterShape: [number, number, number, number] = [3, 3, ci, co];
  const info = backend_util.computeConv2DInfo(shape, filterShape, stride, 1, 'same');
  const x = tf.randomUniform(shape, -1, 1, 'float32', 3);
  const dy = tf.randomUniform([64, info.outHeight, info.outWidth, co], -1, 1, 'float32', 4);
  const flops = 2 * 9 * ci * co * 64 * info.outHeight * info.outWidth;
  const times = new Map<string, number>();
  let ref: Float32Array | null = null;
  let diff = 0;
  const run = (name: string, fn: () => TensorInfo) => {
    const t = best(() => {
      const out = fn();
      const got = backend.typedArrayFromHeap(out);
      if (!ref) ref = got.slice();
      else for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - ref[i]));
      backend.disposeData(out.dataId);
    }, 2);
    times.set(name, Math.min(times.get(name) ?? Infinity, t));
  };
  for (let pass = 0; pass < 3; pass++) {
    useKernelBuild('simd128');
    run('im2col', () => viaIm2col(backend, x, dy, info, filterShape));
    for (const build of builds) {
      useKernelBuild(build);
      run(build, () => viaPackedGemm(backend, x, dy, info, filterShape));
    }
  }
  useKernelBuild(null);
  const rate = (t: number | undefined) => (t === undefined ? 'n/a' : (flops / t / 1e9).toFixed(1));
  console.log(
    `conv filter-grad ${side}px ${ci}->${co} s${stride}: im2col+xnnpack ${rate(times.get('im2col'))} GFLOP/s, ` +
      `packed simd128 ${rate(times.get('simd128'))}, packed relaxed ${rate(times.get('relaxed'))} (max |diff| ${diff.toExponential(1)})`,
  );
  tf.dispose([x, dy]);
}

await main();

/** The forward convolution: XNNPACK's Conv2D against the packed GEMM (relaxed build). */
function forward(backend: WasmBackend, side: number, ci: number, co: number, stride: number): void {
  const x = tf.randomUniform([64, side, side, ci], -1, 1, 'float32', 5);
  const filter = tf.randomUniform([3, 3, ci, co], -1, 1, 'float32', 6);
  const attrs = { strides: stride, pad: 'same' as const, dataFormat: 'NHWC', dilations: 1 };
  const out = Math.ceil(side / stride);
  const flops = 2 * 9 * ci * co * 64 * out * out;
  const times = new Map<string, number>();
  let ref: Float32Array | null = null;
  let diff = 0;
  const run = (name: string, fn: () => TensorInfo) => {
    const t = best(() => {
      const y = fn();
      const got = backend.typedArrayFromHeap(y);
      if (!ref) ref = got.slice();
      else for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - ref[i]));
      backend.disposeData(y.dataId);
    }, 2);
    times.set(name, Math.min(times.get(name) ?? Infinity, t));
  };
  useKernelBuild('relaxed');
  setPackedConvMinChannels(0);
  for (let pass = 0; pass < 3; pass++) {
    run('xnnpack', () => runWasm('Conv2D', { x, filter }, attrs, backend));
    run('packed', () => packedConv2d(backend, x, filter, attrs)!);
  }
  useKernelBuild(null);
  const rate = (t: number | undefined) => (t === undefined ? 'n/a' : (flops / t / 1e9).toFixed(1));
  console.log(
    `conv forward ${side}px ${ci}->${co} s${stride}: xnnpack ${rate(times.get('xnnpack'))} GFLOP/s, packed relaxed ${rate(times.get('packed'))} (max |diff| ${diff.toExponential(1)})`,
  );
  tf.dispose([x, filter]);
}
