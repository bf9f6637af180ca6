/**
 * BatchMatMul and _FusedMatMul for wasm on tunebook's GEMM (native/kernels.c gemm: 4 x 8
 * register tiles, the convolutions' micro-kernel). The backend sends any product with a
 * transposed operand or a batch dimension to a scalar triple loop (~2 GFLOP/s here) and only
 * plain 2-D products to XNNPACK. Here a batch against a shared right-hand side is folded
 * into the rows, a transposed right-hand side is packed as it is read (every dense layer's
 * input gradient), a transposed left-hand side is copied first (its weight gradient), and
 * bias and relu apply after the whole sum, as the unfused product, add and relu round.
 * Batched against batched products and other dtypes go to the backend's kernel; activations
 * other than relu follow the product as the backend's kernels.
 */
import { broadcast_util, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { KernelError } from '../../core/errors.js';
import {
  native,
  ptr,
  release,
  releaseScratch,
  runWasm,
  scratch,
  transpose,
  type WasmBackend,
} from './wasm-heap.js';

/** K per block of the GEMM (native/kernels.c GEMM_KC) and its panel width. */
const GEMM_KC = 512;
const NR = 8;

interface Attrs {
  transposeA: boolean;
  transposeB: boolean;
}

export function batchMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo };
  attrs: Attrs;
  backend: WasmBackend;
}): TensorInfo {
  return fastMatMul(
    'BatchMatMul',
    args.inputs,
    args.attrs as Attrs & NamedAttrMap,
    {},
    args.backend,
  );
}

/** `_FusedMatMul` (bias and activation) reaches XNNPACK through the same rewrite. */
export function fusedMatMul(args: {
  inputs: { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  attrs: Attrs & NamedAttrMap;
  backend: WasmBackend;
}): TensorInfo {
  const { a, b, ...rest } = args.inputs;
  const extra: Record<string, TensorInfo> = {};
  for (const [k, v] of Object.entries(rest)) if (v) extra[k] = v;
  return fastMatMul('_FusedMatMul', { a, b }, args.attrs, extra, args.backend);
}

function fastMatMul(
  kernel: string,
  inputs: { a: TensorInfo; b: TensorInfo },
  attrs: Attrs & NamedAttrMap,
  extra: Record<string, TensorInfo>,
  backend: WasmBackend,
): TensorInfo {
  const { a, b } = inputs;
  const { transposeA, transposeB } = attrs;
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const aBatch = size(a.shape.slice(0, -2));
  const bBatch = size(b.shape.slice(0, -2));

  // Batched against batched (attention-like) stays with the backend's loop. That loop adds a
  // fused bias wrongly (per k-block, and indexed by row as well as column), so such a fused
  // product is split into product, bias and activation.
  const n0 = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  const bias = extra.bias;
  if (bBatch !== 1 || (bias && size(bias.shape) !== n0)) {
    if (kernel === 'BatchMatMul') return runWasm(kernel, { a, b }, attrs, backend);
    return unfused(inputs, attrs, extra, backend);
  }

  // Other dtypes to the backend's kernel; other activations as product, bias, activation.
  if (![a, b, bias].every((t) => !t || t.dtype === 'float32'))
    return runWasm(kernel, { a, b, ...extra }, attrs, backend);
  const activation = (attrs.activation as string | undefined) ?? 'linear';
  if (activation !== 'linear' && activation !== 'relu')
    return unfused(inputs, attrs, extra, backend);
  const a2 = transposeA ? transpose(backend, a, swapLast(aRank)) : a;
  const m = a2.shape[aRank - 2];
  const k = a2.shape[aRank - 1];
  const outShape = [
    ...broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)),
    m,
    n0,
  ];
  const out = backend.makeOutput(outShape, 'float32');
  const work = scratch(backend, GEMM_KC * Math.ceil(n0 / NR) * NR);
  native(backend).gemm(
    ptr(backend, a2),
    ptr(backend, b),
    ptr(backend, out),
    aBatch * m,
    k,
    n0,
    transposeB ? 1 : 0,
    bias ? ptr(backend, bias) : 0,
    activation === 'relu' ? 1 : 0,
    work.offset,
  );
  releaseScratch(backend, work);
  if (a2 !== a) release(backend, a2);
  return out;
}

function swapLast(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

function size(shape: number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** _FusedMatMul as its parts: product, then bias, then activation. */
function unfused(
  inputs: { a: TensorInfo; b: TensorInfo },
  attrs: Attrs & NamedAttrMap,
  extra: Record<string, TensorInfo>,
  backend: WasmBackend,
): TensorInfo {
  const product = fastMatMul(
    'BatchMatMul',
    inputs,
    { transposeA: attrs.transposeA, transposeB: attrs.transposeB },
    {},
    backend,
  );
  let out = product;
  if (extra.bias) {
    out = runWasm('Add', { a: product, b: extra.bias }, {}, backend);
    release(backend, product);
  }
  const activation = (attrs.activation as string | undefined) ?? 'linear';
  const act = (name: string, more: Record<string, TensorInfo>, actAttrs: NamedAttrMap) => {
    const next = runWasm(name, { x: out, ...more }, actAttrs, backend);
    release(backend, out);
    out = next;
  };
  if (activation === 'relu') act('Relu', {}, {});
  else if (activation === 'relu6') act('Relu6', {}, {});
  else if (activation === 'elu') act('Elu', {}, {});
  else if (activation === 'sigmoid') act('Sigmoid', {}, {});
  else if (activation === 'leakyrelu')
    act('LeakyRelu', {}, { alpha: attrs.leakyreluAlpha as number });
  else if (activation === 'prelu') act('Prelu', { alpha: extra.preluActivationWeights }, {});
  else if (activation !== 'linear')
    throw new KernelError('_FusedMatMul', `unknown activation ${activation}`);
  return out;
}
