/**
 * tunebook's own wasm helper kernels (native/kernels.c, built twice and committed:
 * native/kernels.wasm with SIMD128 only, native/kernels-relaxed.wasm whose convolutions use
 * f32x4.relaxed_madd). The relaxed build is chosen when this V8 compiles relaxed SIMD
 * (feature detection, per process and per worker thread), else the SIMD128 one;
 * `TUNEBOOK_WASM_KERNELS=simd128|relaxed` forces one (the gradient grids run both).
 * The module imports the tfjs wasm backend's memory, so it reads and writes tensors in
 * place, with no copy between heaps. Its stack and the kernels' shared scratch live in
 * blocks malloc'd once from the backend's heap.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, KernelError } from '../../core/errors.js';
import { relaxedSimdAvailable } from '../relaxed-simd.js';

export const KERNEL_BUILDS = ['simd128', 'relaxed'] as const;
export type KernelBuild = (typeof KERNEL_BUILDS)[number];

/**
 * A convolution's geometry on an NHWC input with implicit padding (native/kernels.c
 * conv_geom): batch, height, width, channels, filter size, output size, strides, dilations,
 * top and left padding.
 */
export type ConvGeometry = [
  n: number,
  h: number,
  w: number,
  c: number,
  kh: number,
  kw: number,
  oh: number,
  ow: number,
  sh: number,
  sw: number,
  dh: number,
  dw: number,
  pt: number,
  pl: number,
];

/** A max pool's geometry as the kernels take it (src/engine/kernels/max-pool.ts). */
export type PoolGeometry = [
  n: number,
  h: number,
  w: number,
  c: number,
  oh: number,
  ow: number,
  fh: number,
  fw: number,
  sh: number,
  sw: number,
  pt: number,
  pl: number,
];

/** A question about one convolution's geometry with co output channels (a size or a rule). */
type GeometryQuery = (...args: [...geometry: ConvGeometry, co: number]) => number;

/** An input gradient's pointers (dy, the filter w, dx) and its convolution. */
type InputGradArgs = [dy: number, w: number, dx: number, ...geometry: ConvGeometry, co: number];

export interface NativeKernels {
  /** y = max pool of x, NHWC (MaxPool's rule: first strictly greatest, -inf for none). */
  maxpool(x: number, y: number, ...geometry: PoolGeometry): void;
  /** dx = each window's dy at its maximum's position (maxpool's rule), NHWC. */
  maxpool_grad(x: number, dy: number, dx: number, ...geometry: PoolGeometry): void;
  fill_zero(p: number, n: number): void;
  /** Floats of the scratch block shared by the kernels (`scratch`). */
  scratch_floats(): number;
  /**
   * The output tile (dy's for the filter gradient) conv_direct and conv_filter_grad_direct
   * run this geometry on by Winograd: 4, 2, or 0 (the direct sum).
   */
  conv_winograd_tile: GeometryQuery;
  /** Floats of conv_direct's scratch for this geometry and co output channels. */
  conv_direct_scratch_floats: GeometryQuery;
  /** Floats of conv_direct's wpack (the packed or Winograd-transformed filter). */
  conv_direct_wpack_floats: GeometryQuery;
  /**
   * y [n*oh*ow, co] = conv(x, w) (+ bias, relu), reading x directly; wpack and scratch
   * (conv_direct_wpack_floats and conv_direct_scratch_floats) are the caller's.
   */
  conv_direct(
    ...args: [
      x: number,
      w: number,
      bias: number,
      y: number,
      ...geometry: ConvGeometry,
      co: number,
      relu: number,
      wpack: number,
      scratch: number,
    ]
  ): void;
  /** conv_input_grad_winograd's tile of dy for this forward geometry: 4, 2, or 0 (declined). */
  conv_input_grad_winograd_tile: GeometryQuery;
  /** Floats of conv_input_grad_winograd's scratch; 0 where it does not apply. */
  conv_input_grad_winograd_floats: GeometryQuery;
  /**
   * dx [n, h, w, c] of a stride-1 3 x 3 convolution from dy and w by transposed Winograd;
   * 0 (dx to be computed otherwise) where it does not apply or a value is not finite.
   */
  conv_input_grad_winograd(...args: [...InputGradArgs, scratch: number]): number;
  /**
   * dx [n, h, w, c] of a strided convolution from dy [n, oh, ow, co] and w, directly; wpack
   * (kh*kw * round_up(c, 8) * co floats) and zeros (co floats) are the caller's scratch.
   */
  conv_input_grad_strided(...args: [...InputGradArgs, wpack: number, zeros: number]): void;
  /**
   * c [m, n] = a [m, k] x b ([k, n], or [n, k] with bt = 1) (+ bias [n], then relu);
   * bpack: GEMM_KC * round_up(n, 8) floats of the caller's scratch.
   */
  gemm(
    a: number,
    b: number,
    c: number,
    m: number,
    k: number,
    n: number,
    bt: number,
    bias: number,
    relu: number,
    bpack: number,
  ): void;
  /** Floats of conv_filter_grad_direct's scratch for this geometry and co output channels. */
  conv_filter_grad_scratch_floats: GeometryQuery;
  /** dw [kh, kw, c, co] from x and dy; 1 (dw untouched) when the scratch is too small. */
  conv_filter_grad_direct(
    ...args: [
      x: number,
      dy: number,
      dw: number,
      ...geometry: ConvGeometry,
      co: number,
      scratch: number,
      scratchFloats: number,
    ]
  ): number;
  bn_forward(
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mean: number,
    variance: number,
    invStd: number,
    scratch: number,
    rows: number,
    channels: number,
    epsilon: number,
  ): void;
  bn_backward(
    dy: number,
    x: number,
    mean: number,
    invStd: number,
    gamma: number,
    dx: number,
    dGamma: number,
    dBeta: number,
    scratch: number,
    rows: number,
    channels: number,
  ): void;
  /** One Adam step over n values, to the bit as tfjs's AdamOptimizer (kernels/adam.ts). */
  adam_step(
    w: number,
    m: number,
    v: number,
    g: number,
    wOut: number,
    mOut: number,
    vOut: number,
    n: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    c1: number,
    c2: number,
    epsilon: number,
    negLr: number,
  ): void;
  /** dx = dy * step(x) (relu's gradient), n floats. */
  relu_grad(dy: number, x: number, dx: number, n: number): void;
  /** relu_grad over rows of c, and out [c] = sum of dx over rows (float64 acc, c doubles). */
  relu_grad_sum(
    dy: number,
    x: number,
    dx: number,
    acc: number,
    out: number,
    rows: number,
    c: number,
  ): void;
  sum_rows(x: number, out: number, acc: number, rows: number, cols: number, scale: number): void;
  bcast_last(
    op: number,
    swap: number,
    a: number,
    v: number,
    out: number,
    rows: number,
    cols: number,
  ): void;
}

