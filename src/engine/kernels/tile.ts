/**
 * Tile for wasm. tfjs's batch-norm gradient tiles a per-channel vector up to the full
 * activation shape; the backend computes every output element's source index separately,
 * which made Tile the single largest cost of a ResNet training step (~25%). Here each source
 * row is copied once and every repetition is a block copy (copyWithin, doubling), any dtype.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackend } from './wasm-heap.js';

type Heap = Float32Array | Int32Array | Uint8Array;

export function tile(args: {
  inputs: { x: TensorInfo };
  attrs: { reps: number[] };
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  const { x } = inputs;
  const shape = x.shape;
  const reps = attrs.reps;
  const outShape = shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  const size = outShape.reduce((p, d) => p * d, 1);
  if (size === 0) return out;
  const src = backend.typedArrayFromHeap(x) as unknown as Heap;
  const dst = backend.typedArrayFromHeap(out) as unknown as Heap;
  if (shape.length === 0) {
    dst[0] = src[0];
    return out;
  }
  const rank = shape.length;
  const inInner = new Array<number>(rank + 1).fill(1);
  const outInner = new Array<number>(rank + 1).fill(1);
  for (let a = rank - 1; a >= 0; a--) {
    inInner[a] = inInner[a + 1] * shape[a];
    outInner[a] = outInner[a + 1] * outShape[a];
  }
  const fill = (a: number, srcOff: number, dstOff: number): void => {
    if (a === rank - 1) {
      dst.set(src.subarray(srcOff, srcOff + shape[a]), dstOff);
    } else {
      for (let i = 0; i < shape[a]; i++) {
        fill(a + 1, srcOff + i * inInner[a + 1], dstOff + i * outInner[a + 1]);
      }
    }
    const block = shape[a] * outInner[a + 1];
    const total = block * reps[a];
    for (let filled = block; filled < total; ) {
      const n = Math.min(filled, total - filled);
      dst.copyWithin(dstOff + filled, dstOff, dstOff + n);
      filled += n;
    }
  };
  fill(0, 0, 0);
  return out;
}
