/**
 * BatchMatMul for wasm. The backend sends any product with a transposed operand or a batch
 * dimension to a scalar triple loop (~2 GFLOP/s here) and only plain 2-D products to
 * XNNPACK (~25 GFLOP/s). Every dense layer's backward pass transposes one operand, so here
 * the transpose is done explicitly (a cheap copy) and a batch against a shared right-hand
 * side is folded into the rows, so that the product itself always reaches XNNPACK.
 */
import { broadcast_util, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { release, reshape, runWasm, transpose, type WasmBackend } from './wasm-heap.js';

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
  const plainAttrs = { ...attrs, transposeA: false, transposeB: false };
  const original = () => runWasm(kernel, { a, b, ...extra }, attrs, backend);

  // Batched against batched (attention-like) stays with the original loop, and so does a
  // bias that is not one value per output column.
  const n0 = transposeB ? b.shape[bRank - 2] : b.shape[bRank - 1];
  const bias = extra.bias;
  if (bBatch !== 1 || (aBatch !== 1 && transposeA) || (bias && size(bias.shape) !== n0)) {
    return original();
  }

  const temps: TensorInfo[] = [];
  let a2 = a;
  let b2 = b;
  if (transposeA) {
    a2 = transpose(backend, a, swapLast(aRank));
    temps.push(a2);
  }
  if (transposeB) {
    b2 = transpose(backend, b, swapLast(bRank));
    temps.push(b2);
  }
  const m = a2.shape[aRank - 2];
  const k = a2.shape[aRank - 1];
  const n = b2.shape[bRank - 1];
  const a3 = reshape(backend, a2, [1, aBatch * m, k]);
  const b3 = reshape(backend, b2, [1, k, n]);
  temps.push(a3, b3);
  const out3 = runWasm(kernel, { a: a3, b: b3, ...extra }, plainAttrs, backend);
  const outShape = [
    ...broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)),
    m,
    n,
  ];
  const out = reshape(backend, out3, outShape);
  release(backend, out3, ...temps);
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