export interface EmscriptenModule {
  asm: { memory: WebAssembly.Memory };
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

const STACK_BYTES = 256 * 1024;

/** The kernels of one build, bound to one backend memory, with the shared scratch block. */
export interface LoadedKernels extends NativeKernels {
  readonly build: KernelBuild;
  /** Heap offset of the kernels' shared scratch block (16-byte aligned). */
  readonly scratch: number;
}

/**
 * Kernels loaded on one backend memory, per build, with the stack and scratch blocks both
 * builds share. A build's module is compiled once per thread, so switching builds (the
 * benches and the grids do) keeps V8's optimised code.
 */
let loaded: {
  memory: WebAssembly.Memory;
  stack: number;
  scratch: number;
  builds: Map<KernelBuild, LoadedKernels>;
} | null = null;
const modules = new Map<KernelBuild, WebAssembly.Module>();
let forced: KernelBuild | null = null;

/** Which build runs: forced by `useKernelBuild`, else TUNEBOOK_WASM_KERNELS, else detected. */
export function kernelBuild(): KernelBuild {
  if (forced) return forced;
  const env = process.env.TUNEBOOK_WASM_KERNELS;
  if (env !== undefined && env !== '' && env !== 'auto') {
    if (!(KERNEL_BUILDS as readonly string[]).includes(env)) {
      throw new ConfigError(
        'TUNEBOOK_WASM_KERNELS',
        `one of auto, ${KERNEL_BUILDS.join(', ')}`,
        env,
      );
    }
    if (env === 'relaxed' && !relaxedSimdAvailable()) {
      throw new ConfigError('TUNEBOOK_WASM_KERNELS', 'simd128 (this V8 has no relaxed SIMD)', env);
    }
    return env as KernelBuild;
  }
  return relaxedSimdAvailable() ? 'relaxed' : 'simd128';
}

/** Forces a build (null: back to detection); the next kernel call loads it. For tests. */
export function useKernelBuild(build: KernelBuild | null): void {
  if (build === 'relaxed' && !relaxedSimdAvailable()) {
    throw new KernelError('native kernels', 'this V8 has no relaxed SIMD');
  }
  forced = build;
}

export function nativeKernels(module: EmscriptenModule): LoadedKernels {
  const memory = module.asm.memory;
  const build = kernelBuild();
  const known = loaded?.memory === memory ? loaded.builds.get(build) : undefined;
  if (known) return known;
  const instance = new WebAssembly.Instance(compiled(build), { env: { memory } });
  const exports = instance.exports as unknown as NativeKernels & {
    __stack_pointer: WebAssembly.Global;
  };
  // Both builds on one heap share the blocks: they have the same stack and scratch needs,
  // and only one kernel call runs at a time in a thread.
  if (loaded?.memory !== memory) {
    const blocks = allocate(module, exports.scratch_floats() * 4);
    loaded = { memory, ...blocks, builds: new Map() };
  }
  exports.__stack_pointer.value = loaded.stack + STACK_BYTES;
  const kernels = Object.assign(Object.create(exports) as NativeKernels, {
    build,
    scratch: loaded.scratch,
  }) as LoadedKernels;
  loaded.builds.set(build, kernels);
  return kernels;
}

function compiled(build: KernelBuild): WebAssembly.Module {
  const known = modules.get(build);
  if (known) return known;
  const file = build === 'relaxed' ? 'kernels-relaxed.wasm' : 'kernels.wasm';
  const url = new URL(`../../../../native/${file}`, import.meta.url);
  let bytes: Buffer;
  try {
    bytes = readFileSync(url);
  } catch (error) {
    throw new KernelError(
      'native kernels',
      `cannot read ${url.pathname}: ${(error as Error).message}`,
    );
  }
  const made = new WebAssembly.Module(bytes);
  modules.set(build, made);
  return made;
}

function allocate(module: EmscriptenModule, scratchBytes: number) {
  const stack = module._malloc(STACK_BYTES) >>> 0;
  const raw = module._malloc(scratchBytes + 16) >>> 0;
  return { stack, scratch: (raw + 15) & ~15 };
}
