/**
 * Sum and Mean over leading axes for wasm. Bias and batch-norm gradients reduce an NHWC
 * tensor over N, H and W; the backend transposes the reduced axes to the back first, which
 * made these reductions ~10% of a ResNet training step. Reducing leading axes needs no
 * transpose: a single pass adding rows (native/kernels.c), in float64. Other reductions go
 * to the backend's own kernels.
 */
import { type NamedAttrMap, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { native, ptr, runWasm, type WasmBackend } from './wasm-heap.js';

interface Attrs {
  axis: number | number[];
  keepDims: boolean;
}

function leadingReduction(
  kernel: 'Sum' | 'Mean',
  args: { inputs: { x: TensorInfo }; attrs: Attrs; backend: WasmBackend },
): TensorInfo {
  const { inputs, attrs, backend } = args;
  const { x } = inputs;
  const axes = util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
  const leading = axes.length > 0 && axes.every((a, i) => a === i);
  if (x.dtype !== 'float32' || !leading || util.sizeFromShape(x.shape) === 0) {
    return runWasm(kernel, { x }, attrs as unknown as NamedAttrMap, backend);
  }
  const rows = x.shape.slice(0, axes.length).reduce((p, d) => p * d, 1);
  const kept = x.shape.slice(axes.length);
  const cols = kept.reduce((p, d) => p * d, 1);
  const outShape = attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept;
  const out = backend.makeOutput(outShape, 'float32');
  const acc = backend.wasm._malloc(cols * 8) >>> 0;
  native(backend).sum_rows(
    ptr(backend, x),
    ptr(backend, out),
    acc,
    rows,
    cols,
    kernel === 'Mean' ? 1 / Math.max(1, rows) : 1,
  );
  backend.wasm._free(acc);
  return out;
}

export function sum(args: { inputs: { x: TensorInfo }; attrs: Attrs; backend: WasmBackend }) {
  return leadingReduction('Sum', args);
}

export function mean(args: { inputs: { x: TensorInfo }; attrs: Attrs; backend: WasmBackend }) {
  return leadingReduction('Mean', args);
}
