/**
 * Raw little-endian tensor bytes of the dtypes PyTorch and safetensors files hold, decoded to
 * float32 (the engine's dtype; int64 values such as num_batches_tracked are small counts).
 *
 * @example
 *   toFloat32(bytes, 'float16', 'resnet18.safetensors: conv1.weight');
 */
import { DataError } from '../../core/errors.js';
import { float16ToNumber } from '../../core/float16.js';

export const BYTES_PER: Record<string, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** Decodes `bytes` (a whole number of elements) of `dtype` to a new Float32Array. */
export function toFloat32(bytes: Uint8Array, dtype: string, where: string): Float32Array {
  const size = BYTES_PER[dtype];
  if (size === undefined) throw new DataError(where, `unsupported dtype ${dtype}`);
  const n = Math.floor(bytes.length / size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = read(view, i * size, dtype);
  return out;
}

function read(view: DataView, at: number, dtype: string): number {
  switch (dtype) {
    case 'float32':
      return view.getFloat32(at, true);
    case 'float64':
      return view.getFloat64(at, true);
    case 'float16':
      return float16ToNumber(view.getUint16(at, true));
    case 'bfloat16':
      // The upper half of a float32.
      return new Float32Array(new Uint32Array([view.getUint16(at, true) << 16]).buffer)[0];
    case 'int64':
      return Number(view.getBigInt64(at, true));
    case 'int32':
      return view.getInt32(at, true);
    case 'int16':
      return view.getInt16(at, true);
    case 'int8':
      return view.getInt8(at);
    default:
      return view.getUint8(at);
  }
}
