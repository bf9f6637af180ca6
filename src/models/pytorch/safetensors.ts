/**
 * safetensors files (timm, Hugging Face): an 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?}`, then the raw
 * little-endian, row-major tensor bytes. Nothing in the format can run code.
 *
 * @example
 *   const tensors = readSafetensors(await readFile('model.safetensors'), 'model.safetensors');
 */
import { DataError } from '../../core/errors.js';
import { BYTES_PER, toFloat32 } from './dtypes.js';
import type { StateDict } from './state-dict.js';

const DTYPES: Record<string, string> = {
  F32: 'float32',
  F64: 'float64',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

/** Whether `bytes` start like a safetensors file (a sane header length, then '{'). */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 9) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return n > 1n && n < 100_000_000n && bytes[8] === 0x7b;
}

export function readSafetensors(bytes: Uint8Array, file: string): StateDict {
  if (bytes.length < 8) throw new DataError(file, 'truncated safetensors file (no header length)');
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (8 + length > bytes.length) {
    throw new DataError(file, `truncated safetensors file (header of ${length} bytes)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  } catch (error) {
    throw new DataError(file, `bad safetensors header: ${(error as Error).message}`);
  }
  const data = bytes.subarray(8 + length);
  const out: StateDict = new Map();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const where = `${file}: ${name}`;
    const entry = raw as { dtype?: string; shape?: number[]; data_offsets?: number[] };
    const dtype = DTYPES[entry.dtype ?? ''];
    if (!dtype) throw new DataError(where, `unsupported dtype ${entry.dtype}`);
    const shape = entry.shape ?? [];
    const [begin, end] = entry.data_offsets ?? [];
    const count = shape.reduce((p, d) => p * d, 1);
    if (
      !Number.isInteger(begin) ||
      !Number.isInteger(end) ||
      end - begin !== count * BYTES_PER[dtype]
    ) {
      throw new DataError(
        where,
        `data_offsets ${JSON.stringify(entry.data_offsets)} do not fit shape [${shape}]`,
      );
    }
    if (end > data.length) throw new DataError(where, 'data cut short (truncated file)');
    out.set(name, { shape, dtype, data: toFloat32(data.subarray(begin, end), dtype, where) });
  }
  return out;
}

/**
 * The safetensors bytes of a state_dict, every tensor as float32 (F32): a file PyTorch reads
 * with `safetensors.torch.load_file` and tunebook with readStateDict.
 *
 * @example
 *   await writeFile('weights.safetensors', writeSafetensors(sd));
 */
export function writeSafetensors(sd: StateDict): Uint8Array {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of sd) {
    const end = offset + t.data.length * 4;
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, end] };
    offset = end;
  }
  let json = JSON.stringify(header);
  // The format pads the header with spaces to a multiple of 8 bytes.
  json += ' '.repeat((8 - (new TextEncoder().encode(json).length % 8)) % 8);
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  let at = 8 + text.length;
  for (const t of sd.values()) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
