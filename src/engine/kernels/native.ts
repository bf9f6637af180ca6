/**
 * tunebook's own wasm helper kernels (native/kernels.c, built to native/kernels.wasm and
 * committed). The module imports the tfjs wasm backend's memory, so it reads and writes
 * tensors in place, with no copy between heaps. Its stack lives in a block malloc'd from
 * the backend's heap.
 */
import { readFileSync } from 'node:fs';
import { KernelError } from '../../core/errors.js';

export interface NativeKernels {
  transpose2d(src: number, dst: number, rows: number, cols: number): void;
  im2col_t(
    xt: number,
    out: number,
    c: number,
    n: number,
    n0: number,
    nc: number,
    h: number,
    w: number,
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
  ): void;
  maxpool_grad(
    x: number,
    dy: number,
    dx: number,
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
  ): void;
  col2im_add(
    cols: number,
    dx: number,
    n0: number,
    nc: number,
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
  ): void;
  fill_zero(p: number, n: number): void;
  gemm_few_rows(a: number, b: number, out: number, k: number, p: number, n: number): void;
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
let cache: { memory: WebAssembly.Memory; kernels: NativeKernels } | null = null;

export function nativeKernels(module: EmscriptenModule): NativeKernels {
  const memory = module.asm.memory;
  if (cache && cache.memory === memory) return cache.kernels;
  const url = new URL('../../../../native/kernels.wasm', import.meta.url);
  let bytes: Buffer;
  try {
    bytes = readFileSync(url);
  } catch (error) {
    throw new KernelError(
      'native kernels',
      `cannot read ${url.pathname}: ${(error as Error).message}`,
    );
  }
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const exports = instance.exports as unknown as NativeKernels & {
    __stack_pointer: WebAssembly.Global;
  };
  const stack = module._malloc(STACK_BYTES) >>> 0;
  exports.__stack_pointer.value = stack + STACK_BYTES;
  cache = { memory, kernels: exports };
  return exports;
}
