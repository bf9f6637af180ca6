/**
 * UnsortedSegmentSum for wasm, which the backend lacks: it is the gradient of Gather, so
 * without it no embedding layer (or any gathered weight) can train on wasm. Rows of `x`
 * are added into row `segmentIds[i]` of the output; ids outside [0, numSegments) are
 * dropped, as TensorFlow does.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackend } from './wasm-heap.js';

export function unsortedSegmentSum(args: {
  inputs: { x: TensorInfo; segmentIds: TensorInfo };
  attrs: { numSegments: number };
  backend: WasmBackend;
}): TensorInfo {
  const { inputs, attrs, backend } = args;
  const { x, segmentIds } = inputs;
  const idCount = segmentIds.shape.reduce((p, d) => p * d, 1);
  const inner = x.shape.slice(segmentIds.shape.length).reduce((p, d) => p * d, 1);
  const outShape = [attrs.numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = backend.makeOutput(outShape, x.dtype);
  const dst = backend.typedArrayFromHeap(out) as unknown as Float32Array | Int32Array;
  dst.fill(0);
  const src = backend.typedArrayFromHeap(x) as unknown as Float32Array | Int32Array;
  const ids = backend.typedArrayFromHeap(segmentIds) as unknown as Int32Array;
  for (let i = 0; i < idCount; i++) {
    const s = ids[i];
    if (s < 0 || s >= attrs.numSegments) continue;
    const from = i * inner;
    const to = s * inner;
    for (let j = 0; j < inner; j++) dst[to + j] += src[from + j];
  }
  return out;
}
